"""Every rule hullcheck reports, of every kind, in one list: what ``hullcheck rules`` and
``docs/rules.md`` show.

Dockerfile rules (``rules/``), image rules (``imagerules/``), the provenance checks of a
scan, the secrets engine's kinds and the vulnerability match, each described by a
:class:`hullcheck.rulemeta.RuleMeta`.  :func:`find` answers an id, a name or an alias
(a hadolint code, an old id, an advisory id for the vulnerability entry).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from hullcheck.imagerules import signatures
from hullcheck.imagerules.registry import all_rules as image_rules
from hullcheck.model import JSONValue, Practice, Severity
from hullcheck.policy.config import is_advisory_id
from hullcheck.report.columns import columns
from hullcheck.rulemeta import RuleMeta
from hullcheck.rules.registry import RULES
from hullcheck.secrets.ruledoc import builtin

KINDS = ("dockerfile", "image", "secret", "vulnerability")


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnerabilityMeta(RuleMeta):
    """The vulnerability match: one rule whose findings carry the advisory's id."""

    KIND: ClassVar[str] = "vulnerability"


VULNERABILITY = VulnerabilityMeta(
    id="vulnerability",
    name="known-vulnerability",
    title="Package affected by a published advisory",
    practice=Practice.VULNERABILITIES,
    severity=Severity.UNKNOWN,
    explanation=(
        "Every package the catalogers find is matched against the advisory database (OSV,"
        " distribution trackers); a finding carries the advisory's id (CVE-..., GHSA-...,"
        " DSA-...) as its rule and the advisory's own severity, or `unknown` when the data"
        " gives none, which the gate counts as high unless the policy says otherwise."
    ),
    fix=(
        "Upgrade the package to the fixed version the finding names (rebuild on a newer"
        " base image for distribution packages), or record why it does not apply: an"
        " `ignores:` entry with a reason and an expiry, or an OpenVEX statement."
    ),
)


@functools.cache
def all_rules() -> tuple[RuleMeta, ...]:
    """Every rule, Dockerfile rules first, then image, secret and vulnerability ones."""
    return (
        *sorted((*RULES, signatures.BASE_UNSIGNED), key=lambda r: r.id),
        *sorted((*image_rules(), *signatures.RULES), key=lambda r: r.id),
        *builtin(),
        VULNERABILITY,
    )


def find(key: str) -> tuple[RuleMeta, ...]:
    """The rules ``key`` names: an id, a name, an alias (case-insensitive), a secret kind
    without its ``secret:`` prefix, or an advisory id (the vulnerability rule).  A hadolint
    code may name several rules."""
    wanted = key.strip().lower()
    rules = all_rules()
    exact = tuple(r for r in rules if wanted in (r.id.lower(), r.name))
    if exact:
        return exact
    by_alias = tuple(r for r in rules if wanted in (a.lower() for a in r.all_aliases))
    if by_alias:
        return by_alias
    secret = tuple(r for r in rules if r.id == f"secret:{wanted}")
    if secret:
        return secret
    if is_advisory_id(key.strip().upper()) and any(c.isdigit() for c in wanted):
        return (VULNERABILITY,)
    return ()


def keys() -> tuple[str, ...]:
    """Every id and name (for suggestions when a key names nothing)."""
    return tuple(k for r in all_rules() for k in (r.id, r.name))


def to_json(rule: RuleMeta) -> dict[str, JSONValue]:
    return {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "practice": rule.practice.value,
        "severity": rule.severity.value,
        "title": rule.title,
        "explanation": rule.explanation,
        "fix": rule.fix,
        "hadolint": list(rule.hadolint),
        "aliases": list(rule.aliases),
    }


def _severity(rule: RuleMeta) -> str:
    return "per advisory" if rule is VULNERABILITY else rule.severity.value


def table(rules: Sequence[RuleMeta]) -> str:
    """Aligned columns: id, name, practice, default severity, aliases."""
    rows = [
        (r.id, r.name, r.practice.value, _severity(r), ", ".join(r.all_aliases) or "-")
        for r in rules
    ]
    return "".join(
        line + "\n" for line in columns(("ID", "NAME", "PRACTICE", "SEVERITY", "ALIASES"), rows)
    )


def explain(rule: RuleMeta) -> str:
    """One rule in full, as ``hullcheck rules explain`` prints it."""
    lines = [
        f"{rule.id} {rule.name}: {rule.title}",
        f"kind: {rule.kind}  practice: {rule.practice.value}  severity: {_severity(rule)}",
    ]
    if rule.hadolint:
        lines.append(f"hadolint: {', '.join(rule.hadolint)}")
    if rule.aliases:
        lines.append(f"aliases: {', '.join(rule.aliases)}")
    lines += ["", f"Why: {rule.explanation}", "", f"Fix: {rule.fix}"]
    return "\n".join(lines) + "\n"


_DOC_INTRO = """\
# hullcheck rules

Generated from the rule metadata by `python scripts/rule-docs.py` (a test fails when this
file is stale). `hullcheck rules` prints the table, `hullcheck rules explain ID|NAME|ALIAS`
one rule in full. Severities are defaults: override them per rule in `.hullcheck.yaml`
(`rules: {severity: {HC3003: medium}}`) or silence a rule (`rules: {ignore: [HC1002]}`, or
`# hullcheck ignore=HC1002 reason` above an instruction). There, an id a rule had before
keeps working (HC2007 is HC6006 now), and so do the hadolint codes a rule covers (`#
hadolint ignore=DL3008`, `.hadolint.yaml`; its findings carry the `hadolint` key). Names
and the other aliases (equivalent Checkov, Trivy and Dockle checks) are for `hullcheck
rules explain`.

Ids by range: HC0xxx syntax and instruction correctness, HC1xxx base image, HC2xxx
privileges, HC3xxx build (package managers, shell), HC4xxx layer hygiene, HC5xxx
provenance, HC6xxx secrets, HC7xxx audit and metadata, HC8xxx checks of a built image.
Secret rules are named `secret:<kind>`; vulnerability findings carry the advisory's id.
"""


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n"


def markdown() -> str:
    """``docs/rules.md``: a table per kind, then every HC rule in full."""
    rules = all_rules()
    parts = [_DOC_INTRO]
    for kind in KINDS:
        of_kind = [r for r in rules if r.kind == kind]
        parts.append(f"\n## {kind.capitalize()} rules ({len(of_kind)})\n\n")
        parts.append(_md_row(("id", "name", "practice", "severity", "title", "aliases")))
        parts.append("|---|---|---|---|---|---|\n")
        for r in of_kind:
            aliases = ", ".join(r.all_aliases) or "-"
            cells = (f"`{r.id}`", r.name, r.practice.value, _severity(r), r.title, aliases)
            parts.append(_md_row(cells))
    parts.append("\n## Rules in full\n")
    for r in rules:
        if r.kind in ("dockerfile", "image", "vulnerability"):
            parts.append(f"\n### {r.id} {r.name}\n\n{r.title}.\n\n")
            parts.append(f"*{r.kind}, {r.practice.value}, {_severity(r)}*")
            if r.all_aliases:
                parts.append(f" (aliases: {', '.join(r.all_aliases)})")
            parts.append(f"\n\n{r.explanation}\n\n**Fix:** {r.fix}\n")
    return "".join(parts)
