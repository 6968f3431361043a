"""Inline pragmas: ``# hullcheck ignore=HC1001,HC4010`` above an instruction.

``# hullcheck ignore=secret:github-token`` silences one kind of secret (the secrets
engine's rule id) in HC6001/HC6002.  Also reads hadolint's ``# hadolint ignore=DL3008``
(mapped to the HC rules that cover DL3008) and the file-wide forms
``# hullcheck global ignore=...`` / ``# hadolint global ignore=...``.  A pragma
applies to the next instruction: any comment between the previous instruction and it,
or a comment line inside its own continuation lines.  It silences findings whose first
line lies in that instruction's span (heredoc bodies included).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from hullcheck.dockerfile.model import Comment, Dockerfile

_PRAGMA = re.compile(r"^(hullcheck|hadolint)\s+(global\s+)?ignore\s*=\s*(.*)$", re.IGNORECASE)
_CODE = re.compile(r"^(?:(HC|DL|SC)\d{4}|secret:[a-z0-9][a-z0-9._-]*)$", re.IGNORECASE)
"""A rule id, a hadolint/ShellCheck code, or ``secret:<engine rule id>`` (one secret kind)."""

Resolver = Callable[[str], Iterable[str]]
"""Maps an id from a pragma (``HC4010``, ``DL3015``) to the HC rule ids it silences."""


@dataclass(frozen=True, slots=True)
class Pragmas:
    """The ignores found in one Dockerfile."""

    file_wide: frozenset[str] = frozenset()
    spans: tuple[tuple[int, int, frozenset[str]], ...] = ()
    unknown: tuple[tuple[int, str], ...] = field(default=())

    def silences(self, rule_id: str, line: int | None) -> bool:
        return self.silences_any((rule_id,), line)

    def silences_any(self, keys: Iterable[str], line: int | None) -> bool:
        """Whether a pragma names any of ``keys`` (a rule id, or ``HC1001/DL3006``)."""
        wanted = set(keys)
        if not wanted.isdisjoint(self.file_wide):
            return True
        if line is None:
            return False
        return any(
            start <= line <= end and not wanted.isdisjoint(ids) for start, end, ids in self.spans
        )


def parse_pragma(text: str) -> tuple[bool, list[str]] | None:
    """``hullcheck ignore=HC1,HC2 reason...`` -> (global?, [ids]); None if not a pragma."""
    match = _PRAGMA.match(text.strip())
    if match is None:
        return None
    ids: list[str] = []
    for token in re.split(r"[\s,]+", match.group(3).strip()):
        if not token:
            continue
        if not _CODE.match(token):
            break  # the rest is a free-text reason
        ids.append(token.upper())
    return bool(match.group(2)), ids


def collect(
    dockerfile: Dockerfile, resolve: Resolver, is_known: Callable[[str], bool] | None = None
) -> Pragmas:
    """Every pragma of ``dockerfile``, ids resolved to HC rule ids.

    ``unknown`` lists ``(line, id)`` for ids ``is_known`` rejects (by default: those that
    resolve to nothing): a typo silences nothing, which the user should hear about.
    """
    file_wide: set[str] = set()
    spans: list[tuple[int, int, frozenset[str]]] = []
    unknown: list[tuple[int, str]] = []

    def ids_of(comments: Iterable[Comment]) -> set[str]:
        found: set[str] = set()
        for comment in comments:
            parsed = parse_pragma(comment.text)
            if parsed is None:
                continue
            is_global, codes = parsed
            resolved: set[str] = set()
            for code in codes:
                hc = set(resolve(code))
                if not (hc if is_known is None else is_known(code)):
                    unknown.append((comment.line, code))
                resolved |= hc
            if is_global:
                file_wide.update(resolved)
            else:
                found |= resolved
        return found

    for ins in dockerfile.instructions:
        ids = ids_of(ins.comments) | ids_of(ins.inner_comments)
        if ids:
            spans.append((ins.line, ins.end_line, frozenset(ids)))
    # comments after the last instruction can still hold a global pragma
    last = dockerfile.instructions[-1].end_line if dockerfile.instructions else 0
    ids_of(c for c in dockerfile.comments if c.line > last)
    return Pragmas(frozenset(file_wide), tuple(spans), tuple(unknown))
