"""docs/fix.md's example is what ``hullcheck fix`` prints, and its table lists every fixer."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.fix.registry import FIXERS

DOC = Path(__file__).resolve().parents[2] / "docs" / "fix.md"


def _block(kind: str) -> str:
    found = re.search(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert found is not None
    return found.group(1)


def test_the_example_diff_and_listing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Dockerfile").write_text(_block("dockerfile"))
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "Dockerfile"]) == 0
    out, err = capsys.readouterr()
    assert out == _block("diff")
    assert err == _block("text")


def test_the_table_lists_every_fixer() -> None:
    rows = re.findall(r"^\| `([a-z-]+)` \| (HC\d{4}|\(none\)) \|", DOC.read_text(), re.M)
    assert {(f.id, f.rule or "(none)") for f in FIXERS} == set(rows)
    assert os.path.basename(DOC) == "fix.md"
