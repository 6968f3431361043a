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


def compile_globs(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """Any of ``patterns``, as one regular expression (None when there are none)."""
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
    try:
        return re.compile(f"^(?:{'|'.join(parts)})\\Z", re.DOTALL)
    except re.error:  # one broken class: the others still match
        return re.compile("|".join(f"(?:{compile_glob(p).pattern})" for p in patterns), re.DOTALL)


@functools.lru_cache(maxsize=1024)
def _cached(pattern: str) -> re.Pattern[str]:
    return compile_glob(pattern)


def matches(pattern: str, path: str) -> bool:
    """Whether the whole ``path`` matches ``pattern``."""
    return _cached(pattern).match(path) is not None
