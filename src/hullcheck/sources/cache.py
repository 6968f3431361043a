"""A content-addressed cache of image blobs, shared by concurrent runs.

Layout: ``<cache>/blobs/<algo>/<hex>`` and ``<cache>/tmp/``.  A blob is written to a
private temporary file in ``tmp/`` (same filesystem), its digest checked, then renamed
into place: readers only ever see complete, verified blobs, and two runs storing the
same blob at once both succeed (the rename is atomic and the content identical).
Recency is the file's mtime, refreshed on every hit; past ``max_bytes`` the least
recently used blobs are removed (a run still reading one keeps its open file).

Where: ``--cache-dir``, else ``$HULLCHECK_CACHE_DIR``, else ``$XDG_CACHE_HOME/hullcheck``,
else ``~/.cache/hullcheck``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

from hullcheck.errors import ImageError
from hullcheck.sources.base import ImageSource
from hullcheck.sources.digest import blob_name, check_digest, new_hasher
from hullcheck.sources.image import Layer
from hullcheck.sources.limits import GiB

DEFAULT_MAX_BYTES = 20 * GiB
STALE_TMP_SECONDS = 3600
_TMP_PREFIX = "blob-"
_BLOB_NAMES = {"sha256": re.compile(r"[a-f0-9]{64}"), "sha512": re.compile(r"[a-f0-9]{128}")}


def _is_real_dir(path: Path) -> bool:
    """A directory that is not a symlink to one."""
    try:
        return stat.S_ISDIR(path.lstat().st_mode)
    except OSError:
        return False


def default_cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The cache directory chosen by flag, environment, XDG, or home (in that order)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("HULLCHECK_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "hullcheck"


class BlobCache:
    """Blobs by digest under ``root`` (see the module docstring)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def _blob_path(self, digest: str) -> Path:
        check_digest(digest, "cached blob")
        return self.root / "blobs" / blob_name(digest)

    def _ensure(self) -> Path:
        tmp = self.root / "tmp"
        try:
            tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
            (self.root / "blobs").mkdir(mode=0o700, exist_ok=True)
        except OSError as err:
            raise ImageError(f"cannot create cache directory {self.root}: {err.strerror}") from None
        if not (_is_real_dir(tmp) and _is_real_dir(self.root / "blobs")):
            raise ImageError(f"cache directory {self.root} holds symlinks; not writing to it")
        return tmp

    def get(self, digest: str) -> Path | None:
        """The cached blob's path (and mark it recently used), or None."""
        path = self._blob_path(digest)
        try:
            os.utime(path)
        except OSError:
            return None
        return path

    def open(self, digest: str) -> BinaryIO | None:
        path = self.get(digest)
        if path is None:
            return None
        try:
            return open(path, "rb")
        except OSError:
            return None  # evicted meanwhile

    def writer(self, digest: str) -> BlobWriter:
        """A writer that becomes the cached blob on ``commit()`` if the digest matches."""
        return BlobWriter(self, digest, self._ensure())

    def put(self, digest: str, data: bytes) -> Path:
        w = self.writer(digest)
        w.write(data)
        return w.commit()

    def _entries(self) -> list[tuple[float, int, Path]]:
        """Cached blobs: regular files named by their digest under real directories.

        Nothing reached through a symlink and nothing not named like a blob is listed, so
        eviction and ``clean`` can never delete outside the cache (a planted
        ``blobs/sha256 -> /somewhere`` link, or ``--cache-dir`` pointing at a home folder).
        """
        out: list[tuple[float, int, Path]] = []
        blobs = self.root / "blobs"
        if not _is_real_dir(blobs):
            return out
        for algo in blobs.iterdir():
            pattern = _BLOB_NAMES.get(algo.name)
            if pattern is None or not _is_real_dir(algo):
                continue
            for f in algo.iterdir():
                if pattern.fullmatch(f.name) and (entry := lru_entry(f)) is not None:
                    out.append(entry)
        return out

    def usage(self) -> tuple[int, int]:
        """(number of blobs, bytes)."""
        entries = self._entries()
        return len(entries), sum(e[1] for e in entries)

    def evict(self, max_bytes: int | None = None) -> tuple[int, int]:
        """Remove least recently used blobs until at most ``max_bytes`` remain."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        done = evict_lru(self._entries(), cap)
        self._clean_tmp(STALE_TMP_SECONDS)
        return done

    def _clean_tmp(self, older_than: float) -> None:
        tmp = self.root / "tmp"
        if not _is_real_dir(tmp):
            return
        now = time.time()
        for f in tmp.iterdir():
            if not f.name.startswith(_TMP_PREFIX):
                continue  # only what BlobWriter made
            with contextlib.suppress(OSError):
                st = f.lstat()
                if stat.S_ISREG(st.st_mode) and now - st.st_mtime >= older_than:
                    f.unlink()

    def clean(self) -> tuple[int, int]:
        """Remove every cached blob and stale temporary file; (blobs, bytes) removed."""
        result = self.evict(0)
        self._clean_tmp(STALE_TMP_SECONDS)
        return result


class BlobWriter:
    """A temporary file in the cache that is renamed into place once verified."""

    def __init__(self, cache: BlobCache, digest: str, tmp_dir: Path) -> None:
        self._cache = cache
        self._digest = digest
        self._hasher = new_hasher(digest)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix=_TMP_PREFIX)
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "wb")
        self._done = False

    def write(self, data: bytes) -> None:
        self._hasher.update(data)
        self._file.write(data)

    def commit(self) -> Path:
        self._file.close()
        self._done = True
        algo = self._digest.partition(":")[0]
        if f"{algo}:{self._hasher.hexdigest()}" != self._digest:
            self._tmp.unlink(missing_ok=True)
            raise ImageError(f"blob {self._digest} does not match its digest; not cached")
        final = self._cache._blob_path(self._digest)
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _is_real_dir(final.parent):
            self._tmp.unlink(missing_ok=True)
            raise ImageError(f"cache directory {final.parent} is a symlink; blob not cached")
        os.replace(self._tmp, final)
        self._cache.evict()
        return final

    def abort(self) -> None:
        if not self._done:
            self._done = True
            self._file.close()
            self._tmp.unlink(missing_ok=True)


class _Tee(io.RawIOBase):
    """Reads from a remote blob stream while writing what it reads to the cache."""

    def __init__(self, stream: BinaryIO, writer: BlobWriter) -> None:
        super().__init__()
        self._stream = stream
        self._writer = writer
        self._eof = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self._writer.write(data)
        else:
            self._eof = True
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._eof:
                try:
                    self._writer.commit()
                except (ImageError, OSError):
                    self._writer.abort()  # the walker reports the mismatch itself
            else:
                self._writer.abort()
        finally:
            self._stream.close()
            super().close()


class CachingOpener:
    """Opens layer blobs from the cache, or from the source while filling the cache."""

    def __init__(self, source: ImageSource, cache: BlobCache) -> None:
        self._source = source
        self._cache = cache

    def open(self, layer: Layer) -> BinaryIO:
        cached = self._cache.open(layer.digest)
        if cached is not None:
            return cached
        stream = self._source.open_blob(layer.digest, layer.compressed_size)
        try:
            writer = self._cache.writer(layer.digest)
        except (ImageError, OSError):
            return stream  # an unusable cache must not stop the scan
        return _Tee(stream, writer)  # type: ignore[return-value]


def lru_entry(path: Path) -> tuple[float, int, Path] | None:
    """``(mtime, size, path)`` of a regular file for :func:`evict_lru`; None for anything
    else (a link, a directory, a file already gone)."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return (st.st_mtime, st.st_size, path) if stat.S_ISREG(st.st_mode) else None


def evict_lru(entries: list[tuple[float, int, Path]], cap: int) -> tuple[int, int]:
    """Delete files, least recently used first (``(mtime, size, path)``), until their
    total size is at most ``cap``; (files removed, bytes freed).  A file already gone
    (another process evicted it) only lowers the total."""
    total = sum(e[1] for e in entries)
    removed = freed = 0
    for _, size, path in sorted(entries):
        if total <= cap:
            break
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
            freed += size
        total -= size
    return removed, freed
