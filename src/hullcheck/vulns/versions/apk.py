"""Alpine (apk-tools 3) version ordering and fuzzy matching.

Grammar: ``digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}``.  Comparison walks both
strings token by token as apk-tools' ``src/version.c`` does (re-implemented here): numbers
compare numerically (a later number with a leading zero compares as a string), suffixes in
the order ``_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p``, and an
invalid tail stops the walk, after which the token kinds decide (so invalid versions still
order, as apk orders them).  Verified against every vector of apk-tools' own
``test/unit/version.data`` in shared/versions (apk.tsv, apk-fuzzy.tsv, apk-validity.tsv).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from hullcheck.vulns.versions.base import VersionScheme

# Token kinds, in apk's order: the order itself is part of the comparison.
_INITIAL_DIGIT, _DIGIT, _LETTER, _SUFFIX, _SUFFIX_NO, _COMMIT_HASH, _REVISION_NO = range(7)
_END, _INVALID = 7, 8

_SUFFIX_NONE = 5
_SUFFIXES = {
    "alpha": 1,
    "beta": 2,
    "pre": 3,
    "rc": 4,
    "cvs": 6,
    "svn": 7,
    "git": 8,
    "hg": 9,
    "p": 10,
}
_DIGITS = frozenset("0123456789")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_HEX = frozenset("0123456789abcdefABCDEF")
_UINT64 = (1 << 64) - 1


@dataclass(slots=True)
class _Token:
    kind: int = _INITIAL_DIGIT
    value: str = ""
    number: int = 0
    suffix: int = 0


def _span(text: str, pos: int, allowed: frozenset[str]) -> int:
    end = pos
    while end < len(text) and text[end] in allowed:
        end += 1
    return end


def _digits(tok: _Token, text: str, pos: int) -> int:
    end = _span(text, pos, _DIGITS)
    tok.value = text[pos:end]
    tok.number = int(tok.value) & _UINT64 if tok.value else 0
    if not tok.value:
        tok.kind = _INVALID
    return end


def _tokens(text: str) -> list[_Token]:
    """All tokens of ``text``, the last one ``_END`` or ``_INVALID``."""
    out: list[_Token] = []
    tok = _Token(_INITIAL_DIGIT)
    pos = _digits(tok, text, 0)
    while True:
        out.append(_Token(tok.kind, tok.value, tok.number, tok.suffix))
        if tok.kind >= _END:
            return out
        pos = _next(tok, text, pos)


def _next(tok: _Token, text: str, pos: int) -> int:
    if pos >= len(text):
        tok.kind = _END
        return pos
    char = text[pos]
    if char in _LOWER:
        if tok.kind > _DIGIT:
            tok.kind = _INVALID
            return pos
        tok.value, tok.kind = char, _LETTER
        return pos + 1
    if char == "." or char in _DIGITS:
        if char == ".":
            if tok.kind > _DIGIT:
                tok.kind = _INVALID
                return pos
            pos += 1
        if tok.kind in (_INITIAL_DIGIT, _DIGIT):
            tok.kind = _DIGIT
        elif tok.kind == _SUFFIX:
            tok.kind = _SUFFIX_NO
        else:
            tok.kind = _INVALID
            return pos
        return _digits(tok, text, pos)
    if char == "_":
        if tok.kind > _SUFFIX_NO:
            tok.kind = _INVALID
            return pos
        end = _span(text, pos + 1, _LOWER)
        tok.value = text[pos + 1 : end]
        tok.suffix = _SUFFIXES.get(tok.value, 0)
        tok.kind = _SUFFIX if tok.suffix else _INVALID
        return end
    if char == "~":
        if tok.kind >= _COMMIT_HASH:
            tok.kind = _INVALID
            return pos
        end = _span(text, pos + 1, _HEX)
        tok.value = text[pos + 1 : end]
        tok.kind = _COMMIT_HASH if tok.value else _INVALID
        return end
    if char == "-":
        if tok.kind >= _REVISION_NO or not text.startswith("-r", pos):
            tok.kind = _INVALID
            return pos
        tok.kind = _REVISION_NO
        return _digits(tok, text, pos + 2)
    tok.kind = _INVALID
    return pos


def _token_cmp(a: _Token, b: _Token) -> int:
    if a.kind == _DIGIT and (a.value.startswith("0") or b.value.startswith("0")):
        x: object = a.value
        y: object = b.value
    elif a.kind in (_INITIAL_DIGIT, _DIGIT, _SUFFIX_NO, _REVISION_NO):
        x, y = a.number, b.number
    elif a.kind == _LETTER:
        x, y = a.value, b.value
    elif a.kind == _SUFFIX:
        x, y = a.suffix, b.suffix
    else:
        x, y = a.value, b.value
    # both operands share one type here: both ints or both strs
    if x < y:  # type: ignore[operator]
        return -1
    if x > y:  # type: ignore[operator]
        return 1
    return 0


def _compare(a: str, b: str, fuzzy: bool) -> int:
    ta, tb = _tokens(a), _tokens(b)
    i = 0
    while True:
        x, y = ta[i], tb[i]
        if x.kind != y.kind or x.kind >= _END:
            break
        r = _token_cmp(x, y)
        if r:
            return r
        i += 1
    if x.kind == y.kind:
        return 0
    if y.kind == _END and fuzzy:
        return 0
    if x.kind == _SUFFIX and x.suffix < _SUFFIX_NONE:
        return -1
    if y.kind == _SUFFIX and y.suffix < _SUFFIX_NONE:
        return 1
    if x.kind > y.kind:
        return -1
    if y.kind > x.kind:
        return 1
    return 0


@lru_cache(maxsize=65536)
def compare(a: str, b: str) -> int:
    """Order two apk versions exactly as ``apk version -t`` does."""
    return _compare(a, b, fuzzy=False)


def fuzzy_match(a: str, op: str, b: str) -> bool:
    """apk's fuzzy operators: ``a ~ b`` (``b`` is a prefix of ``a``), ``<~``, ``>~``."""
    masks = {"~": {0}, "<~": {-1, 0}, ">~": {0, 1}}
    if op not in masks:
        raise ValueError(f"unknown apk fuzzy operator {op!r}")
    return _compare(a, b, fuzzy=True) in masks[op]


def is_valid(text: str) -> bool:
    """Whether apk-tools accepts ``text`` as a well-formed version."""
    return _tokens(text)[-1].kind == _END


SCHEME = VersionScheme("apk", compare, is_valid)
