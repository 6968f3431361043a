"""A local path that is neither a regular file nor a directory (FIFO, device) is refused
by name: never opened (a FIFO would block), never taken for a Docker Hub reference."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.errors import InputError
from hullcheck.sources.open import open_source, parse_reference


@pytest.fixture
def fifo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    os.mkfifo(tmp_path / "image.fifo")
    monkeypatch.chdir(tmp_path)
    return "image.fifo"


@pytest.mark.timeout(30)  # opening the FIFO for reading would block forever
@pytest.mark.parametrize(
    ("reference", "forced"),
    [
        ("image.fifo", None),
        ("image.fifo:latest", None),
        ("docker-archive:image.fifo", None),
        ("docker-archive:image.fifo:v1", None),
        ("oci-archive:image.fifo", None),
        ("oci:image.fifo", None),
        ("image.fifo", "docker-archive"),
        ("image.fifo", "oci"),
    ],
)
def test_a_fifo_is_refused_in_every_form(fifo: str, reference: str, forced: str | None) -> None:
    with pytest.raises(InputError, match=r"^image\.fifo is not a regular file or directory$"):
        open_source(reference, forced)


def test_a_fifo_is_not_a_registry_reference(fifo: str) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        parse_reference(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_refused_not_said_missing() -> None:
    with pytest.raises(InputError, match=r"^/dev/null is not a regular file or directory$"):
        open_source("/dev/null")
    with pytest.raises(InputError, match="not a regular file"):
        open_source("docker-archive:/dev/null")


def test_regular_files_and_missing_paths_are_unchanged(tmp_path: Path) -> None:
    archive = tmp_path / "img.tar"
    archive.write_bytes(b"")
    assert parse_reference(str(archive)).kind == "docker-archive"
    assert parse_reference(f"{archive}:v1").tag == "v1"
    assert parse_reference(str(tmp_path)).kind == "dir"  # no index.json: a filesystem
    assert parse_reference("alpine:3.20").kind == "registry"
    with pytest.raises(InputError, match="does not exist"):
        parse_reference(str(tmp_path / "missing.tar"))
