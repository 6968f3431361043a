"""A small, bounded reader of RFC 822-style control paragraphs (dpkg status, apk-like)."""

from __future__ import annotations

from collections.abc import Iterator

MAX_PARAGRAPHS = 40_000
"""Ten times the largest real systems (a full Debian desktop installs ~4,000 packages):
each package costs a scan ~4 KB from parse to report, so a hostile status of 199,000
paragraphs took ``hullcheck sbom`` to 894 MB; 39,000 stay under 256 MB."""


def _lines(text: str) -> Iterator[str]:
    """The lines one at a time (``\n`` or ``\r\n``): a list of a 60 MB status's lines
    costs ~120 MB at once, and ``io.StringIO`` copies the text at 4 bytes a character."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            stop = end
        yield text[start:stop].removesuffix("\r")
        start = stop + 1


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
    for number, line in enumerate(_lines(text), 1):
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
