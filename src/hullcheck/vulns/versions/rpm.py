"""RPM version ordering: ``rpmvercmp`` for version/release strings, and full EVR compare.

Re-implements rpm's ``rpmvercmp`` (rpmio/rpmvercmp.c): alphanumeric segments, numeric
beats alpha, ``~`` sorts before the end of the string and ``^`` after it, every other
character (non-ASCII included) is a separator.  ``[epoch:]version[-release]`` compares
epoch (missing = 0), then version, then release when both have one, as ``rpmverCmp``.
Verified against rpm.tsv, rpm-oddities.tsv and rpm-evr.tsv in shared/versions.
"""

from __future__ import annotations

from functools import lru_cache

from hullcheck.vulns.versions.base import VersionScheme

_DIGITS = frozenset("0123456789")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _DIGITS | _ALPHA


def vercmp(one: str, two: str) -> int:
    """rpm's ``rpmvercmp`` on bare version or release strings."""
    if one == two:
        return 0
    i = j = 0
    n, m = len(one), len(two)
    while i < n or j < m:
        while i < n and one[i] not in _ALNUM and one[i] not in "~^":
            i += 1
        while j < m and two[j] not in _ALNUM and two[j] not in "~^":
            j += 1
        a = one[i] if i < n else ""
        b = two[j] if j < m else ""
        order = _marker_order(a, b)
        if order is not None:
            if order:
                return order
            i, j = i + 1, j + 1
            continue
        if not (a and b):
            break
        kind = _DIGITS if a in _DIGITS else _ALPHA
        ei, ej = i, j
        while ei < n and one[ei] in kind:
            ei += 1
        while ej < m and two[ej] in kind:
            ej += 1
        seg1, seg2 = one[i:ei], two[j:ej]
        if not seg2:  # a numeric segment is newer than an alpha one
            return 1 if kind is _DIGITS else -1
        order = _segment_order(seg1, seg2, numeric=kind is _DIGITS)
        if order:
            return order
        i, j = ei, ej
    if i >= n and j >= m:
        return 0
    return -1 if i >= n else 1


def _marker_order(a: str, b: str) -> int | None:
    """Where either side stands on ``~`` (before anything, even the end) or ``^`` (after
    the end, before anything else): their order, 0 when both hold the same marker (step
    over it); ``None`` when neither does."""
    if a == "~" or b == "~":
        if a != "~":
            return 1
        return -1 if b != "~" else 0
    if a == "^" or b == "^":
        if not a:
            return -1
        if not b or a != "^":
            return 1
        return -1 if b != "^" else 0
    return None


def _segment_order(seg1: str, seg2: str, *, numeric: bool) -> int:
    """Two segments of the same kind: numbers by value (leading zeros ignored), letters
    by ASCII order."""
    if numeric:
        seg1, seg2 = seg1.lstrip("0"), seg2.lstrip("0")
        if len(seg1) != len(seg2):
            return 1 if len(seg1) > len(seg2) else -1
    if seg1 != seg2:
        return 1 if seg1 > seg2 else -1
    return 0


def split_evr(text: str) -> tuple[str, str, str | None]:
    """``[epoch:]version[-release]`` -> (epoch or "0", version, release or None)."""
    epoch = "0"
    head, colon, rest = text.partition(":")
    if colon and head.isdigit():
        epoch, text = head or "0", rest
    version, dash, release = text.rpartition("-")
    if not dash:
        return epoch, text, None
    return epoch, version, release


@lru_cache(maxsize=65536)
def compare(a: str, b: str) -> int:
    """Order two RPM ``[epoch:]version[-release]`` strings as rpm's ``rpmverCmp``."""
    ea, va, ra = split_evr(a)
    eb, vb, rb = split_evr(b)
    r = vercmp(ea, eb) or vercmp(va, vb)
    if r == 0 and ra is not None and rb is not None:
        r = vercmp(ra, rb)
    return r


def is_valid(text: str) -> bool:
    """RPM orders any string; an empty one is the only thing we call invalid."""
    return bool(text.strip())


SCHEME = VersionScheme("rpm", compare, is_valid)
