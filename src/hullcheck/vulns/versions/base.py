"""The common interface of version schemes, and the error for a version a scheme rejects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hullcheck.errors import HullcheckError


class InvalidVersionError(HullcheckError):
    """A version string its scheme cannot order (for example ``french toast`` in PEP 440)."""


@dataclass(frozen=True, slots=True)
class VersionScheme:
    """A way of ordering versions: ``compare`` returns -1, 0 or 1 like ``cmp(a, b)``.

    ``compare`` raises :class:`InvalidVersionError` when the reference tool refuses to
    order one of the two strings; schemes whose tool orders anything (dpkg, rpm, apk)
    never raise.  ``is_valid`` says whether the tool accepts the string as well formed.
    """

    name: str
    compare: Callable[[str, str], int]
    is_valid: Callable[[str], bool]


def sign(value: int) -> int:
    """-1, 0 or 1 with the sign of ``value``."""
    return (value > 0) - (value < 0)
