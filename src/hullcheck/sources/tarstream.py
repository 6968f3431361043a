"""A minimal, bounded tar reader: ustar, GNU (long names, base-256 numbers) and PAX.

Written instead of ``tarfile`` because hostile layers must not choose how much memory we
use: ``tarfile`` reads a PAX or GNU long-name header of any declared size into memory,
and keeps every member it has seen.  This reader holds at most one chunk of the stream,
one header (``Limits.max_header_bytes``) and the content a caller asks for.

``TarStream`` reads forward only (a decompressing layer stream); ``index_tar`` reads the
headers of a seekable file (an outer docker-archive) and seeks over contents.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from hullcheck.errors import ImageError
from hullcheck.sources.limits import Limits

BLOCK = 512
CHUNK = 4 << 20

REGULAR = "file"
DIRECTORY = "dir"
SYMLINK = "symlink"
HARDLINK = "hardlink"
CHARDEV = "char"
BLOCKDEV = "block"
FIFO = "fifo"

_KINDS = {
    b"0": REGULAR,
    b"\0": REGULAR,
    b"7": REGULAR,
    b"1": HARDLINK,
    b"2": SYMLINK,
    b"3": CHARDEV,
    b"4": BLOCKDEV,
    b"5": DIRECTORY,
    b"6": FIFO,
}
_ZERO_BLOCK = bytes(BLOCK)
_SPECIAL = frozenset({b"x", b"g", b"L", b"K"})
# One shared int object per permission value: the merged view keeps a mode per path,
# and a fresh int per entry would cost 32 bytes each (millions of paths).
_MODES = tuple(range(0o10000))


class TarError(ImageError):
    """A tar stream that is corrupt, truncated or over a limit."""


@dataclass(slots=True)
class TarEntry:
    """One member, with long names and PAX overrides applied.  ``name`` is as stored."""

    name: str
    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    linkname: str
    offset: int
    """Offset of the content in the (uncompressed) stream."""
    raw_name_ok: bool = True
    """False when the stored name was not UTF-8 (shown with backslash escapes)."""
    xattrs: tuple[tuple[str, bytes], ...] = ()
    """Extended attributes from PAX ``SCHILY.xattr.NAME`` records (``security.capability``
    holds a binary's file capabilities), at most ``MAX_XATTRS``, sorted by name."""
    type_flag: str = ""
    """The tar type flag when it is not one this reader knows (the member is then read
    as a regular file, as POSIX says); empty otherwise."""
    problem: str = ""
    """Why the member cannot be used (its name is over ``Limits.max_path_bytes``): the
    entry is shown under a shortened name and its content is skipped."""


def _number(field: bytes) -> int:
    if field and field[0] & 0x80:  # GNU base-256 for values that do not fit in octal
        value = int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
        if field[0] & 0x40:
            value -= 1 << (8 * len(field) - 1)
        return value
    try:
        # int() ignores surrounding spaces; octal fields end in NUL and/or space
        return int(field.split(b"\0", 1)[0] or b"0", 8)
    except ValueError:
        if not field.split(b"\0", 1)[0].strip():
            return 0
        raise TarError(f"corrupt tar header: bad number {field[:20]!r}") from None


def _text(raw: bytes) -> tuple[str, bool]:
    try:
        return raw.decode("utf-8"), True
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace"), False


def _cstr(field: bytes) -> bytes:
    end = field.find(b"\0")
    return field if end < 0 else field[:end]


def _parse_pax(data: bytes) -> dict[str, bytes]:
    """``"%d key=value\\n"`` records; a malformed record raises TarError."""
    out: dict[str, bytes] = {}
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] == 0:
            break
        sp = data.find(b" ", pos, pos + 24)
        if sp < 0:
            raise TarError("corrupt PAX header record")
        try:
            length = int(data[pos:sp])
        except ValueError:
            raise TarError("corrupt PAX header record length") from None
        if length <= sp - pos or pos + length > n:
            raise TarError("corrupt PAX header record length")
        record = data[sp + 1 : pos + length - 1]
        key, eq, value = record.partition(b"=")
        if not eq:
            raise TarError("corrupt PAX header record")
        out[key.decode("utf-8", "backslashreplace")] = value
        pos += length
    return out


MAX_XATTRS = 16
_XATTR_PREFIX = "SCHILY.xattr."


def _xattrs(records: dict[str, bytes]) -> tuple[tuple[str, bytes], ...]:
    """The ``SCHILY.xattr.*`` records (GNU tar, Docker, BuildKit, buildah write these)."""
    found = sorted(
        (key[len(_XATTR_PREFIX) :], value)
        for key, value in records.items()
        if key.startswith(_XATTR_PREFIX)
    )
    return tuple(found[:MAX_XATTRS])


def _pax_int(value: bytes, key: str) -> int:
    try:
        number = int(value.split(b".", 1)[0])
    except ValueError:
        raise TarError(f"corrupt PAX {key} value") from None
    if number < 0:
        raise TarError(f"negative PAX {key} value")
    return number


class _Header:
    """The fields of one 512-byte header block."""

    __slots__ = ("gid", "kind_byte", "linkname", "mode", "name", "size", "uid")

    def __init__(self, block: bytes, offset: int) -> None:
        stored = _number(block[148:156])
        total = sum(block) - sum(block[148:156]) + 256
        if stored != total:
            # Some old writers summed signed bytes; accept that variant too.
            signed = total - 2 * sum(1 for b in block if b > 127)
            signed += 2 * sum(1 for b in block[148:156] if b > 127)
            if stored != signed:
                raise TarError(f"corrupt tar header at offset {offset} (bad checksum)")
        name = _cstr(block[0:100])
        if block[257:263] == b"ustar\x00":
            prefix = _cstr(block[345:500])
            if prefix:
                name = prefix + b"/" + name
        self.name = name
        self.linkname = _cstr(block[157:257])
        self.kind_byte = block[156:157]
        self.mode = _number(block[100:108])
        self.uid = _number(block[108:116])
        self.gid = _number(block[116:124])
        self.size = _number(block[124:136])
        if self.size < 0:
            raise TarError(f"corrupt tar header at offset {offset} (negative size)")


_NUL_SPACE = b" \0"


def _parse_header(block: bytes, offset: int) -> tuple[bytes, bytes, bytes, int, int, int, int]:
    """(name, linkname, type byte, mode, uid, gid, size) of a header block.

    The common case (a ustar/GNU header with plain octal fields) is parsed inline: this
    runs once per tar entry, tens of thousands of times per image.  Its checksum is not
    summed (5 us a header, 10% of a walk): accidental corruption is caught by the blob
    digest, and a deliberate header can carry a right checksum anyway.  Anything else
    (garbage, base-256 numbers, pre-POSIX headers) takes the checked slow path.
    """
    magic = block[257:262]
    try:
        if magic != b"ustar":
            raise ValueError
        mode = int(block[100:108].rstrip(_NUL_SPACE), 8)
        uid = int(block[108:116].rstrip(_NUL_SPACE), 8)
        gid = int(block[116:124].rstrip(_NUL_SPACE), 8)
        size = int(block[124:136].rstrip(_NUL_SPACE), 8)
        int(block[148:156].rstrip(_NUL_SPACE), 8)
    except ValueError:
        h = _Header(block, offset)  # base-256 numbers, odd padding, signed checksums
        return h.name, h.linkname, h.kind_byte, h.mode, h.uid, h.gid, h.size
    end = block.find(b"\0", 0, 100)
    name = block[: end if end >= 0 else 100]
    if block[257:263] == b"ustar\x00" and block[345] != 0:
        name = _cstr(block[345:500]) + b"/" + name
    kind = block[156:157]
    link = _cstr(block[157:257]) if kind in (b"1", b"2") else b""
    return name, link, kind, mode, uid, gid, size


def _padded(size: int) -> int:
    return (size + BLOCK - 1) & ~(BLOCK - 1)


class TarStream:
    """Iterate the members of a forward-only tar stream, offering each member's content.

    ``read(n)`` returns up to ``n`` bytes, ``b""`` at the end.  After an entry is yielded
    the caller may call ``read_content(limit)`` once; whatever it does not read is skipped.
    """

    def __init__(self, read: Callable[[int], bytes], limits: Limits) -> None:
        self._read = read
        self._limits = limits
        self._buf = b""
        self._pos = 0
        self._offset = 0  # stream offset of self._buf[0]
        self._remaining = 0  # content bytes of the current member not yet consumed
        self._padding = 0

    def _block(self) -> bytes:
        """The next 512-byte header block; ``b""`` at a clean end of the stream.

        A block straddling two chunks is assembled from both pieces, so the stream is
        never copied into a growing buffer.
        """
        pos = self._pos
        if len(self._buf) - pos >= BLOCK:
            self._pos = pos + BLOCK
            return self._buf[pos : pos + BLOCK]
        rest = self._buf[pos:]
        self._offset += len(self._buf)
        self._buf = b""
        self._pos = 0
        while True:
            chunk = self._read(CHUNK)
            if not chunk:
                if rest:
                    raise TarError("layer tar is truncated")
                return b""
            need = BLOCK - len(rest)
            if len(chunk) >= need:
                self._buf = chunk
                self._pos = need
                return rest + chunk[:need]
            rest += chunk
            self._offset += len(chunk)

    def _take(self, n: int, guard: Callable[[int], bool] | None = None) -> bytes:
        """``n`` bytes of the stream; fewer when ``guard(bytes gathered)``, asked after
        each chunk, says stop (the caller then knows how much was consumed)."""
        avail = len(self._buf) - self._pos
        if n <= avail:
            out = self._buf[self._pos : self._pos + n]
            self._pos += n
            return out
        # A large member (a 150 MiB executable for the binary catalogers): gathering the
        # chunks and joining them held two copies at the peak.  Write them into one
        # growing buffer instead: BytesIO.getvalue() hands over its own bytes object
        # without copying when nothing else shares it (CPython), and a large buffer grows
        # by mremap, not by copying, so the peak is one copy plus one chunk.  The buffer
        # is not sized up front from the header: a hostile header declaring 250 MiB of
        # zeros would cost 250 MiB at once, before the layer's ratio check can stop it.
        out_buf = io.BytesIO()
        if avail:
            out_buf.write(memoryview(self._buf)[self._pos :])
        need = n - avail
        self._offset += len(self._buf)
        self._buf = b""
        self._pos = 0
        while need:
            chunk = self._read(CHUNK)  # never more than a chunk beside the buffer
            if not chunk:
                raise TarError("layer tar is truncated")
            if len(chunk) > need:
                out_buf.write(memoryview(chunk)[:need])
                self._buf = chunk
                self._pos = need
                break
            out_buf.write(chunk)
            self._offset += len(chunk)
            need -= len(chunk)
            del chunk  # not kept alive while the next one is read
            if guard is not None and need and not guard(n - need):
                break
        return out_buf.getvalue()

    def _skip(self, n: int) -> None:
        avail = len(self._buf) - self._pos
        if n <= avail:
            self._pos += n
            return
        n -= avail
        self._offset += len(self._buf)
        self._buf = b""
        self._pos = 0
        while n > 0:
            chunk = self._read(CHUNK)
            if not chunk:
                raise TarError("layer tar is truncated")
            if len(chunk) > n:
                self._buf = chunk
                self._pos = n
                return
            self._offset += len(chunk)
            n -= len(chunk)

    def read_content(self, limit: int, guard: Callable[[int], bool] | None = None) -> bytes:
        """Up to ``limit`` bytes of the current member's content.  ``guard``, when given,
        is asked after each chunk with the bytes gathered so far; when it returns False
        the read stops there (shorter content; the rest of the member is skipped)."""
        n = min(limit, self._remaining)
        if n <= 0:
            return b""
        data = self._take(n, guard)
        self._remaining -= len(data)
        return data

    def read_part(self, n: int) -> bytes:
        """Up to ``n`` more bytes of the current member (``b""`` at its end), for members
        too large to hold at once (a layer inside a ``docker save`` stream)."""
        n = min(n, self._remaining)
        if n <= 0:
            return b""
        if self._pos >= len(self._buf):
            self._offset += len(self._buf)
            self._buf = self._read(CHUNK)
            self._pos = 0
            if not self._buf:
                raise TarError("tar stream is truncated")
        take = min(n, len(self._buf) - self._pos)
        out = self._buf[self._pos : self._pos + take]
        self._pos += take
        self._remaining -= take
        return out

    def _finish_member(self) -> None:
        if self._remaining or self._padding:
            self._skip(self._remaining + self._padding)
            self._remaining = 0
            self._padding = 0

    def _special(self, size: int, what: str) -> bytes:
        if size > self._limits.max_header_bytes:
            limit = self._limits.max_header_bytes
            raise TarError(f"{what} header of {size} bytes is over the {limit}-byte limit")
        data = self._take(size)
        self._skip(_padded(size) - size)
        return data

    def __iter__(self) -> Iterator[TarEntry]:
        pax: dict[str, bytes] = {}
        global_pax: dict[str, bytes] = {}
        long_name: bytes | None = None
        long_link: bytes | None = None
        while True:
            self._finish_member()
            block = self._block()
            if not block:
                return  # no end-of-archive marker: tolerated, as GNU tar does
            offset = self._offset + self._pos - BLOCK
            if block == _ZERO_BLOCK:
                return
            h_name, h_link, kb, mode, uid, gid, size = _parse_header(block, offset)
            if size < 0:
                raise TarError(f"corrupt tar header at offset {offset} (negative size)")
            if kb in _SPECIAL:
                if kb == b"x":
                    pax = _parse_pax(self._special(size, "PAX"))
                elif kb == b"g":
                    global_pax.update(_parse_pax(self._special(size, "PAX global")))
                elif kb == b"L":
                    long_name = _cstr(self._special(size, "GNU long name"))
                else:
                    long_link = _cstr(self._special(size, "GNU long link"))
                continue
            raw_name = long_name if long_name is not None else h_name
            raw_link = long_link if long_link is not None else h_link
            xattrs: tuple[tuple[str, bytes], ...] = ()
            if global_pax or pax:
                merged = {**global_pax, **pax}
                if "path" in merged:
                    raw_name = merged["path"]
                if "linkpath" in merged:
                    raw_link = merged["linkpath"]
                if "size" in merged:
                    size = _pax_int(merged["size"], "size")
                if "uid" in merged:
                    uid = _pax_int(merged["uid"], "uid")
                if "gid" in merged:
                    gid = _pax_int(merged["gid"], "gid")
                xattrs = _xattrs(merged)
            pax = {}
            long_name = long_link = None
            problem = ""
            if len(raw_name) > self._limits.max_path_bytes:
                # one entry lost, not the layer: its content is skipped, the rest is read
                problem = (
                    f"tar member name of {len(raw_name)} bytes is over the "
                    f"{self._limits.max_path_bytes}-byte limit; its content was skipped"
                )
                raw_name = raw_name[:100] + b"..."
            kind = _KINDS.get(kb, REGULAR)
            type_flag = "" if kb in _KINDS else kb.decode("latin-1")
            # As tarfile does: only regular (and unknown) members are followed by content.
            data_size = size if kind == REGULAR else 0
            try:
                name = raw_name.decode()
                ok = True
            except UnicodeDecodeError:
                name, ok = _text(raw_name)
            link, ok_link = _text(raw_link) if raw_link else ("", True)
            entry = TarEntry(
                name,
                kind,
                data_size,
                _MODES[mode & 0o7777],
                uid,
                gid,
                link,
                self._offset + self._pos,
                ok and ok_link,
                xattrs,
                type_flag,
                problem,
            )
            self._remaining = data_size
            self._padding = _padded(data_size) - data_size
            yield entry


def index_tar(fileobj: BinaryIO, limits: Limits) -> dict[str, TarEntry]:
    """Read the headers of a seekable tar file, seeking over contents; name -> entry.

    Names are normalised by ``clean_path``; a later duplicate wins, as when extracting.
    At most ``Limits.max_archive_members`` members.
    """
    fileobj.seek(0, 2)
    file_size = fileobj.tell()
    fileobj.seek(0)
    out: dict[str, TarEntry] = {}
    stream = _SeekingTarStream(fileobj, limits, file_size)
    for count, entry in enumerate(stream, 1):
        if count > limits.max_archive_members:
            raise TarError(f"archive has more than {limits.max_archive_members} members")
        key = clean_path(entry.name)
        if key and not entry.problem:  # members outside the root are unreachable by name
            out[key] = entry
    return out


class _SeekingTarStream(TarStream):
    """A ``TarStream`` over a seekable file that seeks over member contents."""

    def __init__(self, fileobj: BinaryIO, limits: Limits, file_size: int) -> None:
        super().__init__(self._read_file, limits)
        self._file = fileobj
        self._file_size = file_size

    def _read_file(self, n: int) -> bytes:
        return self._file.read(min(n, BLOCK * 8))

    def _skip(self, n: int) -> None:
        avail = len(self._buf) - self._pos
        if n <= avail:
            self._pos += n
            return
        target = self._offset + self._pos + n
        if target > self._file_size:
            raise TarError("archive is truncated")
        self._file.seek(target)
        self._offset = target
        self._buf = b""
        self._pos = 0


def clean_path(name: str) -> str | None:
    """A member name as a relative path with no ``.``/``..``; None if it leaves the root."""
    fast = name[2:] if name.startswith("./") else name
    fast = fast.rstrip("/")
    if "/." not in fast and "//" not in fast and not fast.startswith(("/", ".")):
        return fast  # the usual case: nothing to normalise
    parts: list[str] = []
    for part in name.split("/"):
        if not part or part == ".":
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)
