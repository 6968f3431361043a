"""What a lint rule is: metadata plus a ``check`` function over a parsed Dockerfile.

A rule module defines ``RULES: tuple[Rule, ...]`` (one or a small family) and nothing
runs at import.  ``check(ctx)`` yields ``Hit`` values (a line span and a message); the
pipeline (``hullcheck.lint``) turns hits into ``Finding`` objects with the rule's id,
severity (after config overrides), practice, title and fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.shell import Command
from hullcheck.model import JSONValue
from hullcheck.rulemeta import RuleMeta

if TYPE_CHECKING:  # the engine and the EOL data are built lazily; rules only receive them
    from hullcheck.dockerfile.buildcontext import BuildContext
    from hullcheck.secrets.scanner import SecretScanner
    from hullcheck.vulns.eol import EolData


@dataclass(frozen=True, slots=True)
class Hit:
    """One place a rule fired: Dockerfile lines and a message specific to this place.

    ``fix`` overrides the rule's generic fix when the rule knows a concrete one
    (``use debian:12.5 instead of debian:latest``).  ``extra`` adds keys to the JSON finding.
    """

    line: int
    end_line: int
    message: str
    fix: str | None = None
    extra: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a check may look at: the Dockerfile and the user's settings that rules read."""

    dockerfile: Dockerfile
    trusted_registries: tuple[str, ...] = ()
    secrets: SecretScanner | None = None
    """The secrets engine built from the config's ``secrets:`` section (user rules,
    allow-lists, fingerprints, gitleaks import); None means the built-in engine."""
    today: date | None = None
    """The lint's clock (None: today, UTC); injected so that date-based rules are testable."""
    eol: EolData | None = None
    """End-of-life data (None: :func:`hullcheck.vulns.eol.current_eol` of the default DB)."""
    build_context: BuildContext | None = None
    """The build context on disk (None: not known, e.g. a Dockerfile read from stdin)."""

    @property
    def final_stage(self) -> Stage | None:
        return self.dockerfile.final_stage


Check = Callable[[RuleContext], Iterable[Hit]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule(RuleMeta):
    """A lint rule: its description (:class:`hullcheck.rulemeta.RuleMeta`) and ``check``."""

    KIND: ClassVar[str] = "dockerfile"

    check: Check


def at(instruction: Instruction, message: str, fix: str | None = None) -> Hit:
    """A hit spanning a whole instruction (its first line to its last, heredocs included)."""
    return Hit(instruction.line, instruction.end_line, message, fix)


def at_line(instruction: Instruction, message: str, fix: str | None = None) -> Hit:
    """A hit on the first line of an instruction only."""
    return Hit(instruction.line, instruction.line, message, fix)


def at_command(command: Command, message: str, fix: str | None = None) -> Hit:
    """A hit on the exact lines of one shell command inside a RUN."""
    return Hit(command.line, command.end_line, message, fix)
