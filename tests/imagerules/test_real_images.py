"""The image rules on the real test images, and on an image buildah builds from a Dockerfile.

The buildah image is built once per session (``FROM scratch`` + the minbase root
filesystem + RUN steps that leave apt lists, a setuid copy of ls and a deleted key), so
each finding's Dockerfile line can be checked against a real builder's history.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Finding, Practice, Severity
from hullcheck.scan import ScanRequest, scan_image

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def _scan(reference: str, dockerfile: Path | None = None) -> Report:
    request = ScanRequest(
        reference,
        settings=ScanSettings(now=NOW),
        dockerfile=str(dockerfile) if dockerfile else None,
    )
    return scan_image(request)


def _rules(report: Report) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in report.findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.mark.images
def test_debian_minbase_only_serious_finding_is_root(test_images: Path) -> None:
    report = _scan(f"oci:{test_images}/oci-per-tag/debian-minbase")
    serious = {f.rule for f in report.findings if f.severity.rank >= Severity.HIGH.rank}
    assert serious == {"HC8001"}
    assert report.diagnostics == []
    assert report.summary["base_os"]["id"] == "debian"  # type: ignore[index]
    assert report.summary["efficiency"] == 1.0
    # stock Debian: its setuid files are the usual ones, nothing world-writable
    assert "HC8003" not in _rules(report) and "HC8004" not in _rules(report)


@pytest.mark.images
def test_secret_deleted_traced_to_layers(test_images: Path) -> None:
    report = _scan(f"oci:{test_images}/oci-per-tag/secret-deleted")
    rules = _rules(report)
    (key,) = [f for f in report.findings if f.practice is Practice.SECRETS]
    assert key.location.file == "/root/.ssh/id_rsa"
    assert key.location.layer_index == 1 and key.extra["hidden_by_layer"] == 2
    assert key.extra["still_extractable"] is True
    assert "HC8001" not in rules and "HC8002" not in rules  # USER app, defined in /etc/passwd
    assert report.target["config"]["user"] == "app"  # type: ignore[index]
    (cache,) = rules["HC8101"]
    assert cache.location.layer_index == 1
    assert report.summary["wasted_bytes"] > 0
    text = json.dumps(report.to_json())
    assert "BEGIN OPENSSH PRIVATE KEY" not in text and "BEGIN RSA PRIVATE KEY" not in text


KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBqbGx0eHh4eXl5enp6MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcgAA\n"
    "AJhqbGx0eHh4eXl5enp6MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcgAAAAtzc2gtZW\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
DOCKERFILE = """\
FROM scratch
ADD rootfs.tar /
ARG VERSION=1.0
RUN mkdir -p /var/lib/apt/lists && \\
    printf 'Origin: Debian\\n' > /var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease && \\
    cp /bin/ls /usr/local/bin/suidls && chmod 4755 /usr/local/bin/suidls
COPY id_ed25519 /root/.ssh/id_ed25519
RUN rm /root/.ssh/id_ed25519
USER root
EXPOSE 22
"""


def _minbase_layer(test_images: Path) -> Path:
    layout = test_images / "oci"
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == "debian-minbase":
            manifest = json.loads((layout / "blobs/sha256" / desc["digest"][7:]).read_text())
            return layout / "blobs/sha256" / manifest["layers"][0]["digest"][7:]
    raise LookupError("debian-minbase not in the test images")


@pytest.fixture(scope="session")
def buildah_image(test_images: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    if shutil.which("buildah") is None:
        pytest.skip("buildah is not installed (apt-get install buildah)")
    if os.geteuid() != 0:
        pytest.skip("buildah --isolation chroot with the vfs driver needs root")
    work = tmp_path_factory.mktemp("buildah")
    ctx = work / "ctx"
    ctx.mkdir()
    shutil.copyfile(_minbase_layer(test_images), ctx / "rootfs.tar")
    (ctx / "id_ed25519").write_text(KEY)
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    store = [
        "--storage-driver",
        "vfs",
        "--root",
        str(work / "root"),
        "--runroot",
        str(work / "run"),
    ]
    try:
        subprocess.run(
            ["buildah", "bud", *store, "--layers", "--isolation", "chroot", "-t", "hc-trace", "."],
            cwd=ctx,
            check=True,
            capture_output=True,
            timeout=900,
        )
        subprocess.run(
            ["buildah", "push", *store, "hc-trace", f"oci:{work / 'oci'}:latest"],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except subprocess.CalledProcessError as err:
        pytest.fail(f"buildah failed: {err.stderr.decode(errors='replace')[-2000:]}")
    finally:
        subprocess.run(
            ["buildah", "rmi", *store, "--all", "--force"], check=False, capture_output=True
        )
        shutil.rmtree(work / "root", ignore_errors=True)  # ~1 GB of vfs copies
    return f"oci:{work / 'oci'}:latest", ctx / "Dockerfile"


@pytest.mark.images
@pytest.mark.timeout(1200)
def test_buildah_image_findings_point_at_the_right_lines(buildah_image: tuple[str, Path]) -> None:
    reference, dockerfile = buildah_image
    report = _scan(reference, dockerfile)

    def span(f: Finding) -> tuple[int, int]:
        ins = f.location.instruction
        assert ins is not None, f
        assert ins.path == str(dockerfile)
        return ins.line, ins.end_line

    rules = _rules(report)
    (key,) = [f for f in report.findings if f.practice is Practice.SECRETS]
    assert key.location.file == "/root/.ssh/id_ed25519"
    assert key.location.layer_index == 2 and span(key) == (7, 7)
    assert key.extra["hidden_by_layer"] == 3 and key.extra["still_extractable"] is True
    # lint's HC6002 (secret file copied) on the same COPY is folded in, lines kept apart
    assert key.extra["also_found_by"] == "HC6002" and key.location.line == 1
    assert key.extra["lint_location"]["line"] == 7
    (suid,) = rules["HC8003"]
    assert suid.location.file == "/usr/local/bin/suidls" and span(suid) == (4, 6)
    (lists,) = rules["HC8101"]
    assert lists.location.layer_index == 1 and span(lists) == (4, 6)
    (root,) = rules["HC8001"]
    assert span(root) == (9, 9)
    (ssh,) = rules["HC8007"]
    assert span(ssh) == (10, 10)
    (arg,) = rules["HC8501"]
    assert arg.extra["build_arg"] == "VERSION" and span(arg) == (4, 6)
    assert {span(f) for f in rules["HC8201"]} == {(2, 2)}  # apt, dpkg: from the ADDed rootfs
    layers = report.summary["trace"]["layers"]  # type: ignore[index]
    assert [entry.get("instruction", {}).get("line") for entry in layers] == [2, 4, 7, 8]
