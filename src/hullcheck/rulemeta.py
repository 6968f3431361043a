"""The one description every rule carries, whatever it checks.

A Dockerfile rule (``rules/``), an image rule (``imagerules/``), a provenance check, a
secret rule and the vulnerability match are all described by a :class:`RuleMeta`: an id,
a kebab-case name (as ruff pairs ``E501`` with ``line-too-long``), the practice, the
default severity, a one-line title, why it matters, how to fix it, and aliases (the
hadolint codes it covers, ids it had before, equivalent Trivy/Dockle checks).
``hullcheck rules``, ``hullcheck rules explain`` and ``docs/rules.md`` are generated
from these fields; the kinds only add how they check (``check``, ``finding``...).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from hullcheck.model import Practice, Severity

RULE_ID = re.compile(r"^HC\d{4}$")
HADOLINT_ID = re.compile(r"^(DL|SC)\d{4}$")
NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OTHER_ID = re.compile(r"^(secret:[a-z0-9][a-z0-9._-]*|vulnerability)$")
"""Ids outside the HC scheme: ``secret:<kind>`` (the key its findings are ignored by) and
``vulnerability`` (the match, whose findings carry each advisory's own id)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleMeta:
    """A rule's identity and documentation.

    ``title`` is the one-line summary (no final period), ``explanation`` the rationale,
    ``fix`` the generic fix hint.  ``hadolint`` lists the hadolint/ShellCheck codes the
    rule is equivalent to (``# hadolint ignore=DL3008`` and ``.hadolint.yaml`` keep
    working, and its findings carry the ``hadolint`` key); ``aliases`` are other names
    it answers to: an id it had before (configs and pragmas using it keep working) or an
    equivalent check of another tool.
    """

    KIND: ClassVar[str] = "rule"

    id: str
    name: str
    title: str
    practice: Practice
    severity: Severity
    explanation: str
    fix: str
    hadolint: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (RULE_ID.match(self.id) or OTHER_ID.match(self.id)):
            raise ValueError(f"rule id {self.id!r} is not HC + 4 digits (or secret:<kind>)")
        if not NAME.match(self.name):
            raise ValueError(f"{self.id}: name {self.name!r} is not kebab-case")
        for code in self.hadolint:
            if not HADOLINT_ID.match(code):
                raise ValueError(f"{self.id}: {code!r} is not a hadolint/ShellCheck code")

    @property
    def kind(self) -> str:
        """What the rule looks at: ``dockerfile``, ``image``, ``secret``, ``vulnerability``."""
        return self.KIND

    @property
    def all_aliases(self) -> tuple[str, ...]:
        return (*self.hadolint, *self.aliases)

    def meta(self) -> RuleMeta:
        """The description alone, whatever the kind."""
        return self


def renamed(rules: Sequence[RuleMeta]) -> dict[str, str]:
    """Old HC id -> current id, from the aliases that are HC ids."""
    current = {r.id for r in rules}
    out: dict[str, str] = {}
    for rule in rules:
        for alias in rule.aliases:
            if RULE_ID.match(alias) and alias not in current:
                out[alias] = rule.id
    return out
