"""docs/diff.md's example is what ``hullcheck diff`` prints on the real test images."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hullcheck.cli.main import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "diff.md"


@pytest.mark.images
def test_the_example(
    test_images: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Example") :]
    command = re.search(r"```sh\nhullcheck (.*?)\n```", example, re.S)
    expected = re.search(r"```text\n(.*?)```", example, re.S)
    assert command is not None and expected is not None
    monkeypatch.chdir(test_images / "docker-archive")
    assert main(command.group(1).split()) == 0
    assert capsys.readouterr().out == expected.group(1)
