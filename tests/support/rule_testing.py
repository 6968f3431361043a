"""Helpers for rule tests: a table row per snippet, checked the same way for every rule.

A rule's test module lists ``CASES``: ``Case(rule, dockerfile, lines)`` where ``lines``
are the lines the rule must fire on (empty for a near miss that must stay silent).
``tests/lint/test_registry.py`` collects every module's ``CASES`` to demand a firing
case and a near miss per rule, and re-runs each firing case with a pragma inserted to
prove the finding can be silenced.

``run_rule`` fails (``AssertionError``) on any diagnostic the caller did not expect, as
syft's pkgtest does: a rule that raises becomes a ``rule-failed`` diagnostic, and a
near-miss case ("must not fire") must never pass because the rule crashed instead.
"""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hullcheck.diagnostics import Diagnostic
from hullcheck.dockerfile.parser import parse
from hullcheck.errors import DockerfileError
from hullcheck.lint import Linter
from hullcheck.model import Finding
from hullcheck.policy.config import Config
from hullcheck.rules.registry import RULES, SYNTAX_RULE

_NOWHERE = str(Path(tempfile.gettempdir()) / "hullcheck-no-context" / "Dockerfile")


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
    *,
    expect: tuple[str, ...] = (),
) -> list[Finding]:
    """Findings of one rule on ``text`` (pragmas applied; config: only ``trusted``;
    ``files``: a build context to write to a temporary directory).

    Any diagnostic whose kind is not in ``expect`` fails the test (a crashed rule, a
    context that could not be read, an unknown pragma)."""
    rules = [r for r in RULES if r.id == rule_id]
    if not rules and rule_id != SYNTAX_RULE.id:
        raise KeyError(f"no registered rule {rule_id}")
    config = Config(trusted_registries=trusted)
    if not files:
        # a path that is not on disk: no build context, whatever the working directory holds
        result = Linter(rules=rules).lint_text(text, _NOWHERE, config)
    else:
        with tempfile.TemporaryDirectory(prefix="hullcheck-case-") as tmp:
            root = Path(tmp)
            for name, body in files:
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(body)
            # the Dockerfile's path inside the context: a relative "Dockerfile" would be the
            # working directory's own (the repository has one) and pick its ignore file
            path = str(root / "Dockerfile")
            result = Linter(rules=rules, context=root).lint_text(text, path, config)
    assert_no_unexpected(result.diagnostics, expect)
    return [f for f in result.findings if f.rule == rule_id]


def assert_no_unexpected(diagnostics: Iterable[Diagnostic], expect: Iterable[str] = ()) -> None:
    """Fail when a diagnostic of a kind not in ``expect`` was reported (a check crashed,
    something was not read): a test must never pass on a check that did not run."""
    allowed = frozenset(expect)
    unexpected = [d for d in diagnostics if d.kind not in allowed]
    assert not unexpected, "unexpected diagnostics: " + "; ".join(
        f"[{d.level}/{d.kind}] {d}" for d in unexpected
    )


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
