"""Debian (dpkg) version ordering: ``[epoch:]upstream[-revision]``, ``~`` before everything.

python-debian's ``version_compare`` implements dpkg's ``verrevcmp``; it agrees with
``dpkg --compare-versions`` 1.21.22 on every vector in shared/versions (dpkg.tsv,
dpkg-extra.tsv, dpkg-fragments.tsv), so we use it instead of a copy of our own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from debian.debian_support import version_compare

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme, sign

# dpkg's parseversion: optional numeric epoch, upstream starting with a digit, and
# characters from [A-Za-z0-9.+~-] (':' only with an epoch), revision without '-'.
_VALID = re.compile(r"^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~:-]*?(?:-[A-Za-z0-9.+~]+)?$")


@lru_cache(maxsize=65536)
def compare(a: str, b: str) -> int:
    """Order two Debian versions exactly as ``dpkg --compare-versions`` does."""
    try:
        return sign(version_compare(a, b))
    except ValueError as err:  # python-debian refuses e.g. an empty string
        raise InvalidVersionError(f"invalid Debian version: {err}") from None


def is_valid(text: str) -> bool:
    """Whether dpkg would accept ``text`` without a syntax warning."""
    if not _VALID.match(text):
        return False
    upstream = text.split(":", 1)[1] if re.match(r"^[0-9]+:", text) else text
    return ":" not in upstream


SCHEME = VersionScheme("dpkg", compare, is_valid)
