"""Progress bars: drawn on stderr when it is a terminal, never into pipes or logs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.support.terminal import run_with_terminal_stderr

STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n"


@pytest.fixture
def image(tmp_path: Path) -> Path:
    layers = [
        Layer([File("etc/os-release", b"ID=debian\nVERSION_ID=12\n")]),
        Layer([File("var/lib/dpkg/status", STATUS)]),
    ]
    return make_image(tmp_path / "img", layers).path


@pytest.mark.parametrize("command", ["sbom", "scan"])
def test_a_terminal_sees_the_layers_counted(image: Path, command: str, tmp_path: Path) -> None:
    args = [command, f"oci:{image}", "-f", "json", "--cache-dir", str(tmp_path / "cache")]
    if command == "scan":
        args += ["--no-vulns"]
    code, out, screen = run_with_terminal_stderr(args)
    assert code in (0, 1), screen  # 1: the image has findings (it runs as root)
    assert "layer 2/2" in screen
    assert '"bash"' in out  # the SBOM/report itself went to stdout, untouched


@pytest.mark.parametrize("command", ["sbom", "scan"])
def test_a_pipe_gets_no_bar(image: Path, command: str, tmp_path: Path) -> None:
    args = [command, f"oci:{image}", "-f", "json", "--cache-dir", str(tmp_path / "cache")]
    if command == "scan":
        args += ["--no-vulns"]
    done = subprocess.run(
        [sys.executable, "-m", "hullcheck", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    assert "layer 2/2" not in done.stderr and "\x1b[" not in done.stderr
