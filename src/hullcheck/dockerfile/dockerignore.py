"""``.dockerignore`` reading and matching, as Docker and BuildKit do it (moby/patternmatcher).

Patterns are relative to the context root (a leading ``/`` is dropped); ``*`` and ``?``
never cross ``/``; ``[...]`` is a character class; ``**`` spans any number of directories
(zero included); ``\\`` escapes the next character; ``!pattern`` re-includes what an
earlier pattern excluded, and the last pattern that matches a path decides.  A pattern
matching a directory excludes everything under it.  Lines starting with ``#`` are
comments.  Which file applies: ``<Dockerfile name>.dockerignore`` next to the Dockerfile
when present (BuildKit), else ``.dockerignore`` at the context root.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from hullcheck.globs import compile_glob

MAX_IGNORE_BYTES = 1 << 20
"""A larger ignore file is read only this far: no real one comes near it."""


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    text: str
    exclusion: bool
    regex: re.Pattern[str]


def parse_lines(text: str) -> list[str]:
    """The patterns of an ignore file, normalised as ``ignorefile.ReadAll`` does."""
    out: list[str] = []
    for number, raw in enumerate(text.splitlines()):
        line = raw.lstrip("\ufeff") if number == 0 else raw
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip()
        if line:
            line = posixpath.normpath(line)  # Go's filepath.Clean
            if line.startswith("//"):  # normpath keeps a leading '//', Clean does not
                line = "/" + line.lstrip("/")
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        out.append(("!" if invert else "") + line)
    return out


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """patternmatcher's glob -> regex translation (``Pattern.compile``): the one dialect."""
    return compile_glob(pattern)


class DockerIgnore:
    """A compiled ignore file: ``excluded(path)`` for slash-separated context paths."""

    def __init__(self, patterns: list[str], source: str | None = None) -> None:
        self.source = source
        self.patterns: list[IgnorePattern] = []
        for text in patterns:
            exclusion = text.startswith("!")
            body = text[1:] if exclusion else text
            if not body:
                continue
            self.patterns.append(IgnorePattern(text, exclusion, compile_pattern(body)))
        self.has_exceptions = any(p.exclusion for p in self.patterns)

    @classmethod
    def from_text(cls, text: str, source: str | None = None) -> DockerIgnore:
        return cls(parse_lines(text), source)

    def excluded(self, path: str) -> bool:
        """Whether the context path is left out (``MatchesOrParentMatches``)."""
        path = path.strip("/")
        parent = posixpath.dirname(path)
        parents = parent.split("/") if parent else []
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            match = bool(pattern.regex.match(path))
            if not match and parents:
                for i in range(1, len(parents) + 1):
                    if pattern.regex.match("/".join(parents[:i])):
                        match = True
                        break
            if match:
                matched = not pattern.exclusion
        return matched

    def prunes(self, directory: str) -> bool:
        """Whether nothing under ``directory`` can be in the context (safe to skip)."""
        return not self.has_exceptions and self.excluded(directory)


EMPTY = DockerIgnore([])


def ignore_file_for(dockerfile: Path, context: Path) -> Path | None:
    """The ignore file BuildKit uses: ``<name>.dockerignore`` beside the Dockerfile,
    else the context's ``.dockerignore``; None when neither exists."""
    beside = dockerfile.with_name(dockerfile.name + ".dockerignore")
    for candidate in (beside, context / ".dockerignore"):
        if candidate.is_file():
            return candidate
    return None


def load(path: Path | None) -> DockerIgnore:
    """The ignore file at ``path`` (``EMPTY`` for None or unreadable)."""
    if path is None:
        return EMPTY
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_IGNORE_BYTES)
    except OSError:
        return EMPTY
    return DockerIgnore.from_text(data.decode("utf-8", "replace"), str(path))
