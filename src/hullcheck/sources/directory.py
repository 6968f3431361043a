"""A directory on disk (an unpacked root filesystem or a build context) read as an image.

The tree is presented as **one synthetic layer** whose entries stream in the same shape
as a tar layer's (``TarEntry``), so the walker, the merged view and every analyser run
unchanged: nothing is copied, no tar is written.  Entries come from ``os.scandir`` and
``lstat`` in sorted (byte) order, depth first; a file's content is read only when a
subscriber asks for it, up to what it asked.

Hostile trees: symlinks are never followed (they are entries with their target); FIFOs,
devices and sockets are recorded (sockets skipped, as tar does) and never opened; a
regular file is opened with ``O_NOFOLLOW | O_NONBLOCK`` and re-checked with ``fstat`` (a
file swapped for a FIFO or a link between ``lstat`` and ``open`` is refused, never
waited on); directories on another filesystem (``st_dev``) are listed but not entered
unless asked; the entry count is ``Limits.max_entries``; names that are not UTF-8 are
shown with ``\\xNN`` escapes, exactly as tar names are.  A directory has no image config,
so ``Image.has_config`` is false and the config rules skip it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from hullcheck.errors import ImageError, InputError
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.image import Image, Layer, configless_image
from hullcheck.sources.limits import Deadline, Limits
from hullcheck.sources.tarstream import (
    BLOCKDEV,
    CHARDEV,
    DIRECTORY,
    FIFO,
    HARDLINK,
    REGULAR,
    SYMLINK,
    TarEntry,
)

KIND = "dir"
LAYER_DIGEST = "dir:rootfs"
"""The synthetic layer's name in findings' ``location.layer`` (there is no blob)."""
MEDIA_TYPE = "application/vnd.hullcheck.directory"
_READ_CHUNK = 1 << 20
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)

Report = Callable[[str, str | None], None]
"""Told about a problem met while listing: (message, path)."""


def _text(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


def _kind(mode: int) -> str | None:
    fmt = stat.S_IFMT(mode)
    if fmt == stat.S_IFREG:
        return REGULAR
    if fmt == stat.S_IFDIR:
        return DIRECTORY
    if fmt == stat.S_IFLNK:
        return SYMLINK
    if fmt == stat.S_IFCHR:
        return CHARDEV
    if fmt == stat.S_IFBLK:
        return BLOCKDEV
    if fmt == stat.S_IFIFO:
        return FIFO
    return None  # sockets, doors: tar has no type for them either


class DirectoryStream:
    """The tree's entries as ``TarEntry`` objects, with ``read_content`` like ``TarStream``.

    ``bytes_seen`` is the total size of the regular files listed (the layer's "size").
    """

    def __init__(
        self,
        root: bytes,
        limits: Limits,
        *,
        cross_devices: bool = False,
        deadline: Deadline | None = None,
        report: Report | None = None,
    ) -> None:
        self._root = root
        self._limits = limits
        self._cross = cross_devices
        self._deadline = deadline or Deadline(limits.timeout)
        self._report = report or (lambda message, path: None)
        self._current: tuple[bytes, os.stat_result] | None = None
        self._seen_inodes: dict[tuple[int, int], str] = {}
        self.entries = 0
        self.bytes_seen = 0
        self.truncated = False

    def __iter__(self) -> Iterator[TarEntry]:
        root_stat = os.lstat(self._root)
        # depth first, sorted: a stack of (relative dir bytes, its sorted child names)
        stack: list[tuple[bytes, Iterator[bytes]]] = []
        names = self._list(self._root, b"")
        if names is None:
            return
        stack.append((b"", iter(names)))
        while stack:
            rel_dir, children = stack[-1]
            name = next(children, None)
            if name is None:
                stack.pop()
                continue
            self._deadline.check()
            if self.entries >= self._limits.max_entries:
                self.truncated = True
                self._report(
                    f"directory has more than {self._limits.max_entries} entries; the rest "
                    "was not read (raise --max-entries)",
                    None,
                )
                return
            rel = rel_dir + b"/" + name if rel_dir else name
            full = self._root + b"/" + rel
            shown, name_ok = _text(rel)
            if len(rel) > self._limits.max_path_bytes:
                self._report(
                    f"path longer than {self._limits.max_path_bytes} bytes; skipped",
                    "/" + shown[:200],
                )
                continue
            try:
                st = os.lstat(full)
            except OSError as err:
                self._report(f"cannot stat: {err.strerror}", "/" + shown)
                continue
            kind = _kind(st.st_mode)
            if kind is None:
                self._report("socket or other special file; not read", "/" + shown)
                continue
            self.entries += 1
            linkname = ""
            size = 0
            if kind == SYMLINK:
                try:
                    linkname = _text(os.readlink(full))[0]
                except OSError as err:
                    self._report(f"cannot read link: {err.strerror}", "/" + shown)
            elif kind == REGULAR:
                key = (st.st_dev, st.st_ino)
                first = self._seen_inodes.get(key) if st.st_nlink > 1 else None
                if first is not None:
                    kind, linkname = HARDLINK, first  # as tar stores a second link
                else:
                    if st.st_nlink > 1:
                        self._seen_inodes[key] = shown
                    size = st.st_size
                    self.bytes_seen += size
            self._current = (full, st) if kind == REGULAR else None
            yield TarEntry(
                name=shown,
                kind=kind,
                size=size,
                mode=stat.S_IMODE(st.st_mode),
                uid=st.st_uid,
                gid=st.st_gid,
                linkname=linkname,
                offset=0,
                raw_name_ok=name_ok,
                xattrs=self._xattrs(full) if kind == REGULAR else (),
            )
            self._current = None
            if kind == DIRECTORY:
                if st.st_dev != root_stat.st_dev and not self._cross:
                    self._report(
                        "another filesystem is mounted here; not entered "
                        "(--cross-filesystems enters it)",
                        "/" + shown,
                    )
                    continue
                sub = self._list(full, rel)
                if sub:
                    stack.append((rel, iter(sub)))

    def _list(self, path: bytes, rel: bytes) -> list[bytes] | None:
        budget = self._limits.max_entries - self.entries + 1
        names: list[bytes] = []
        try:
            with os.scandir(path) as it:
                for entry in it:
                    names.append(entry.name)
                    if len(names) > budget:
                        break  # the count check in __iter__ reports it
        except OSError as err:
            self._report(f"cannot list: {err.strerror}", "/" + _text(rel)[0])
            return None
        names.sort()
        return names

    @staticmethod
    def _xattrs(path: bytes) -> tuple[tuple[str, bytes], ...]:
        getxattr = getattr(os, "getxattr", None)
        if getxattr is None:
            return ()
        try:
            value: bytes = getxattr(path, b"security.capability", follow_symlinks=False)
        except OSError:
            return ()
        return (("security.capability", value),)

    def read_content(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the current regular file (b"" when it cannot be read)."""
        if self._current is None:
            return b""
        full, st = self._current
        self._current = None
        want = min(limit, st.st_size)
        shown = "/" + _text(full[len(self._root) + 1 :])[0]
        try:
            fd = os.open(full, _OPEN_FLAGS)
        except OSError as err:
            self._report(f"cannot open: {err.strerror}", shown)
            return b""
        try:
            now = os.fstat(fd)
            # swapped since lstat (for a FIFO, a device, another file): never read it
            if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (
                st.st_dev,
                st.st_ino,
            ):
                self._report("file changed while being read; skipped", shown)
                return b""
            parts: list[bytes] = []
            got = 0
            while got < want:
                chunk = os.read(fd, min(_READ_CHUNK, want - got))
                if not chunk:
                    break
                parts.append(chunk)
                got += len(chunk)
            return b"".join(parts)
        except OSError as err:
            self._report(f"cannot read: {err.strerror}", shown)
            return b""
        finally:
            os.close(fd)


class DirectorySource:
    """A directory as an image source: no manifest, no blobs, one synthetic layer."""

    def __init__(
        self, path: Path, reference: str, limits: Limits, *, cross_devices: bool = False
    ) -> None:
        if not path.is_dir():
            raise InputError(f"{path} is not a directory")
        self.path = path
        self.limits = limits
        self.cross_devices = cross_devices
        self._info = SourceInfo(KIND, reference, {"path": str(path)})

    @property
    def info(self) -> SourceInfo:
        return self._info

    def image(self) -> Image:
        """The synthetic image: empty config (``has_config`` false), one layer."""
        layer = Layer(
            index=0,
            digest=LAYER_DIGEST,
            diff_id=None,
            media_type=MEDIA_TYPE,
            compressed_size=0,
        )
        return configless_image(self._info.reference, KIND, layer)

    def entries(self, deadline: Deadline, report: Report) -> DirectoryStream:
        return DirectoryStream(
            os.fsencode(self.path),
            self.limits,
            cross_devices=self.cross_devices,
            deadline=deadline,
            report=report,
        )

    def root_manifest(self) -> Manifest:
        raise ImageError(f"{self.path} is a directory: it has no manifest")

    def fetch_manifest(self, digest: str) -> Manifest:
        raise ImageError(f"{self.path} is a directory: it has no manifest")

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        raise ImageError(f"{self.path} is a directory: it has no blobs")

    def close(self) -> None:
        pass
