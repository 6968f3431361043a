"""The rule table of ``docs/secrets.md``, generated from the rules so it cannot drift.

``python -m hullcheck.secrets.ruledoc`` prints it; a test fails when the doc differs.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.rules import Rule


def rule_table(rules: Sequence[Rule] = BUILTIN_RULES) -> str:
    """A Markdown table: id, what it finds, severity, the checks beyond the regex."""
    lines = ["| rule | finds | severity | extra checks |", "|---|---|---|---|"]
    for r in rules:
        extra = []
        if r.validator:
            extra.append(f"validator `{r.validator}`")
        if r.entropy:
            extra.append(f"entropy ≥ {r.entropy}")
        if r.paths:
            extra.append("some paths only")
        if r.finder:
            extra.append(f"extractor `{r.finder}`")
        lines.append(f"| `{r.id}` | {r.title} | {r.severity.value} | {', '.join(extra)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rule_table(), end="")
