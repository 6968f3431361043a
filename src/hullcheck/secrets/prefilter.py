"""The keyword prefilter: one Aho-Corasick pass tells which rules are worth running.

Keywords are matched on the lower-cased content (decoded as latin-1 so offsets stay byte
offsets).  Each hit gives the rules that own the keyword and where it occurred, so the
scanner can run a rule's regex only around its hits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import ahocorasick  # type: ignore[import-not-found,unused-ignore]

Hit = tuple[int, int, tuple[int, ...]]
"""(start, end, rule indexes) of one keyword occurrence."""


class KeywordPrefilter:
    """Multi-pattern search over lower-cased bytes for every rule's keywords."""

    def __init__(self, keywords: Iterable[tuple[str, int]]) -> None:
        """``keywords``: (keyword, rule index) pairs; one keyword may serve several rules."""
        owners: dict[str, list[int]] = {}
        for keyword, index in keywords:
            owners.setdefault(keyword.lower(), []).append(index)
        self._automaton = ahocorasick.Automaton()
        for keyword, indexes in owners.items():
            self._automaton.add_word(keyword, (len(keyword), tuple(indexes)))
        self.empty = not owners
        if owners:
            self._automaton.make_automaton()

    def hits(self, data: bytes) -> Iterator[Hit]:
        """Every keyword occurrence in ``data``, case-insensitively."""
        if self.empty:
            return
        text = data.lower().decode("latin-1")
        for end, (length, indexes) in self._automaton.iter(text):
            yield end - length + 1, end + 1, indexes
