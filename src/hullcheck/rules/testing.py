"""Helpers for rule tests: a table row per snippet, checked the same way for every rule.

A rule's test module lists ``CASES``: ``Case(rule, dockerfile, lines)`` where ``lines``
are the lines the rule must fire on (empty for a near miss that must stay silent).
``tests/lint/test_registry.py`` collects every module's ``CASES`` to demand a firing
case and a near miss per rule, and re-runs each firing case with a pragma inserted to
prove the finding can be silenced.
"""

from __future__ import annotations

import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from hullcheck.dockerfile.parser import parse
from hullcheck.errors import DockerfileError
from hullcheck.lint import Linter
from hullcheck.model import Finding
from hullcheck.policy.config import Config
from hullcheck.rules.registry import RULES, SYNTAX_RULE


@dataclass(frozen=True, slots=True)
class Case:
    """``dockerfile`` (dedented) must make ``rule`` fire on exactly ``lines``."""

    rule: str
    dockerfile: str
    lines: tuple[int, ...] = ()
    note: str = ""
    trusted: tuple[str, ...] = ()
    """``trusted-registries`` to lint with (rules reading the user's policy)."""
    files: tuple[tuple[str, str], ...] = ()
    """Build-context files ``(relative path, text)``: when given, the case is linted with
    a temporary directory holding them as its build context."""

    @property
    def text(self) -> str:
        return textwrap.dedent(self.dockerfile).lstrip("\n")

    def __str__(self) -> str:
        kind = "fires" if self.lines else "silent"
        return f"{self.rule}-{kind}-{self.note or self.text.splitlines()[0][:30]}"


def run_rule(
    rule_id: str,
    text: str,
    trusted: tuple[str, ...] = (),
    files: tuple[tuple[str, str], ...] = (),
) -> list[Finding]:
    """Findings of one rule on ``text`` (pragmas applied; config: only ``trusted``;
    ``files``: a build context to write to a temporary directory)."""
    rules = [r for r in RULES if r.id == rule_id]
    if not rules and rule_id != SYNTAX_RULE.id:
        raise KeyError(f"no registered rule {rule_id}")
    config = Config(trusted_registries=trusted)
    if not files:
        result = Linter(rules=rules).lint_text(text, "Dockerfile", config)
        return [f for f in result.findings if f.rule == rule_id]
    with tempfile.TemporaryDirectory(prefix="hullcheck-case-") as tmp:
        root = Path(tmp)
        for name, body in files:
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(body)
        result = Linter(rules=rules, context=root).lint_text(text, "Dockerfile", config)
    return [f for f in result.findings if f.rule == rule_id]


def check_case(case: Case) -> None:
    """Assert the rule fires on exactly the case's lines."""
    found = run_rule(case.rule, case.text, case.trusted, case.files)
    lines = sorted(f.location.line or 0 for f in found)
    assert lines == sorted(case.lines), (
        f"{case.rule} fired on lines {lines}, expected {sorted(case.lines)} in:\n{case.text}"
    )


def with_pragma(case: Case, tool: str = "hullcheck", code: str | None = None) -> str:
    """The case's text with ``# <tool> ignore=<code>`` above each instruction it fires on."""
    text = case.text
    try:
        dockerfile = parse(text)
    except DockerfileError:
        return text
    starts = set()
    for line in case.lines:
        ins = dockerfile.instruction_at(line)
        if ins is not None:
            starts.add(ins.line)
    lines = text.splitlines(keepends=True)
    for start in sorted(starts, reverse=True):
        lines.insert(start - 1, f"# {tool} ignore={code or case.rule}\n")
    return "".join(lines)
