"""Named files of an image container: a directory, or a tar file read by member offsets.

Both OCI layouts (a directory or a tar of one, including Docker 25+'s ``docker save``)
and legacy docker-archives are sets of named files.  A ``FileStore`` reads them without
extracting anything: a tar is indexed once (headers only, seeking over contents) and
each member is then read through its own bounded window of the file.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path
from typing import BinaryIO, Protocol

from hullcheck.errors import ImageError
from hullcheck.sources.limits import Limits
from hullcheck.sources.tarstream import (
    HARDLINK,
    REGULAR,
    SYMLINK,
    TarEntry,
    clean_path,
    index_tar,
)

MAX_LINK_HOPS = 8


class FileStore(Protocol):
    """Read-only named files (``index.json``, ``blobs/sha256/...``, ``manifest.json``)."""

    description: str

    def exists(self, name: str) -> bool: ...

    def size(self, name: str) -> int | None: ...

    def open(self, name: str) -> BinaryIO:
        """Open ``name``; ``ImageError`` if it is missing or not a regular file."""
        ...

    def read_small(self, name: str, limit: int, what: str) -> bytes:
        """The whole of ``name``, refusing more than ``limit`` bytes."""
        ...

    def close(self) -> None: ...


def _read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    try:
        data = stream.read(limit + 1)
    finally:
        stream.close()
    if len(data) > limit:
        raise ImageError(f"{what} is over the {limit}-byte limit")
    return data


def _safe_name(name: str) -> str:
    clean = clean_path(name)
    if not clean or ".." in name.split("/"):
        raise ImageError(f"refusing path {name!r} inside the image container")
    return clean


class DirStore:
    """Files under a directory; only regular files (a FIFO or device is refused)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = str(root)

    def _path(self, name: str) -> Path:
        return self.root / _safe_name(name)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int | None:
        try:
            st = self._path(name).stat()
        except OSError:
            return None
        return st.st_size if stat.S_ISREG(st.st_mode) else None

    def open(self, name: str) -> BinaryIO:
        path = self._path(name)
        try:
            # O_NONBLOCK so that a FIFO planted in the layout cannot hang the open
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            raise ImageError(f"{name} is missing from {self.description}") from None
        except OSError as err:
            raise ImageError(f"cannot open {path}: {err.strerror}") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise ImageError(f"{path} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=0)

    def read_small(self, name: str, limit: int, what: str) -> bytes:
        return _read_limited(self.open(name), limit, what)

    def close(self) -> None:
        pass


class _Window(io.RawIOBase):
    """Bytes ``start``..``start+length`` of a file, through its own file handle."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        super().__init__()
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._file.seek(start)
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: min(len(buffer), self._left)]
        n = self._file.readinto(view) or 0
        if n == 0:
            raise ImageError("archive is truncated")
        self._left -= n
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._left
        size = min(size, self._left)
        if size <= 0:
            return b""
        data = self._file.read(size)
        if not data:
            raise ImageError("archive is truncated")
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()
        super().close()


class TarStore:
    """Members of a tar file (symlinks and hard links between members are followed)."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.description = str(path)
        try:
            with open(path, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    raise ImageError(f"{path} is not a regular file")
                self._members = index_tar(fh, limits)
        except OSError as err:
            raise ImageError(f"cannot read {path}: {err.strerror or err}") from None
        except ImageError as err:
            raise ImageError(f"{path}: {err.message}") from None

    def names(self) -> list[str]:
        return sorted(self._members)

    def _entry(self, name: str) -> TarEntry | None:
        """The regular member ``name`` names, following links inside the archive."""
        key = clean_path(name)
        for _ in range(MAX_LINK_HOPS):
            entry = self._members.get(key) if key else None
            if entry is None:
                return None
            if entry.kind == REGULAR:
                return entry
            if entry.kind == SYMLINK:
                base = key.rpartition("/")[0] if key else ""
                target = entry.linkname
                key = clean_path(target if target.startswith("/") else f"{base}/{target}")
            elif entry.kind == HARDLINK:
                key = clean_path(entry.linkname)
            else:
                return None
        return None

    def exists(self, name: str) -> bool:
        return self._entry(name) is not None

    def size(self, name: str) -> int | None:
        entry = self._entry(name)
        return entry.size if entry else None

    def open(self, name: str) -> BinaryIO:
        entry = self._entry(name)
        if entry is None:
            raise ImageError(f"{name} is missing from {self.description}")
        return _Window(self.path, entry.offset, entry.size)  # type: ignore[return-value]

    def read_small(self, name: str, limit: int, what: str) -> bytes:
        entry = self._entry(name)
        if entry is None:
            raise ImageError(f"{name} is missing from {self.description}")
        if entry.size > limit:
            raise ImageError(f"{what} is {entry.size} bytes, over the {limit}-byte limit")
        return _read_limited(self.open(name), limit, what)

    def close(self) -> None:
        pass
