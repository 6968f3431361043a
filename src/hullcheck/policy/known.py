"""Which ids a policy file may name: rule ids, hadolint codes hullcheck maps, secret kinds.

``.hullcheck.yaml`` and ``.hullcheckignore`` are strict: an id that names nothing would
silently disable nothing (or, worse, look like it disabled something), so it is an error
naming the nearest valid spelling.  ``.hadolint.yaml`` keeps hadolint's leniency: a DL
code hullcheck does not implement is a warning there.

The catalogue is built on first use (the image rule families import the scan pipeline,
which imports this package: importing them at module level would be a cycle).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from hullcheck.diagnostics import suggest

SECRET_PREFIX = "SECRET:"  # noqa: S105 (a key prefix, not a password)
_CODE = re.compile(r"^(HC|DL|SC)\d+$")


@functools.cache
def rule_ids() -> frozenset[str]:
    """Every HC rule id: lint rules, the syntax rule, the image and provenance rules."""
    from hullcheck.imagerules import signatures  # noqa: PLC0415
    from hullcheck.imagerules.registry import all_rules  # noqa: PLC0415 - see module doc
    from hullcheck.rules.registry import RULES, SYNTAX_RULE  # noqa: PLC0415

    provenance = (*signatures.RULES, signatures.BASE_UNSIGNED)
    return frozenset({r.id for r in (*RULES, SYNTAX_RULE, *all_rules(), *provenance)})


@functools.cache
def _renamed() -> dict[str, str]:
    from hullcheck.imagerules.registry import all_rules  # noqa: PLC0415 - see module doc
    from hullcheck.rulemeta import renamed  # noqa: PLC0415
    from hullcheck.rules.registry import RULES  # noqa: PLC0415

    return renamed((*RULES, *all_rules()))


def canonical(code: str) -> str:
    """The current id of a rule that had ``code`` before (``HC2007`` -> ``HC6004``), so
    configs, ignore files and pragmas written for the old id keep working; any other
    code unchanged."""
    return _renamed().get(code.upper(), code)


@functools.cache
def hadolint_codes() -> frozenset[str]:
    """hadolint (DL) and ShellCheck (SC) codes some hullcheck rule covers."""
    from hullcheck.rules.registry import hadolint_map  # noqa: PLC0415

    return frozenset(hadolint_map())


@functools.cache
def builtin_secret_kinds() -> frozenset[str]:
    """Upper-cased ids of the secrets engine's built-in rules (``secret:<kind>``)."""
    from hullcheck.secrets.builtin import BUILTIN_RULES  # noqa: PLC0415
    from hullcheck.secrets.filenames import FILE_RULE_IDS  # noqa: PLC0415
    from hullcheck.secrets.scanner import CONTEXT_RULE  # noqa: PLC0415

    ids = [r.id for r in BUILTIN_RULES] + [CONTEXT_RULE.id, *FILE_RULE_IDS]
    return frozenset(i.upper() for i in ids)


def problem(code: str, *, secret_kinds: Iterable[str] = (), any_secret: bool = False) -> str | None:
    """None when ``code`` (upper-cased) names something; else why not, with a suggestion.

    ``secret_kinds``: the config's own secrets rules (upper-cased); ``any_secret``: the
    config imports rules hullcheck cannot list here (a gitleaks file), so every
    ``secret:<kind>`` is taken on trust.
    """
    if code.startswith(SECRET_PREFIX):
        kind = code[len(SECRET_PREFIX) :]
        kinds = builtin_secret_kinds() | frozenset(secret_kinds)
        if any_secret or kind in kinds:
            return None
        hint = suggest(kind, kinds)
        if hint:
            hint = hint.replace("did you mean ", "did you mean secret:").lower()
        return f"no secrets rule has the id {kind.lower()!r}{hint}"
    if not _CODE.match(code):
        return None  # the caller's syntax check says what a rule id looks like
    if code.startswith("HC"):
        if code in rule_ids():
            return None
        return f"no rule has the id {code}{suggest(code, rule_ids())}"
    if code in hadolint_codes():
        return None
    return f"{code} is a hadolint/ShellCheck code no hullcheck rule covers"
