"""The explicit list of rule modules: adding a rule family is one line in ``MODULES``.

No folder globbing and no import side effects; ``tests/lint/test_registry.py`` fails
when a module under ``hullcheck/rules`` is missing here, an id repeats, or a rule has
no tests.
"""

from __future__ import annotations

from types import ModuleType

from hullcheck.plugins import sibling_modules
from hullcheck.rules.base import Rule
from hullcheck.rules.syntax import SYNTAX  # the rule a parse error reports under

MODULES: tuple[ModuleType, ...] = sibling_modules(
    "hullcheck.rules",
    (
        "syntax",
        "instructions",
        "base_images",
        "external_images",
        "privileges",
        "apt",
        "apk",
        "rpm",
        "langpkgs",
        "lockfiles",
        "shell_usage",
        "provenance",
        "hygiene",
        "metadata",
        "secrets",
        "build_secrets",
    ),
)

RULES: tuple[Rule, ...] = tuple(rule for module in MODULES for rule in module.RULES)

SYNTAX_RULE: Rule = SYNTAX


def by_id() -> dict[str, Rule]:
    """Rules keyed by id."""
    return {rule.id: rule for rule in RULES}


def hadolint_map() -> dict[str, tuple[str, ...]]:
    """hadolint/ShellCheck code -> the HC rule ids that cover it."""
    out: dict[str, list[str]] = {}
    for rule in RULES:
        for code in rule.hadolint:
            out.setdefault(code, []).append(rule.id)
    return {code: tuple(ids) for code, ids in out.items()}
