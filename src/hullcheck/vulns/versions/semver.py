"""Semantic Versioning 2.0 ordering as node-semver's ``compare`` does (npm, crates.io, NuGet).

Re-implements node-semver 7's parser (the ``FULL`` and ``LOOSE`` regular expressions) and
``compareMain``/``comparePre``: build metadata is ignored, a prerelease sorts before its
release, numeric identifiers sort numerically and before alphanumeric ones.  ``compare``
parses loosely (``v1.2.3``, ``=1.2.3``, `` 1.2.3foo``) like ``semver.compare(a, b, true)``;
``compare_strict`` refuses what the strict parser refuses.  Verified against semver.tsv and
semver-loose.tsv in shared/versions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

MAX_LENGTH = 256
_NUM = r"0|[1-9]\d*"
_NUM_LOOSE = r"\d+"
_NON_NUM = r"\d*[a-zA-Z-][a-zA-Z0-9-]*"
_PRE_ID = rf"(?:{_NUM}|{_NON_NUM})"
_PRE_ID_LOOSE = rf"(?:{_NUM_LOOSE}|{_NON_NUM})"
_BUILD = r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))"
_FULL = re.compile(
    rf"^v?({_NUM})\.({_NUM})\.({_NUM})(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?{_BUILD}?$", re.ASCII
)
_LOOSE = re.compile(
    rf"^[v=\s]*({_NUM_LOOSE})\.({_NUM_LOOSE})\.({_NUM_LOOSE})"
    rf"(?:-?({_PRE_ID_LOOSE}(?:\.{_PRE_ID_LOOSE})*))?{_BUILD}?$",
    re.ASCII,
)
_NUMERIC = re.compile(r"^[0-9]+$")


class SemVer(NamedTuple):
    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...]


@lru_cache(maxsize=65536)
def parse(text: str, loose: bool = True) -> SemVer:
    """Parse as node-semver's ``new SemVer(text, {loose})`` (the input is trimmed first)."""
    if len(text) > MAX_LENGTH:
        raise InvalidVersionError(f"semver version longer than {MAX_LENGTH} characters")
    # JavaScript's trim(): whitespace at both ends
    match = (_LOOSE if loose else _FULL).match(text.strip())
    if not match:
        raise InvalidVersionError(f"invalid semantic version {text[:80]!r}")
    pre: tuple[int | str, ...] = ()
    if match.group(4):
        pre = tuple(int(p) if _NUMERIC.match(p) else p for p in match.group(4).split("."))
    return SemVer(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre)


def _compare_ident(a: int | str, b: int | str) -> int:
    if isinstance(a, int) and isinstance(b, int):
        return (a > b) - (a < b)
    if isinstance(a, int):
        return -1
    if isinstance(b, int):
        return 1
    return (a > b) - (a < b)


def compare_parsed(a: SemVer, b: SemVer) -> int:
    main_a, main_b = a[:3], b[:3]
    if main_a != main_b:
        return 1 if main_a > main_b else -1
    if a.prerelease and not b.prerelease:
        return -1
    if b.prerelease and not a.prerelease:
        return 1
    for x, y in zip(a.prerelease, b.prerelease, strict=False):
        r = _compare_ident(x, y)
        if r:
            return r
    return (len(a.prerelease) > len(b.prerelease)) - (len(a.prerelease) < len(b.prerelease))


def compare(a: str, b: str) -> int:
    """``semver.compare(a, b, true)``: loose parsing, build metadata ignored."""
    return compare_parsed(parse(a, True), parse(b, True))


def compare_strict(a: str, b: str) -> int:
    """``semver.compare(a, b, false)``."""
    return compare_parsed(parse(a, False), parse(b, False))


def is_valid(text: str) -> bool:
    try:
        parse(text, False)
    except InvalidVersionError:
        return False
    return True


SCHEME = VersionScheme("semver", compare, is_valid)
