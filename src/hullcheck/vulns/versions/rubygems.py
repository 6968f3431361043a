"""RubyGems version ordering, as ``Gem::Version#<=>``.

A version is segments of digits or letters (``1.2.0.rc1`` -> 1, 2, 0, "rc", 1); a
version with a letter is a prerelease.  Trailing zero segments (and zeros just before
the first letter) do not count; a string segment sorts before a number.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

_PATTERN = re.compile(r"^[0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")
_SEGMENT = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _canonical(text: str) -> tuple[int | str, ...]:
    text = text.strip() or "0"
    if len(text) > 256 or not _PATTERN.match(text):
        raise InvalidVersionError(f"malformed RubyGems version {text[:80]!r}")
    text = text.replace("-", ".pre.")
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in _SEGMENT.findall(text)]
    # Gem::Version#canonical_segments: drop zeros at the end of the release part and
    # of the prerelease part
    first_str = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    release, pre = segments[:first_str], segments[first_str:]
    while release and release[-1] == 0:
        release.pop()
    while pre and pre[-1] == 0:
        pre.pop()
    return (*release, *pre)


def compare(a: str, b: str) -> int:
    """``Gem::Version.new(a) <=> Gem::Version.new(b)``."""
    left, right = _canonical(a), _canonical(b)
    for i in range(max(len(left), len(right))):
        x = left[i] if i < len(left) else 0
        y = right[i] if i < len(right) else 0
        if x == y:
            continue
        if isinstance(x, str) and isinstance(y, int):
            return -1
        if isinstance(x, int) and isinstance(y, str):
            return 1
        return 1 if x > y else -1  # type: ignore[operator]
    return 0


def is_valid(text: str) -> bool:
    try:
        _canonical(text)
    except InvalidVersionError:
        return False
    return True


SCHEME = VersionScheme("rubygems", compare, is_valid)
