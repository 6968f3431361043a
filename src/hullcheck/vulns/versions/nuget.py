"""NuGet version ordering, as NuGet.Versioning's ``VersionComparer.Default``.

``major.minor[.patch[.revision]][-prerelease][+metadata]``: missing numeric parts are 0
(``1.0 == 1.0.0.0``), metadata is ignored, a prerelease sorts before its release, and
prerelease labels compare part by part, numeric parts numerically and before
alphanumeric ones, alphanumeric parts case-insensitively.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

_PATTERN = re.compile(
    r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]*)?$"
)

_Key = tuple[tuple[int, int, int, int], tuple[tuple[int, int, str], ...] | None]


@lru_cache(maxsize=65536)
def _parse(text: str) -> _Key:
    match = _PATTERN.match(text.strip()) if len(text) <= 256 else None
    if not match:
        raise InvalidVersionError(f"invalid NuGet version {text[:80]!r}")
    nums = tuple(int(g or 0) for g in match.groups()[:4])
    label = match.group(5)
    pre = None
    if label:
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in label.split("."))
    return (nums[0], nums[1], nums[2], nums[3]), pre


def compare(a: str, b: str) -> int:
    (na, pa), (nb, pb) = _parse(a), _parse(b)
    if na != nb:
        return 1 if na > nb else -1
    if pa == pb:
        return 0
    if pa is None:
        return 1
    if pb is None:
        return -1
    return 1 if pa > pb else -1


def is_valid(text: str) -> bool:
    try:
        _parse(text)
    except InvalidVersionError:
        return False
    return True


SCHEME = VersionScheme("nuget", compare, is_valid)
