"""The explicit list of rule modules: adding a rule is one line in ``MODULES``.

No folder globbing and no import side effects; ``tests/lint/test_registry.py`` fails
when a module under ``hullcheck/rules`` is missing here, an id repeats, or a rule has
no tests.
"""

from __future__ import annotations

from types import ModuleType

from hullcheck.rules import (
    apk,
    apt,
    apt_get,
    base_image_tag,
    base_images,
    build_secrets,
    eol_base,
    hygiene,
    instructions,
    langpkgs,
    metadata,
    pipe_to_shell,
    privileges,
    provenance,
    root_user,
    rpm,
    secrets,
    shell_usage,
    syntax,
)
from hullcheck.rules.base import Rule

MODULES: tuple[ModuleType, ...] = (
    syntax,
    instructions,
    base_image_tag,
    root_user,
    apt_get,
    pipe_to_shell,
    apt,
    apk,
    rpm,
    langpkgs,
    shell_usage,
    privileges,
    provenance,
    base_images,
    eol_base,
    hygiene,
    metadata,
    secrets,
    build_secrets,
)

RULES: tuple[Rule, ...] = tuple(rule for module in MODULES for rule in module.RULES)

SYNTAX_RULE: Rule = syntax.SYNTAX


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
