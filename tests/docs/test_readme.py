"""The README's promises: its configuration example loads, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from hullcheck.cli.main import build_parser
from hullcheck.model import Severity
from hullcheck.policy import config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_config_example_is_what_the_loader_reads(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    path = tmp_path / ".hullcheck.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    loaded = config.load(path)
    assert loaded.fail_on is Severity.MEDIUM
    assert "registry.example.com" in loaded.trusted_registries
    assert {"HC4010", "DL3008"} <= set(loaded.ignored)
    assert loaded.severity["HC1001"] is Severity.HIGH


def test_every_command_the_readme_lists_exists() -> None:
    text = README.read_text(encoding="utf-8")
    blocks = "".join(re.findall(r"```sh\n(.*?)```", text, re.S))
    listed = set(re.findall(r"^hullcheck ([a-z]+) ", blocks, re.M))
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert listed and listed <= set(sub.choices), listed - set(sub.choices)


def test_readme_rule_count_is_the_registry_s() -> None:
    from hullcheck.rules.registry import RULES

    said = re.search(r"^(\d+) Dockerfile rules \(`hullcheck rules`", README.read_text(), re.M)
    assert said is not None and int(said.group(1)) == len(RULES)
