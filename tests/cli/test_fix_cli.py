"""``hullcheck fix``: diff by default, --write in place (mode kept), --check, --rule, errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hullcheck.cli.main import main

SOURCE = (
    "FROM debian:12\n"
    "# keep this comment\n"
    "RUN apt-get update \\\n"
    "\t&& apt-get install -y curl\n"
    "ADD app.py /app/\n"
)


def _file(tmp_path: Path, text: str = SOURCE) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    path.chmod(0o640)
    return path


def test_diff_by_default_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    assert main(["fix", str(path)]) == 0
    out, err = capsys.readouterr()
    assert path.read_text() == SOURCE
    assert "+\t&& apt-get install --no-install-recommends -y curl \\\n" in out
    assert "+\t&& rm -rf /var/lib/apt/lists/*\n" in out
    assert "+COPY app.py /app/\n" in out
    assert ":4: no-install-recommends:" in err  # the original line, not a shifted one
    assert ":5: add-to-copy:" in err


def test_write_applies_keeps_mode_and_is_idempotent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    assert main(["fix", "--write", str(path)]) == 0
    fixed = path.read_text()
    assert fixed.startswith("FROM debian:12\n# keep this comment\nRUN apt-get update \\\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["Dockerfile"]
    capsys.readouterr()
    assert main(["fix", "--check", str(path)]) == 0
    assert main(["fix", "--write", str(path)]) == 0
    assert path.read_text() == fixed


def test_rule_selects_one_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path)
    assert main(["fix", "--rule", "HC3047", "--write", str(path)]) == 0
    assert path.read_text() == SOURCE.replace("ADD", "COPY")


def test_check_exits_1_when_a_fix_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fix", "--check", str(_file(tmp_path))]) == 1
    assert capsys.readouterr().out == ""


def test_unsafe_fixes_need_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _file(tmp_path, "FROM debian:12\nRUN echo hi\n")
    assert main(["fix", "--check", str(path)]) == 0
    assert main(["fix", "--check", "--unsafe", str(path)]) == 1
    err = capsys.readouterr().err
    assert "non-root-user" in err and "review:" in err


@pytest.mark.parametrize(
    "argv",
    [["fix", "--rule", "HC9999"], ["fix"], ["fix", "--rule", "non-root-user"]],
)
def test_bad_input_exits_2(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    assert main([*argv, str(path) if argv[-1] != "fix" else str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hullcheck: error:") and err.count("\n") == 1
