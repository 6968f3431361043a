"""The secrets engine in the single layer pass: deleted secrets, config and history."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.secrets import SecretScanner
from hullcheck.secrets.subscriber import SecretsResult, SecretsSubscriber
from hullcheck.sources.api import open_image
from tests.fixtures.imagebuilder import Dir, File, Layer, Whiteout, make_image

from .corpus import checksummed, pem


def _scan(reference: str, scanner: SecretScanner | None = None) -> SecretsResult:
    with open_image(reference) as handle:
        sub = SecretsSubscriber(scanner)
        walk = handle.walk(sub.subscriptions())
        return sub.finish(handle.image, walk)


def test_deleted_key_config_env_and_build_args(tmp_path: Path) -> None:
    token = checksummed("ghp_")
    img = make_image(
        tmp_path / "img",
        [
            Layer([Dir("etc"), File("etc/os-release", b"ID=debian\n")], created_by="ADD rootfs /"),
            Layer(
                [
                    File("root/.ssh/id_rsa", pem("OPENSSH PRIVATE KEY", 400).encode(), mode=0o600),
                    File("app/.env", b"DEBUG=1\n"),
                    File("usr/share/doc/x/README", token.encode()),
                    File("app/big.log", b"x" * 2048 + token.encode()),
                ],
                created_by="RUN |1 NPM_TOKEN=q8v7z6x5w4 /bin/sh -c npm ci",
            ),
            Layer([Whiteout("root/.ssh/id_rsa")], created_by="RUN rm /root/.ssh/id_rsa"),
        ],
        config={"Env": ["PATH=/usr/bin", "DB_PASSWORD=hunter2x9"]},
    )
    result = _scan(img.reference, SecretScanner(max_bytes=1024))
    got = sorted(
        (f.rule, f.location.file or f.location.path or "", f.location.layer_index)
        for f in result.findings
    )
    assert got == [
        ("private-key", "/root/.ssh/id_rsa", 1),
        ("secret-in-variable", "config:Env", None),
        ("secret-in-variable", "history[1]", 1),
        ("sensitive-file-dotenv", "/app/.env", 1),
    ]
    [key] = [f for f in result.findings if f.rule == "private-key"]
    assert key.extra["hidden"] == "deleted by layer 2"
    assert "still in layer 1" in key.message
    for f in result.findings:
        doc = str(f.to_json())
        assert "hunter2x9" not in doc and "q8v7z6x5w4" not in doc
    skipped = result.stats["skipped"]
    assert isinstance(skipped, dict)
    assert skipped["package-docs"]["files"] == 1
    assert skipped["too-large"] == {"files": 1, "bytes": 2048 + len(token)}


def test_allow_listed_paths_silence_name_only_findings_too(tmp_path: Path) -> None:
    """A user who allow-lists a path means every finding there, the by-name ones included."""
    from hullcheck.secrets.allowlist import Allowlist

    img = make_image(
        tmp_path / "img",
        [
            Layer(
                [
                    File("root/.ssh/id_rsa", pem("OPENSSH PRIVATE KEY", 400).encode()),
                    File("srv/app/.env", b"DEBUG=1\n"),
                    File("app/.env", b"DEBUG=1\n"),
                ]
            )
        ],
    )
    allow = Allowlist.build(paths=[r"^/root/\.ssh/", r"^/srv/"])
    files = {f.location.file for f in _scan(img.reference, SecretScanner(allowlist=allow)).findings}
    assert files == {"/app/.env"}
    unfiltered = {f.location.file for f in _scan(img.reference).findings}
    assert unfiltered == {"/root/.ssh/id_rsa", "/srv/app/.env", "/app/.env"}


@pytest.mark.images
def test_secret_deleted_image_through_the_walker(test_images: Path) -> None:
    layout = test_images / "oci-per-tag" / "secret-deleted"
    result = _scan(f"{layout}:secret-deleted")
    assert [(f.rule, f.location.file, f.extra.get("hidden")) for f in result.findings] == [
        ("private-key", "/root/.ssh/id_rsa", "deleted by layer 2")
    ]
    assert result.stats["files_scanned"] > 6000
