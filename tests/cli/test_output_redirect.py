"""``-o`` behaves like a shell redirect for every command that writes output: through a
symlink the target is replaced and the link kept, a FIFO and /dev/null are written (never
replaced), a missing directory is one error line, and the file mode is a shell's."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from tests.cli.helpers import assert_one_error_line, hullcheck

DOCKERFILE = "FROM debian:12\nUSER app\n"


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(DOCKERFILE)
    return path


def _commands(dockerfile: Path, test_images: Path | None = None) -> dict[str, list[str]]:
    out = {"lint": ["lint", "-f", "json", "--fail-on", "none", str(dockerfile)]}
    if test_images is not None:
        image = f"oci:{test_images}/oci-per-tag/debian-minbase"
        out["scan"] = ["scan", image, "-f", "json", "--no-vulns", "--fail-on", "none", "-q"]
        out["sbom"] = ["sbom", image, "-f", "cyclonedx-json"]
    return out


def test_through_a_symlink_the_target_is_replaced_and_the_link_kept(
    tmp_path: Path, dockerfile: Path, test_images: Path
) -> None:
    for name, args in _commands(dockerfile, test_images).items():
        real = tmp_path / f"{name}-real.json"
        real.write_text("old")
        os.chmod(real, 0o640)
        link = tmp_path / f"{name}-link.json"
        link.symlink_to(real.name)
        run = hullcheck(*args, "-o", str(link))
        assert run.code == 0, (name, run.stderr)
        assert link.is_symlink() and os.readlink(link) == real.name, name
        assert real.read_text().lstrip().startswith("{"), name
        assert stat.S_IMODE(real.stat().st_mode) == 0o640, name  # an existing file keeps it


def test_new_files_get_the_same_mode_from_the_umask(
    tmp_path: Path, dockerfile: Path, test_images: Path
) -> None:
    old = os.umask(0o027)
    try:
        for name, args in _commands(dockerfile, test_images).items():
            out = tmp_path / f"{name}.json"
            assert hullcheck(*args, "-o", str(out)).code == 0, name
            assert stat.S_IMODE(out.stat().st_mode) == 0o640, name
    finally:
        os.umask(old)


def test_into_a_fifo_a_reader_gets_the_report_and_the_fifo_stays(
    tmp_path: Path, dockerfile: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with fifo.open("rb") as handle:
            got.append(handle.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    run = hullcheck(*_commands(dockerfile)["lint"], "-o", str(fifo), timeout=60)
    thread.join(30)
    assert run.code == 0, run.stderr
    assert got and got[0].lstrip().startswith(b"{")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    # no temporary file left behind
    assert {p.name for p in tmp_path.iterdir()} == {"Dockerfile", "pipe"}


def test_into_dev_null_it_stays_a_character_device(dockerfile: Path) -> None:
    before = os.stat("/dev/null")
    run = hullcheck(*_commands(dockerfile)["lint"], "-o", "/dev/null")
    assert run.code == 0, run.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


def test_dev_stdout_is_written_directly(dockerfile: Path) -> None:
    run = hullcheck(*_commands(dockerfile)["lint"], "-o", "/dev/stdout")
    assert run.code == 0, run.stderr
    assert run.stdout.lstrip().startswith("{")


def test_into_a_missing_directory_is_one_error_line(tmp_path: Path, dockerfile: Path) -> None:
    target = tmp_path / "no" / "such" / "report.json"
    run = hullcheck(*_commands(dockerfile)["lint"], "-o", str(target))
    assert_one_error_line(run, str(target), "no such directory")
    assert len(run.err_lines) == 1 and not target.parent.exists()
