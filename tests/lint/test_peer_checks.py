"""The peers' checks, row by row: each lint-covered row fires on its case and not on its
near miss, every row names a rule or a reason, and docs/peer-checks.md is current.

Regenerate the document with ``python -m tests.lint.test_peer_checks``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.imagerules.registry import all_rules
from hullcheck.lint import Linter
from hullcheck.policy.config import Config
from hullcheck.rulebook import find
from hullcheck.rules.registry import RULES
from tests.lint.peer_checks import ALL, PeerCheck

DOC = Path(__file__).resolve().parents[2] / "docs" / "peer-checks.md"
KNOWN = (
    {r.id for r in RULES}
    | {r.id for r in all_rules()}
    | {
        "HC8410",
        "vulnerabilities",
    }
)


def _fired(text: str) -> set[str]:
    result = Linter(rules=list(RULES)).lint_text(text, "Dockerfile", Config())
    return {f.rule for f in result.findings}


LINT_ROWS = [c for c in ALL if c.covers in ("lint", "both") and c.fire]


@pytest.mark.parametrize("check", LINT_ROWS, ids=lambda c: f"{c.peer}-{c.id}")
def test_lint_fires_and_near_miss_is_silent(check: PeerCheck) -> None:
    lint_rules = [r for r in check.rules if r in {x.id for x in RULES}]
    assert lint_rules, f"{check.id}: no lint rule named"
    fired = _fired(check.fire)
    assert fired & set(lint_rules), f"{check.id}: {lint_rules} did not fire on\n{check.fire}"
    missed = _fired(check.miss)
    assert not missed & set(lint_rules), f"{check.id}: fired on the near miss\n{check.miss}"


def test_every_row_has_a_rule_or_a_reason() -> None:
    for check in ALL:
        assert check.covers in ("lint", "scan", "both", "none")
        assert set(check.rules) <= KNOWN, f"{check.id}: unknown rule in {check.rules}"
        if check.covers == "none":
            assert not check.rules and check.note, f"{check.id}: a gap needs its reason"
        else:
            assert check.rules, f"{check.id}: covered by what?"
        if check.covers in ("lint", "both") and not check.fire:
            assert check.note, f"{check.id}: lint row without a case needs a reason"


def render() -> str:
    hadolint: dict[str, list[str]] = {}
    for rule in RULES:
        for code in getattr(rule, "hadolint", ()):
            hadolint.setdefault(code, []).append(rule.id)
    lines = [
        "# Peer checks: what hullcheck covers of hadolint, Checkov, Trivy and Dockle",
        "",
        "Generated from `tests/lint/peer_checks.py` by `python -m tests.lint.test_peer_checks`",
        "(a test fails when it is stale). Each Checkov, Trivy and Dockle row that lint covers",
        "carries a Dockerfile that must fire and a near miss that must not, run with every",
        "rule by `tests/lint/test_peer_checks.py`; scan rows name the image rule and its test.",
        "`none` rows are gaps, with the reason. hadolint's claimed codes are measured on the",
        "corpus by `tests/lint/test_peer_hadolint.py` (see `docs/hadolint-agreement.md`).",
        "",
        f"Rows: {len(ALL)} Checkov/Trivy/Dockle checks, {len(hadolint)} hadolint codes. "
        f"Covered: {sum(c.covers != 'none' for c in ALL)} of {len(ALL)} "
        f"(lint {sum(c.covers == 'lint' for c in ALL)}, scan "
        f"{sum(c.covers == 'scan' for c in ALL)}, both {sum(c.covers == 'both' for c in ALL)}).",
        "",
        "| peer | check | title | hullcheck | covered by | note |",
        "|---|---|---|---|---|---|",
    ]
    for c in ALL:
        rules = ", ".join(c.rules) or "-"
        lines.append(f"| {c.peer} | {c.id} | {c.title} | {rules} | {c.covers} | {c.note} |")
    titles = {r.id: r.title for r in RULES}
    for code in sorted(hadolint):
        rules = ", ".join(hadolint[code])
        title = "; ".join(titles[r] for r in hadolint[code])
        lines.append(f"| hadolint | {code} | {title} | {rules} | lint | |")
    return "\n".join(lines) + "\n"


def test_doc_is_current() -> None:
    assert DOC.read_text() == render(), "run: python -m tests.lint.test_peer_checks"


if __name__ == "__main__":
    DOC.write_text(render())


@pytest.mark.parametrize(
    "check",
    [c for c in ALL if len(c.rules) == 1 and c.rules[0].startswith("HC") and c.covers != "none"],
    ids=lambda c: c.id,
)
def test_an_equivalent_peer_check_is_an_alias_of_its_rule(check: PeerCheck) -> None:
    # `hullcheck rules explain DS005` finds the rule a Trivy/Checkov/Dockle user knows
    assert [r.id for r in find(check.id)] == [check.rules[0]]
