"""HC0001: the file cannot be read as a Dockerfile (``docker build`` would stop here).

The check itself lives in the parser; this module only carries the rule's metadata so
that the finding, the docs and SARIF describe it like any other rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext


def _check(ctx: RuleContext) -> Iterator[Hit]:
    return iter(())  # parse failures are reported by hullcheck.lint, before any rule runs


SYNTAX = Rule(
    id="HC0001",
    name="dockerfile-syntax-error",
    title="Dockerfile cannot be parsed",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation=(
        "BuildKit would refuse this file, so it cannot be built, and no other rule could check it."
    ),
    fix="Fix the line named in the message; `docker build --check .` shows the same error.",
    check=_check,
    hadolint=("DL1000", "DL3043"),
)

RULES = (SYNTAX,)
