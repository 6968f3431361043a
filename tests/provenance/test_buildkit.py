"""BuildKit attestation manifests from real `docker buildx` output (shared/provenance)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.provenance.scancheck import build_attestations
from hullcheck.provenance.target import open_target
from hullcheck.sources.registry.options import RegistryOptions

BK = "provenance/buildkit"
AMD64 = "sha256:da8b190665956ea07890a0273e2a9c96bfe291662f08e2860e868eef69c34620"
ARM64 = "sha256:7a76cec943853f9f7105b1976afa1bf7cd5bb6afc4e9d5852dd8da7cf81ae86e"


def test_unsigned_index_slsa_and_spdx(shared_dir: Path) -> None:
    with open_target(
        str(shared_dir / BK / "docker-attest" / "unsigned-index"), RegistryOptions()
    ) as t:
        found = build_attestations(t)
    assert sorted((a.platform_manifest, a.kind) for a in found) == [
        (ARM64, "sbom"),
        (ARM64, "slsa"),
        (AMD64, "sbom"),
        (AMD64, "slsa"),
    ]
    assert all(a.subject_ok and a.error is None for a in found)
    slsa = next(a for a in found if a.kind == "slsa" and a.platform_manifest == AMD64)
    s = slsa.summary
    assert s["build_type"] == "https://mobyproject.org/buildkit@v1"
    assert s["source_repository"] == "git@github.com:docker/image-signer-verifier.git"
    assert s["source_commit"] == "ba33451b352942e366f12662f2c3a0c8ac54d696"
    assert s["parameters"]["frontend"] == "dockerfile.v0"
    assert s["reproducible"] is False
    assert s["mode"] == "max"
    sbom = next(a for a in found if a.kind == "sbom" and a.platform_manifest == AMD64)
    assert "Tool: syft-v0.105.0" in sbom.summary["creators"]
    assert sbom.summary["sbom_format"] == "SPDX-2.3"


def test_no_provenance_and_no_attestations(shared_dir: Path) -> None:
    with open_target(
        str(shared_dir / BK / "docker-attest" / "no-provenance-index"), RegistryOptions()
    ) as t:
        assert sorted(a.kind for a in build_attestations(t)) == ["sbom", "sbom"]
    with open_target(
        str(shared_dir / BK / "docker-attest" / "unsigned-image"), RegistryOptions()
    ) as t:
        assert build_attestations(t) == []


def test_github_actions_buildkit_min_provenance(shared_dir: Path) -> None:
    root = shared_dir / BK / "slsa-verifier-gha_generic_container-v2.1.0"
    digest = (root / "container_workflow_dispatch.digest").read_text().split()[-1].strip()
    digest = digest if digest.startswith("sha256:") else f"sha256:{digest}"
    layout = root / "container_workflow_dispatch"
    with open_target(f"oci:{layout}@{digest}", RegistryOptions()) as t:
        assert t.digest == digest
        [att] = build_attestations(t)
    assert att.kind == "slsa" and att.subject_ok
    assert att.summary["mode"] == "min"
    assert (
        att.summary["source_repository"] == "https://github.com/slsa-framework/example-package.git"
    )
    assert att.summary["source_commit"] == "4d329c75e7ec1725f7c9ce917a8799d408d06be3"


def test_tampered_statement_is_reported_not_trusted(shared_dir: Path, tmp_path: Path) -> None:
    layout = tmp_path / "idx"
    shutil.copytree(shared_dir / BK / "docker-attest" / "unsigned-index", layout)
    blob = layout / "blobs/sha256/371954672cfaa92735d6fbd70a787aac618a41d4c8ec8d6e12bd12d0cc601706"
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b"reproducible", b"reproducibl3"))
    with open_target(str(layout), RegistryOptions()) as t:
        found = build_attestations(t)
    bad = [a for a in found if a.error]
    assert len(bad) == 1 and "does not match its digest" in (bad[0].error or "")


def test_scan_reports_build_attestations(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = shared_dir / BK / "docker-attest" / "unsigned-index"
    code = main(
        [
            "scan",
            f"oci:{layout}",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--no-vulns",
            "--platform",
            "linux/amd64",
            "--cache-dir",
            str(tmp_path / "c"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out[-500:]
    prov = json.loads(out)["summary"]["provenance"]
    kinds = sorted(a["kind"] for a in prov["build_attestations"])
    assert kinds == ["sbom", "sbom", "slsa", "slsa"]
