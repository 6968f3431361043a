"""A file too large to hold in memory, spilled to an unnamed temporary file while it streams.

The walker reads each wanted file once, from the layer stream.  Most are small and are
offered as ``bytes``; one over ``Limits.spill_bytes`` (a 200 MiB Go program, a jar, an
rpm database) is written to a :class:`SpooledFile` instead, for the analysers that read
such files by offset (an ELF section, a zip's central directory, an SQLite page), so
memory stays independent of the file's size.

The file is created with ``O_TMPFILE`` in the cache's ``spool`` folder (or the system's
temporary folder without a cache): it has no name, so nothing is left behind even when
the process is killed, and it is freed when the last reference is closed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, overload

CHUNK = 1 << 20


class SpooledFile:
    """Read-only, random-access view of spilled content (``len``, slices, ``find``)."""

    def __init__(self, handle: BinaryIO, directory: Path | None = None) -> None:
        self._handle = handle
        self._directory = directory
        self._fd = handle.fileno()
        self._size = 0
        self._sealed = False

    @classmethod
    def create(cls, directory: Path | None = None) -> SpooledFile:
        """A new empty spool in ``directory`` (created private if missing)."""
        if directory is not None:
            with contextlib.suppress(OSError):
                directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not directory.is_dir():
                directory = None
        return cls(tempfile.TemporaryFile(dir=directory), directory)

    def write(self, data: bytes) -> None:
        if self._sealed:
            raise ValueError("spool is sealed")
        self._handle.write(data)
        self._size += len(data)

    def seal(self) -> SpooledFile:
        """No more writes: what was written is what readers see."""
        self._handle.flush()
        self._sealed = True
        return self

    def close(self) -> None:
        self._handle.close()

    @property
    def closed(self) -> bool:
        return self._handle.closed

    def __len__(self) -> int:
        return self._size

    def pread(self, offset: int, size: int) -> bytes:
        """Up to ``size`` bytes at ``offset`` (fewer at the end; none outside)."""
        if offset < 0 or size <= 0 or offset >= self._size:
            return b""
        size = min(size, self._size - offset)
        parts: list[bytes] = []
        while size > 0:
            part = os.pread(self._fd, min(size, 64 * CHUNK), offset)
            if not part:
                break
            parts.append(part)
            offset += len(part)
            size -= len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    @overload
    def __getitem__(self, key: int) -> int: ...
    @overload
    def __getitem__(self, key: slice) -> bytes: ...
    def __getitem__(self, key: int | slice) -> int | bytes:
        if isinstance(key, int):
            index = key + self._size if key < 0 else key
            byte = self.pread(index, 1) if 0 <= index < self._size else b""
            if not byte:
                raise IndexError("spool index out of range")
            return byte[0]
        start, stop, step = key.indices(self._size)
        if step != 1:
            raise ValueError("spool slices are contiguous")
        return self.pread(start, stop - start)

    def find(self, needle: bytes, start: int = 0) -> int:
        """The first offset of ``needle`` at or after ``start``, -1 if none; reads the
        file a chunk at a time (overlapping by the needle's length)."""
        if not needle:
            return start
        pos = max(start, 0)
        overlap = len(needle) - 1
        while pos < self._size:
            window = self.pread(pos, CHUNK + overlap)
            hit = window.find(needle)
            if hit >= 0:
                return pos + hit
            if len(window) <= overlap:
                break
            pos += len(window) - overlap
        return -1

    @contextlib.contextmanager
    def named_copy(self) -> Iterator[Path]:
        """A private, named copy of the content beside the spool, removed on exit, for
        libraries that only open files by name (SQLite resolves ``/proc/self/fd`` links
        to the unnamed file's dead name)."""
        fd, name = tempfile.mkstemp(dir=self._directory, prefix="spool-")
        try:
            with os.fdopen(fd, "wb") as out:
                offset = 0
                while chunk := self.pread(offset, 16 * CHUNK):
                    out.write(chunk)
                    offset += len(chunk)
            yield Path(name)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(name)

    def open(self) -> BinaryIO:
        """A new handle on the content with its own offset, at the start (for ``zipfile``)."""
        return open(f"/proc/self/fd/{self._fd}", "rb")


__all__ = ["SpooledFile"]
