"""Maven version ordering: a re-implementation of maven-artifact's ``ComparableVersion``.

A version splits on ``.`` and ``-`` and on digit/letter transitions into a tree of lists;
trailing "null" items (``0``, ``""``, ``final``, ``ga``, ``release``) are dropped, so
``1.0.0 == 1 == 1-final``.  Qualifiers order ``alpha < beta < milestone < rc = cr <
snapshot < (release) < sp``, unknown ones after those, lexically; ``a1``/``b1``/``m1``
are alpha/beta/milestone when a digit follows.  Case does not matter.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Union

from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_INDEX = str(_QUALIFIERS.index(""))


class _Int:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def is_null(self) -> bool:
        return self.value == 0


class _Str:
    __slots__ = ("value",)

    def __init__(self, value: str, followed_by_digit: bool) -> None:
        if followed_by_digit and len(value) == 1:
            value = {"a": "alpha", "b": "beta", "m": "milestone"}.get(value, value)
        self.value = _ALIASES.get(value, value)

    def is_null(self) -> bool:
        return _comparable(self.value) == _RELEASE_INDEX


class _List(list["_Item"]):
    def is_null(self) -> bool:
        return len(self) == 0

    def normalize(self) -> None:
        for i in range(len(self) - 1, -1, -1):
            item = self[i]
            if item.is_null():
                del self[i]
            elif not isinstance(item, _List):
                break


_Item = Union[_Int, _Str, _List]  # noqa: UP007 - a runtime alias used in a subscript above


def _comparable(qualifier: str) -> str:
    if qualifier in _QUALIFIERS:
        return str(_QUALIFIERS.index(qualifier))
    return f"{len(_QUALIFIERS)}-{qualifier}"


def _cmp(a: _Item | None, b: _Item | None) -> int:
    """``a.compareTo(b)`` of ComparableVersion's items; ``None`` is Java's null."""
    if a is None:
        return 0 if b is None else -_cmp(b, None)
    if isinstance(a, _Int):
        if b is None:
            return 0 if a.value == 0 else 1
        if isinstance(b, _Int):
            return (a.value > b.value) - (a.value < b.value)
        return 1
    if isinstance(a, _Str):
        if b is None:
            x, y = _comparable(a.value), _RELEASE_INDEX
        elif isinstance(b, _Str):
            x, y = _comparable(a.value), _comparable(b.value)
        else:
            return -1
        return (x > y) - (x < y)
    if b is None:
        return 0 if not a else _cmp(a[0], None)
    if isinstance(b, _Int):
        return -1
    if isinstance(b, _Str):
        return 1
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else None
        right = b[i] if i < len(b) else None
        r = -_cmp(right, left) if left is None else _cmp(left, right)
        if r:
            return r
    return 0


def _item(is_digit: bool, text: str, followed_by_digit: bool = False) -> _Item:
    return _Int(int(text)) if is_digit else _Str(text, followed_by_digit)


@lru_cache(maxsize=65536)
def parse(version: str) -> _List:
    """The item tree of ``version``, as ComparableVersion.parseVersion builds it."""
    if len(version) > 512:
        raise InvalidVersionError("Maven version longer than 512 characters")
    version = version.lower()
    items = current = _List()
    stack = [current]
    is_digit = False
    start = 0
    for i, char in enumerate(version):
        if char == ".":
            current.append(_Int(0) if i == start else _item(is_digit, version[start:i]))
            start = i + 1
        elif char == "-":
            current.append(_Int(0) if i == start else _item(is_digit, version[start:i]))
            start = i + 1
            new = _List()
            current.append(new)
            current = new
            stack.append(current)
        elif "0" <= char <= "9":
            if not is_digit and i > start:
                current.append(_Str(version[start:i], True))
                start = i
                new = _List()
                current.append(new)
                current = new
                stack.append(current)
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_item(True, version[start:i]))
                start = i
                new = _List()
                current.append(new)
                current = new
                stack.append(current)
            is_digit = False
    if len(version) > start:
        current.append(_item(is_digit, version[start:]))
    while stack:
        stack.pop().normalize()
    return items


def compare(a: str, b: str) -> int:
    """``new ComparableVersion(a).compareTo(new ComparableVersion(b))``, as -1/0/1."""
    r = _cmp(parse(a), parse(b))
    return (r > 0) - (r < 0)


def is_valid(text: str) -> bool:
    return bool(text.strip()) and len(text) <= 512


SCHEME = VersionScheme("maven", compare, is_valid)
