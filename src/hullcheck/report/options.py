"""What a caller may tell a report format besides the report: colour, width, rule help.

Every format's ``render(report, options=None)`` takes the same ``RenderOptions`` so a CLI
can call any registered format the same way; formats ignore what they do not use.
``resolve_color`` turns ``--color always|never|auto`` into a yes/no for the table format.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from hullcheck.rulemeta import RuleMeta

COLOR_CHOICES = ("auto", "always", "never")


@dataclass(frozen=True, slots=True)
class RuleHelp:
    """What the rule catalogue knows about one rule id, beyond what a finding carries.

    ``name`` is an identifier-like name (``PinBaseImage``); ``explanation`` a paragraph
    saying why the rule matters; ``help_uri`` a page with more.  All optional.
    """

    name: str = ""
    explanation: str = ""
    help_uri: str = ""


def rule_help(*rule_sets: Iterable[RuleMeta]) -> dict[str, RuleHelp]:
    """The rule help of every rule a command ran, from the one rule catalogue: each
    command (``lint``, ``scan`` with or without its Dockerfile) passes the rule sets it
    ran, so SARIF's ``tool.driver.rules`` and JUnit's test cases describe all of them."""
    return {
        rule.id: RuleHelp(name=rule.name, explanation=rule.explanation)
        for rules in rule_sets
        for rule in rules
    }


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Options shared by every format.

    ``color``: emit ANSI colour (table only; decide it with ``resolve_color``).
    ``width``: line width for the table (``None``: the terminal's, else 100).
    ``sources``: the text lines of inputs already read (``{"Dockerfile": [...]}``), so
    the table can quote code without reading the file again (needed for stdin ``-``).
    ``rule_help``: rule id -> ``RuleHelp`` (SARIF rule metadata).
    ``now``: the time ages are computed against (``None``: the current time).
    """

    color: bool = False
    width: int | None = None
    sources: Mapping[str, Sequence[str]] = field(default_factory=dict)
    rule_help: Mapping[str, RuleHelp] = field(default_factory=dict)
    now: datetime | None = None


def resolve_color(
    choice: str = "auto",
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> bool:
    """Decide whether to colour output written to ``stream`` (default stdout).

    ``always``/``never`` win; ``auto`` colours only a terminal, and never when
    ``NO_COLOR`` is set to a non-empty value (https://no-color.org) or ``TERM=dumb``.
    ``FORCE_COLOR`` (non-empty) turns ``auto`` on even when piped.
    """
    choice = choice.strip().lower()
    if choice not in COLOR_CHOICES:
        raise ValueError(
            f"unknown colour choice {choice!r} (choose from {', '.join(COLOR_CHOICES)})"
        )
    if choice == "always":
        return True
    if choice == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    out = sys.stdout if stream is None else stream
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
