"""``hullcheck.cli.main``: a command imports its own module only, and every command is
reachable that way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hullcheck.cli.main import NEEDS_ALL, _command_module, build_parser, main
from tests.fixtures.imagebuilder import File, Layer, make_image

SRC = Path(__file__).resolve().parents[2] / "src"


def _commands(parser: object) -> set[str]:
    action = parser._subparsers._group_actions[0]  # type: ignore[attr-defined]
    return set(action.choices)


def test_every_command_is_found_by_its_own_module() -> None:
    everything = _commands(build_parser())
    assert {"lint", "scan", "token", "verify-attestation"} <= everything
    for word in everything:
        module = _command_module([word, "--help"])
        if module is None:
            assert word in NEEDS_ALL
            continue
        assert word in _commands(build_parser(module)), word


def _modules_after(call: str, picked: str) -> tuple[object, list[str]]:
    """What ``call`` (Python, using ``main``) returned, and the loaded modules that the
    expression ``picked`` (over ``sys.modules``) lists, in a fresh interpreter."""
    code = (
        "import json, sys\n"
        "from hullcheck.cli.main import main\n"
        f"rc = {call}\n"
        f"print(json.dumps([rc, {picked}]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    rc, loaded = json.loads(out.stdout.splitlines()[-1])
    return rc, loaded


def _cli_modules_after(call: str) -> tuple[object, list[str]]:
    """The command modules ``call`` loaded."""
    return _modules_after(call, "sorted(m for m in sys.modules if m.startswith('hullcheck.cli.'))")


def _heavy_modules_after(call: str) -> tuple[object, list[str]]:
    """Which of httpx and cryptography ``call`` loaded."""
    return _modules_after(call, "[m for m in ('httpx', 'cryptography') if m in sys.modules]")


def test_a_command_imports_no_other_command_module(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\nUSER 1000\n")
    rc, loaded = _cli_modules_after(f"main(['lint', {str(tmp_path / 'Dockerfile')!r}, '-q'])")
    assert rc == 0
    assert "hullcheck.cli.lint" in loaded
    assert not {"hullcheck.cli.scan", "hullcheck.cli.serve", "hullcheck.cli.fleet"} & set(loaded)


def test_lint_loads_no_http_client_and_no_cryptography(tmp_path: Path) -> None:
    # a pre-commit hook lints one Dockerfile per run: httpx and the provenance modules
    # (cryptography) were 0.15 s of its 0.35 s; they load only for --verify-base
    (tmp_path / "Dockerfile").write_text("FROM scratch\nUSER 1000\n")
    assert _heavy_modules_after(f"main(['lint', {str(tmp_path / 'Dockerfile')!r}, '-q'])") == (
        0,
        [],
    )


def test_a_scan_of_a_layout_with_no_signature_policy_loads_neither(tmp_path: Path) -> None:
    # its build attestations are read, its signatures are not checked: 0.2 s of imports saved
    built = make_image(tmp_path / "img", [Layer([File("etc/os-release", b"ID=debian\n")])])
    args = [built.reference, "--no-vulns", "-q", "-f", "json", "-o", os.devnull]
    args += ["--cache-dir", str(tmp_path / "c"), "--fail-on", "none"]
    assert _heavy_modules_after(f"main(['scan', *{args!r}])") == (0, [])


def test_words_that_are_not_commands_get_the_whole_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (["verify_attestation"], ["nonsense"]):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "invalid choice" in err and "'verify-attestation'" in err and "'lint'" in err


def test_version_without_importing_commands() -> None:
    rc, loaded = _cli_modules_after("main(['--version'])")
    assert rc == 0
    assert loaded == ["hullcheck.cli.main"]


def test_version_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("hullcheck ")
