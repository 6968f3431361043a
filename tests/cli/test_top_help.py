"""``hullcheck --help`` shows examples that parse and the exit codes CI relies on."""

from __future__ import annotations

import shlex

from hullcheck.cli.main import build_parser
from tests.cli.helpers import hullcheck


def test_help_lists_examples_and_exit_codes() -> None:
    run = hullcheck("--help")
    assert run.code == 0
    assert "examples:" in run.stdout and "exit codes:" in run.stdout
    for code in ("0", "1", "2"):
        assert any(line.strip().startswith(code + " ") for line in run.stdout.splitlines())


def test_every_example_in_help_is_accepted_by_the_parser() -> None:
    parser = build_parser()
    text = parser.format_help()
    examples = [
        line.strip().split("  ")[0]
        for line in text.split("examples:")[1].split("exit codes:")[0].splitlines()
        if line.strip().startswith("hullcheck ") and "COMMAND" not in line
    ]
    assert len(examples) >= 4
    for example in examples:
        args = parser.parse_args(shlex.split(example)[1:])
        assert args.command in {"lint", "scan"}, example
