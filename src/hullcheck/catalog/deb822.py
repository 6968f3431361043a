"""A small, bounded reader of RFC 822-style control paragraphs (dpkg status, apk-like)."""

from __future__ import annotations

from collections.abc import Iterator

MAX_PARAGRAPHS = 200_000


def paragraphs(text: str, junk: list[int] | None = None) -> Iterator[dict[str, str]]:
    """Yield each paragraph as ``{Field: value}``; continuation lines are joined by ``\\n``.

    Field names keep their case; a repeated field keeps its first value (as dpkg does);
    lines that are neither ``Field: value`` nor continuations are skipped, and their
    (1-based) numbers appended to ``junk`` when given, so a caller can say the file was
    damaged instead of reading less of it in silence.
    """
    current: dict[str, str] = {}
    key: str | None = None
    count = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if current:
                count += 1
                if count > MAX_PARAGRAPHS:
                    # stopping quietly would let junk paragraphs in front hide the real
                    # packages after them; fail loudly (the collector reports it)
                    raise ValueError(f"more than {MAX_PARAGRAPHS} paragraphs")
                yield current
            current, key = {}, None
            continue
        if line[0] in " \t":
            if key is not None:
                current[key] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            key = None
            if junk is not None:
                junk.append(number)
            continue
        key = name.strip()
        if key in current:
            key = None  # keep the first value; ignore this field's continuations too
            continue
        current[key] = value.strip()
    if current:
        yield current
