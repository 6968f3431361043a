"""docs/lint-rules.md is generated from the registry; this test keeps it current.

Regenerate with ``python tests/lint/test_rule_docs.py`` (from the repository root).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"
INTRO = """# hullcheck lint rules

Generated from `src/hullcheck/rules/registry.py` by `python tests/lint/test_rule_docs.py`
(a test fails when it is stale). `hullcheck lint --list-rules` prints the table.
Severities are defaults: override them per rule in `.hullcheck.yaml`
(`rules: {severity: {HC3003: medium}}`) or silence a rule (`rules: {ignore: [HC1002]}`,
or `# hullcheck ignore=HC1002 reason` above an instruction). The hadolint column lists
the hadolint codes a rule covers: `# hadolint ignore=DL3008` and `.hadolint.yaml` keep
working. `docs/hadolint-agreement.md` compares both tools on 1,285 real Dockerfiles.

Ids by range: HC0xxx syntax and instruction correctness, HC1xxx base image, HC2xxx
privileges, HC3xxx build (package managers, shell), HC4xxx layer hygiene, HC5xxx
provenance, HC6xxx secrets, HC7xxx audit and metadata.

"""


def render() -> str:
    sys.path.insert(0, str(DOC.parents[1] / "src"))
    from hullcheck.lint import rules_table
    from hullcheck.rules.registry import RULES

    parts = [INTRO, rules_table(), "\n"]
    for rule in sorted(RULES, key=lambda r: r.id):
        codes = f" (hadolint {', '.join(rule.hadolint)})" if rule.hadolint else ""
        parts.append(
            f"## {rule.id}: {rule.title}\n\n"
            f"*{rule.severity.value}, {rule.practice.value}*{codes}\n\n"
            f"{rule.explanation}\n\n**Fix:** {rule.fix}\n\n"
        )
    return "".join(parts).rstrip("\n") + "\n"


def test_rule_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/lint-rules.md is stale: run `python tests/lint/test_rule_docs.py`"
    )


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
