"""The image rule families, in report order: one line per module, no import side effects.

Each module exposes ``RULES`` (its catalogue entries) and ``analyser(settings)``.
Ids: HC80xx privileges, HC81xx layer hygiene, HC82xx build, HC83xx base image, HC84xx
provenance, HC85xx audit (lint's rules use HC0xxx-HC7xxx); secrets use the engine's ids,
vulnerabilities the advisory ids (``packages``: catalogers + matcher).
"""

from __future__ import annotations

from types import ModuleType

from hullcheck.analysis import Analyser
from hullcheck.imagerules.base import ImageRule, ScanSettings
from hullcheck.plugins import sibling_modules

FAMILIES: tuple[ModuleType, ...] = sibling_modules(
    "hullcheck.imagerules",
    (
        "privileges",
        "accounts",
        "search_path",
        "hygiene",
        "buildtools",
        "baseimage",
        "provenance",
        "configchecks",
        "secrets",
        "packages",
    ),
)


def all_rules() -> tuple[ImageRule, ...]:
    return tuple(rule for family in FAMILIES for rule in family.RULES)


def analysers(settings: ScanSettings) -> list[Analyser]:
    return [family.analyser(settings) for family in FAMILIES]
