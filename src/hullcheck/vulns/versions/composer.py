"""Packagist (Composer) version ordering: Composer's normalisation, then PHP's
``version_compare``.

Normalisation as Composer's VersionParser does for release versions: a leading ``v`` is
dropped and numeric versions are padded to four parts (``1.2`` -> ``1.2.0.0``).  Then PHP's
``version_compare``: ``-``, ``_``, ``+`` become ``.``, a ``.`` is inserted between letters
and digits, parts compare numerically, or by the special forms ``dev < alpha = a < beta =
b < RC = rc < # (a number) < pl = p`` (any other word sorts first); when one version runs
out, a following number makes the other newer, a following word is compared with ``#``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

# PHP's special forms, matched as prefixes in this order (so "patch" is "p", "abc" is "a")
_SPECIAL = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_DIGITS = frozenset("0123456789")
_NUMERIC = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(.*)$")


def _special(text: str) -> int:
    for name, order in _SPECIAL:
        if text.startswith(name):
            return order
    return -6


def normalize(version: str) -> str:
    """Composer's normal form for ordering: ``v1.2-beta1`` -> ``1.2.0.0-beta1``."""
    match = _NUMERIC.match(version.strip())
    if not match:
        return version.strip()
    nums = ".".join(g or "0" for g in match.groups()[:4])
    rest = match.group(5)
    return f"{nums}-{rest.lstrip('-._')}" if rest else nums


@lru_cache(maxsize=65536)
def _canonical(version: str) -> tuple[str, ...]:
    if not version or len(version) > 256:
        raise InvalidVersionError(f"invalid Composer version {version[:80]!r}")
    out: list[str] = []
    current = ""
    for char in version:
        if not (char.isascii() and char.isalnum()):  # every other character separates
            if current:
                out.append(current)
            current = ""
            continue
        if current and (current[-1] in _DIGITS) != (char in _DIGITS):
            out.append(current)
            current = ""
        current += char
    if current:
        out.append(current)
    return tuple(out)


def _part_cmp(a: str, b: str) -> int:
    if a[0] in _DIGITS and b[0] in _DIGITS:
        x, y = int(a), int(b)
    elif a[0] not in _DIGITS and b[0] not in _DIGITS:
        x, y = _special(a), _special(b)
    elif a[0] in _DIGITS:
        x, y = _special("#"), _special(b)
    else:
        x, y = _special(a), _special("#")
    return (x > y) - (x < y)


def php_version_compare(a: str, b: str) -> int:
    """PHP's ``version_compare(a, b)`` (no operator)."""
    pa, pb = _canonical(a), _canonical(b)
    for x, y in zip(pa, pb, strict=False):
        r = _part_cmp(x, y)
        if r:
            return r
    if len(pa) > len(pb):
        rest = pa[len(pb)]
        return 1 if rest[0] in _DIGITS else _part_cmp(rest, "#")
    if len(pb) > len(pa):
        rest = pb[len(pa)]
        return -1 if rest[0] in _DIGITS else _part_cmp("#", rest)
    return 0


def compare(a: str, b: str) -> int:
    return php_version_compare(normalize(a), normalize(b))


def is_valid(text: str) -> bool:
    return bool(text.strip()) and len(text) <= 256


SCHEME = VersionScheme("composer", compare, is_valid)
