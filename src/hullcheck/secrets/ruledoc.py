"""Secret rules described like every other rule, and the rule table of ``docs/secrets.md``.

:func:`describe` gives each secret kind the common :class:`hullcheck.rulemeta.RuleMeta`
(id ``secret:<kind>``, the key ignores and pragmas use); :func:`builtin` lists the engine's
built-in kinds, the context rule and the file-name rules that way.
``python -m hullcheck.secrets.ruledoc`` prints the table; a test fails when the doc differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from hullcheck.model import Practice, Severity
from hullcheck.rulemeta import RuleMeta
from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.filenames import FILE_RULES
from hullcheck.secrets.findings import DEFAULT_FIX
from hullcheck.secrets.rules import Rule
from hullcheck.secrets.scanner import CONTEXT_RULE

_WHY = (
    "Anyone who can pull the image (or read the Dockerfile) has the credential, even when a"
    " later layer deletes the file: layers keep every version."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretRuleMeta(RuleMeta):
    """A kind of secret the engine finds, described like every other rule."""

    KIND: ClassVar[str] = "secret"


def _checks(rule: Rule) -> str:
    extra = []
    if rule.validator:
        extra.append(f"a structural check ({rule.validator})")
    if rule.entropy:
        extra.append(f"an entropy of at least {rule.entropy}")
    if rule.paths:
        extra.append("only in some paths")
    return f" Confirmed by {', '.join(extra)}." if extra else ""


def describe(rule: Rule) -> SecretRuleMeta:
    """The common description of one secret rule."""
    found = (
        "Looked for in image files, environment variables and Dockerfiles"
        f" (provider: {rule.provider}).{_checks(rule)}"
    )
    return _meta(rule.id, rule.title, rule.severity, found, rule.fix)


def _meta(kind: str, title: str, severity: Severity, found: str, fix: str) -> SecretRuleMeta:
    return SecretRuleMeta(
        id=f"secret:{kind}",
        name=kind,
        title=title,
        practice=Practice.SECRETS,
        severity=severity,
        explanation=f"{found} {_WHY}",
        fix=fix or DEFAULT_FIX,
    )


_BY_NAME = "The file's name alone says it holds secrets."


def builtin() -> tuple[SecretRuleMeta, ...]:
    """The built-in secret rules, the context rule and the file-name rules."""
    return (
        *(describe(r) for r in BUILTIN_RULES),
        describe(CONTEXT_RULE),
        *(_meta(rid, title, sev, _BY_NAME, "") for rid, title, sev in FILE_RULES),
    )


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
