"""Whether an installed version falls in an OSV ``affected`` entry, and its fix.

Follows the OSV schema's evaluation rules: events of a SEMVER or ECOSYSTEM range are sorted
by version (``introduced: "0"`` first) and walked; ``introduced`` opens, ``fixed`` closes
(exclusive), ``last_affected`` closes after (inclusive); when a range has ``limit`` events,
the version must be below one of them.  An entry also affects every version listed in its
``versions``.  GIT ranges (commit hashes) are out of scope: they only matter for source
checkouts, and the exports enumerate their affected releases in ``versions`` anyway.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hullcheck.vulns.osv import Affected, Event, Range
from hullcheck.vulns.versions import InvalidVersionError, VersionScheme, scheme_by_name


@dataclass(frozen=True, slots=True)
class Verdict:
    affected: bool
    fixed_version: str | None = None  # the lowest fixing version above the installed one
    evaluated: bool = True  # False when no range could be evaluated (unknown scheme...)


def _sorted_events(events: tuple[Event, ...], scheme: VersionScheme) -> list[Event]:
    def key_cmp(a: Event, b: Event) -> int:
        if a.version == "0" and a.kind == "introduced":
            return 0 if (b.version == "0" and b.kind == "introduced") else -1
        if b.version == "0" and b.kind == "introduced":
            return 1
        return scheme.compare(a.version, b.version)

    return sorted(events, key=functools.cmp_to_key(key_cmp))


def in_range(version: str, rng: Range, scheme: VersionScheme) -> bool:
    """The OSV ``includedInRange`` walk for one SEMVER/ECOSYSTEM range."""
    vulnerable = False
    limits: list[str] = []
    for event in _sorted_events(rng.events, scheme):
        if event.kind == "introduced":
            if event.version == "0" or scheme.compare(version, event.version) >= 0:
                vulnerable = True
        elif event.kind == "fixed":
            if scheme.compare(version, event.version) >= 0:
                vulnerable = False
        elif event.kind == "last_affected":
            if scheme.compare(version, event.version) > 0:
                vulnerable = False
        elif event.kind == "limit":
            limits.append(event.version)
    if vulnerable and limits and not any(scheme.compare(version, lim) < 0 for lim in limits):
        return False
    return vulnerable


def evaluate(
    version: str, affected: Affected, scheme: VersionScheme | None, normalized: str | None = None
) -> Verdict:
    """Whether ``version`` is affected by ``affected``, and the lowest fix above it.

    ``scheme`` orders ECOSYSTEM ranges; SEMVER ranges always use node-semver rules, except
    in the Go ecosystem whose versions are Go's.  ``normalized`` is an equivalent spelling
    of ``version`` to look up in the ``versions`` list (``1.0`` for PyPI's ``1.0.0``...).
    """
    hit = version in affected.versions or (
        normalized is not None and normalized in affected.versions
    )
    evaluated = bool(affected.versions)
    fixes: list[tuple[VersionScheme, str]] = []
    for rng in affected.ranges:
        if rng.type == "GIT":
            continue
        rng_scheme = scheme
        if rng.type == "SEMVER" and (scheme is None or scheme.name != "golang"):
            rng_scheme = scheme_by_name("semver")
        if rng_scheme is None:
            continue
        try:
            inside = in_range(version, rng, rng_scheme)
        except InvalidVersionError:
            continue  # the installed or a range version cannot be ordered: no claim either way
        evaluated = True
        hit = hit or inside
        fixes.extend((rng_scheme, e.version) for e in rng.events if e.kind == "fixed")
    if not hit:
        return Verdict(False, None, evaluated)
    return Verdict(True, _lowest_fix_above(version, fixes), evaluated)


def _lowest_fix_above(version: str, fixes: list[tuple[VersionScheme, str]]) -> str | None:
    best: tuple[VersionScheme, str] | None = None
    for scheme, fix in fixes:
        try:
            if scheme.compare(fix, version) <= 0:
                continue
            if best is None or scheme.compare(fix, best[1]) < 0:
                best = (scheme, fix)
        except InvalidVersionError:
            continue
    return best[1] if best else None
