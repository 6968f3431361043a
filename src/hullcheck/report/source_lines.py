"""Quoting the Dockerfile lines a finding points at, safely.

The table format shows the code behind each finding.  The file named in a finding may
be gone, unreadable, huge, a FIFO or a device, or hold terminal escape sequences and
secrets; this module reads it with those in mind: regular files only, size-capped,
never blocking, decoded leniently, control characters made visible, obvious secret
assignments masked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping, Sequence

from hullcheck.model import Finding

MAX_SOURCE_BYTES = 4 * 1024 * 1024
"""Larger files are not quoted (a Dockerfile is a few kB; this bounds memory)."""

# C0/C1 controls, Unicode line/paragraph separators (they split lines for many readers)
# and bidi overrides
_CONTROL = re.compile(
    r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f]"
)
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(\b[\w.-]*(?:secret|token|passw(?:or)?d?|pwd|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credential)[\w.-]*\s*[=:]\s*[\"']?)([^\s\"']{4,})"
)
_URL_CREDENTIALS = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)")


def visible(text: str) -> str:
    """Make control characters and bidi overrides visible (``\\x1b``), tabs one space.

    Terminal escapes in a hostile Dockerfile or image path must not reach the terminal.
    """
    text = text.replace("\t", " ")
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def mask_secrets(line: str) -> str:
    """Mask the values of obvious secret assignments and URL passwords in one line."""
    line = _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + "****", line)
    return _URL_CREDENTIALS.sub(lambda m: m.group(1) + "****" + m.group(3), line)


def read_lines(path: str) -> list[str] | None:
    """The lines of the regular file ``path`` (``\\n``-separated), or None if unusable."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SOURCE_BYTES:
            return None
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_SOURCE_BYTES:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_SOURCE_BYTES:  # grew while we read it
            return None
    except OSError:
        return None
    finally:
        os.close(fd)
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return [line.removesuffix("\r") for line in text.split("\n")]


class SourceCache:
    """Lines of each input, from what the caller already read or else from disk, once."""

    def __init__(self, given: Mapping[str, Sequence[str]] | None = None) -> None:
        self._given = dict(given or {})
        self._read: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> Sequence[str] | None:
        if path in self._given:
            return self._given[path]
        if path == "-":  # stdin cannot be read twice
            return None
        if path not in self._read:
            self._read[path] = read_lines(path)
        return self._read[path]

    def quote(self, path: str, line: int, end_line: int) -> list[tuple[int, str]] | None:
        """Lines ``line..end_line`` of ``path`` as ``(number, raw text)``, or None."""
        lines = self.lines(path)
        if lines is None or line < 1 or line > len(lines):
            return None
        end = max(line, min(end_line, len(lines)))
        return [(n, lines[n - 1]) for n in range(line, end + 1)]


def dockerfile_span(f: Finding) -> tuple[str, int, int] | None:
    """The Dockerfile lines behind an image finding: its instruction, else its own span."""
    loc = f.location
    if loc.instruction is not None:
        return loc.instruction.path, loc.instruction.line, loc.instruction.end_line
    if loc.path is not None and loc.line is not None:
        return loc.path, loc.line, loc.end_line or loc.line
    return None
