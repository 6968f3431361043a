"""Go module and toolchain version ordering (golang.org/x/mod/semver semantics).

Module versions are ``v``-prefixed SemVer (pseudo-versions included); ``vMAJOR`` and
``vMAJOR.MINOR`` are shorthands for ``.0``; ``+incompatible`` and other build metadata are
ignored.  OSV's Go records write versions without the ``v``.  Go toolchain versions
(``go1.21.5``, ``go1.21rc2``, ``go1.9beta1``) are turned into the SemVer form vuln.go.dev
uses (``1.21.5``, ``1.21.0-rc.2``, ``1.9.0-beta.1``) before comparing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from hullcheck.vulns.versions import semver
from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

_TOOLCHAIN = re.compile(r"^go(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:(beta|rc)(\d+))?$")
_SHORT = re.compile(r"^(\d+)(?:\.(\d+))?$")


def canonical(text: str) -> str:
    """A Go version as plain SemVer without ``v``: ``go1.21rc2`` -> ``1.21.0-rc.2``."""
    toolchain = _TOOLCHAIN.match(text)
    if toolchain:
        major, minor, patch, kind, num = toolchain.groups()
        out = f"{major}.{minor or 0}.{patch or 0}"
        return f"{out}-{kind}.{num}" if kind else out
    body = text[1:] if text.startswith("v") else text
    short = _SHORT.match(body)
    if short:
        return f"{short.group(1)}.{short.group(2) or 0}.0"
    return body


@lru_cache(maxsize=65536)
def _parse(text: str) -> semver.SemVer:
    try:
        return semver.parse(canonical(text), False)
    except InvalidVersionError:
        raise InvalidVersionError(f"invalid Go version {text[:80]!r}") from None


def compare(a: str, b: str) -> int:
    """Order two Go versions (module or toolchain)."""
    return semver.compare_parsed(_parse(a), _parse(b))


def is_valid(text: str) -> bool:
    try:
        _parse(text)
    except InvalidVersionError:
        return False
    return True


SCHEME = VersionScheme("golang", compare, is_valid)
