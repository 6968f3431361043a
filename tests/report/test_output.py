"""Writing reports: stdout or an atomically replaced file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.errors import InputError
from hullcheck.report.output import write_output


def test_writes_atomically_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.sarif"
    target.write_text("old")
    write_output("new\n", str(target))
    assert target.read_text() == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.sarif"]
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("hello\n")
    write_output("again\n", "-")
    assert capsys.readouterr().out == "hello\nagain\n"


def test_bad_targets_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        write_output("x", str(tmp_path))
    with pytest.raises(InputError, match="cannot write the report"):
        write_output("x", str(tmp_path / "missing-dir" / "out.json"))
    assert list(tmp_path.iterdir()) == []
