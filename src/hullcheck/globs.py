"""The one glob dialect hullcheck matches paths with: Docker's ``.dockerignore`` syntax.

Used by ``.dockerignore`` and COPY sources, the catalogers' ``wants``, the walker's
subscription globs, the ``path:`` of ignore rules and the reproducibility causes of
``diff``, so a pattern means the same thing wherever a user or a contributor writes it:

- ``*`` any run of characters except ``/``; ``?`` one character except ``/``;
- ``**`` any number of whole directories: ``**/`` zero or more leading directories,
  ``/**`` at the end everything below;
- ``[abc]``, ``[a-z]``, ``[^a-z]`` one character of (not of) a class;
- ``\\`` takes the next character literally; everything else is literal;
- the whole path must match, case-sensitively.

(The secrets allow-list's ``paths`` stay regular expressions: they are gitleaks' syntax,
which its imported configurations rely on.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_REGEX_SPECIAL = frozenset(".+()|{}$^")
_ANY_DIRS = "(.*/)?"
"""What ``translate`` writes for a leading ``**/``."""


def translate(pattern: str) -> str:
    """``pattern`` as an (unanchored) regular expression (moby's patternmatcher)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        i += 1
        if ch == "*":
            if i < n and pattern[i] == "*":
                i += 1
                if i < n and pattern[i] == "/":  # "**/" is "**"
                    i += 1
                # "**" at the end takes everything below; elsewhere whole directories
                out.append(".*" if i >= n else _ANY_DIRS)
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch in _REGEX_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\\":
            if i < n:
                out.append(re.escape(pattern[i]))
                i += 1
            else:
                out.append("\\\\")
        elif ch == "[":
            end = pattern.find("]", i + 1 if i < n and pattern[i] == "^" else i)
            if end < 0:
                out.append("\\[")
            else:
                body = pattern[i:end]
                out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = end + 1
        else:
            out.append(re.escape(ch))
    return "".join(out)


def compile_glob(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled to match whole paths; a broken class matches nothing."""
    try:
        return re.compile(f"^{translate(pattern)}\\Z", re.DOTALL)
    except re.error:
        return re.compile(r"(?!)")


class GlobSet:
    """Several globs as one regular expression, behind a test of how paths end.

    Most globs end in literal characters (``**/package.json``, ``**/*.jar``): a path that
    ends with none of those cannot match, and ``str.endswith`` says so in a fraction of
    the time the regex takes (its leading ``(.*/)?`` retries the alternatives at every
    ``/``).  The walker asks this of every entry of every layer.  A glob that ends in a
    wildcard or a class turns the test off.
    """

    __slots__ = ("_regex", "_tails")

    def __init__(self, regex: re.Pattern[str], tails: tuple[str, ...] | None) -> None:
        self._regex = regex
        self._tails = tails

    def match(self, path: str) -> re.Match[str] | None:
        """The match of the whole ``path`` against any of the globs, or None."""
        if self._tails is not None and not path.endswith(self._tails):
            return None
        return self._regex.match(path)


def literal_tail(pattern: str) -> str:
    """The literal characters every path matching ``pattern`` ends with ("" if unsure)."""
    start = len(pattern)
    while start > 0 and pattern[start - 1] not in "*?[]\\":
        if pattern[start - 1] == "/" and pattern[start - 3 : start - 1] == "**":
            break  # the "/" of "**/" is part of "zero or more directories"
        start -= 1
    return pattern[start:]


def compile_globs(patterns: Iterable[str]) -> GlobSet | None:
    """Any of ``patterns``, as one regular expression (None when there are none)."""
    patterns = list(patterns)
    parts: list[str] = []
    below: list[str] = []  # the "**/..." ones: their common "(.*/)?" tried once, not by each
    for pattern in patterns:
        regex = translate(pattern)
        if regex.startswith(_ANY_DIRS):
            below.append(f"(?:{regex[len(_ANY_DIRS) :]})")
        else:
            parts.append(f"(?:{regex})")
    if below:
        parts.append(f"(?:.*/)?(?:{'|'.join(below)})")
    if not parts:
        return None
    tails = tuple(literal_tail(p) for p in patterns)
    kept = None if "" in tails else tuple(sorted(set(tails)))
    try:
        return GlobSet(re.compile(f"^(?:{'|'.join(parts)})\\Z", re.DOTALL), kept)
    except re.error:  # one broken class: the others still match
        alternatives = "|".join(f"(?:{compile_glob(p).pattern})" for p in patterns)
        return GlobSet(re.compile(alternatives, re.DOTALL), kept)


@functools.lru_cache(maxsize=1024)
def _cached(pattern: str) -> re.Pattern[str]:
    return compile_glob(pattern)


def matches(pattern: str, path: str) -> bool:
    """Whether the whole ``path`` matches ``pattern``."""
    return _cached(pattern).match(path) is not None
