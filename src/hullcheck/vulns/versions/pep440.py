"""PEP 440 (Python package) version ordering, by ``packaging.version`` (pip's own rules)."""

from __future__ import annotations

from functools import lru_cache

from packaging.version import InvalidVersion, Version

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme


@lru_cache(maxsize=65536)
def parse(text: str) -> Version:
    """A PEP 440 version; :class:`InvalidVersionError` if packaging rejects it."""
    try:
        return Version(text)
    except InvalidVersion:
        raise InvalidVersionError(f"invalid PEP 440 version {text[:80]!r}") from None


def compare(a: str, b: str) -> int:
    """Order two PEP 440 versions (``+local`` after the public version, ``.dev`` first)."""
    va, vb = parse(a), parse(b)
    return (va > vb) - (va < vb)


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except InvalidVersionError:
        return False
    return True


SCHEME = VersionScheme("pep440", compare, is_valid)
