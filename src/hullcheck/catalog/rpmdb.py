"""The three rpmdb backends, each reduced to "give me every header blob": pure Python.

* ``rpmdb.sqlite`` (RHEL 9, Fedora 33+): table ``Packages(hnum, blob)``, opened from
  bytes with ``sqlite3.deserialize``; one too large to hold (spooled by the walker) is
  opened read-only from a private named copy in the cache, removed after reading.
* ``Packages`` (Berkeley DB hash, RHEL <= 8, CentOS, Amazon Linux 2): the values are
  header blobs kept on overflow-page chains referenced from hash pages.
* ``Packages.db`` (ndb, SUSE): a slot table pointing at ``BlbS`` blobs in 16-byte blocks.

The other two are read by offset from any ``ByteSource`` (bytes, or a spooled file: only
the pages and blobs read are then in memory).  Layouts follow libdb's ``db_page.h`` and
rpm's ``lib/backend/ndb/rpmpkg.c``; every offset, page number and length is checked, and
page chains are bounded.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import urllib.parse
from collections.abc import Callable, Iterator

from hullcheck.catalog.base import ByteSource
from hullcheck.sources.spool import SpooledFile

MAX_BLOB = 64 * 1024 * 1024

# -- sqlite --------------------------------------------------------------------------------
SQLITE_MAGIC = b"SQLite format 3\0"


def _packages_table(con: sqlite3.Connection) -> Iterator[bytes]:
    """Every header blob of an opened rpmdb.sqlite; closes the connection."""
    try:
        con.execute("PRAGMA query_only = 1")
        for (blob,) in con.execute("SELECT blob FROM Packages ORDER BY hnum"):
            if isinstance(blob, bytes) and len(blob) <= MAX_BLOB:
                yield blob
    except sqlite3.DatabaseError as err:
        raise ValueError(f"unreadable rpmdb.sqlite: {err}") from None
    finally:
        con.close()


def sqlite_blobs(data: bytes) -> Iterator[bytes]:
    if not data.startswith(SQLITE_MAGIC):
        raise ValueError("not an SQLite database")
    image = bytearray(data)
    if len(image) >= 20:
        image[18] = image[19] = 1  # WAL -> rollback journal: an in-memory copy cannot use WAL
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(bytes(image))
    except sqlite3.DatabaseError as err:
        con.close()
        raise ValueError(f"unreadable rpmdb.sqlite: {err}") from None
    yield from _packages_table(con)


def spooled_sqlite_blobs(spool: SpooledFile) -> Iterator[bytes]:
    """As :func:`sqlite_blobs`, for a database too large to hold: SQLite reads its pages
    from a private copy (immutable, read-only: no journal, no lock, no WAL file)."""
    with spool.named_copy() as path:
        if len(spool) >= 20:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.pwrite(fd, b"\x01\x01", 18)  # WAL -> rollback journal, as in memory
            finally:
                os.close(fd)
        uri = f"file:{urllib.parse.quote(str(path))}?mode=ro&immutable=1"
        try:
            con = sqlite3.connect(uri, uri=True)
        except sqlite3.DatabaseError as err:
            raise ValueError(f"unreadable rpmdb.sqlite: {err}") from None
        yield from _packages_table(con)


# -- Berkeley DB hash ---------------------------------------------------------------------
BDB_HASH_MAGIC = 0x061561
_PAGE_HEADER = 26
_P_HASH_UNSORTED, _P_OVERFLOW, _P_HASH = 2, 7, 13
_H_KEYDATA, _H_OFFPAGE = 1, 3
_VALID_PAGE_SIZES = {512 << i for i in range(8)}


def is_bdb_hash(data: ByteSource) -> bool:
    if len(data) < 512:
        return False
    head = data[:16]
    return BDB_HASH_MAGIC in (
        struct.unpack_from("<I", head, 12)[0],
        struct.unpack_from(">I", head, 12)[0],
    )


def bdb_blobs(data: ByteSource) -> Iterator[bytes]:
    if not is_bdb_hash(data):
        raise ValueError("not a Berkeley DB hash database")
    meta = data[:64]
    e = "<" if struct.unpack_from("<I", meta, 12)[0] == BDB_HASH_MAGIC else ">"
    page_size = struct.unpack_from(e + "I", meta, 20)[0]
    last_page = struct.unpack_from(e + "I", meta, 32)[0]
    if page_size not in _VALID_PAGE_SIZES:
        raise ValueError(f"unexpected Berkeley DB page size {page_size}")
    pages = len(data) // page_size
    last_page = min(last_page, pages - 1)

    def page(no: int) -> bytes:
        return data[no * page_size : (no + 1) * page_size]

    for no in range(1, last_page + 1):
        pg = page(no)
        if pg[25] not in (_P_HASH, _P_HASH_UNSORTED):
            continue
        entries = struct.unpack_from(e + "H", pg, 20)[0]
        if _PAGE_HEADER + 2 * entries > page_size:
            raise ValueError("Berkeley DB hash page index overflows the page")
        offsets = struct.unpack_from(e + f"{entries}H", pg, _PAGE_HEADER)
        for i in range(1, entries, 2):  # items alternate key, value: keep the values
            item = offsets[i]
            if item >= page_size:
                continue
            if pg[item] == _H_KEYDATA:
                # a small value stored on the page: it runs up to the previous item
                end = offsets[i - 1] if offsets[i - 1] > item else page_size
                yield pg[item + 1 : end]
                continue
            if item + 12 > page_size or pg[item] != _H_OFFPAGE:
                continue
            first, total = struct.unpack_from(e + "II", pg, item + 4)
            if total > MAX_BLOB:
                raise ValueError("rpm header larger than 64 MiB")
            yield _overflow_chain(page, first, total, pages, e)


def _overflow_chain(
    page: Callable[[int], bytes], first: int, total: int, pages: int, e: str
) -> bytes:
    out = bytearray()
    seen: set[int] = set()
    no = first
    while no and len(out) < total:
        if no in seen or no >= pages:
            raise ValueError("broken Berkeley DB overflow chain")
        seen.add(no)
        pg = page(no)
        if pg[25] != _P_OVERFLOW:
            raise ValueError("Berkeley DB overflow chain reaches a non-overflow page")
        next_no = struct.unpack_from(e + "I", pg, 16)[0]
        used = struct.unpack_from(e + "H", pg, 22)[0]  # bytes of data on this page
        out += pg[_PAGE_HEADER : _PAGE_HEADER + used]
        no = next_no
    return bytes(out[:total])


# -- ndb ----------------------------------------------------------------------------------
NDB_MAGIC = b"RpmP"
_SLOT_MAGIC = b"Slot"
_BLOB_MAGIC = b"BlbS"
_MAX_SLOT_PAGES = 2048


def is_ndb(data: ByteSource) -> bool:
    return data[:4] == NDB_MAGIC


def ndb_blobs(data: ByteSource) -> Iterator[bytes]:
    if not is_ndb(data) or len(data) < 32:
        raise ValueError("not an rpm ndb Packages.db")
    version, _generation, slot_pages = struct.unpack_from("<III", data[:16], 4)
    if version != 0 or not 0 < slot_pages <= _MAX_SLOT_PAGES:
        raise ValueError("unsupported ndb header")
    slots_end = min(slot_pages * 4096, len(data))
    slots = data[:slots_end]  # at most 8 MiB
    for off in range(32, slots_end - 15, 16):  # the header occupies the first two slots
        magic, pkg_index, blk_offset, _blk_count = struct.unpack_from("<4sIII", slots, off)
        if magic != _SLOT_MAGIC:
            raise ValueError("bad ndb slot")
        if pkg_index == 0:
            continue
        start = blk_offset * 16
        if start + 16 > len(data):
            raise ValueError("ndb slot points past the end of the file")
        bmagic, bindex, _cksum, length = struct.unpack("<4sIII", data[start : start + 16])
        if bmagic != _BLOB_MAGIC or bindex != pkg_index:
            raise ValueError(f"ndb blob for package {pkg_index} is missing")
        if length > MAX_BLOB or start + 16 + length > len(data):
            raise ValueError("ndb blob out of range")
        yield data[start + 16 : start + 16 + length]


def header_blobs(data: ByteSource) -> Iterator[bytes]:
    """Every header blob of an rpmdb in any of the three formats (sniffed by magic)."""
    if data[: len(SQLITE_MAGIC)] == SQLITE_MAGIC:
        if isinstance(data, SpooledFile):
            return spooled_sqlite_blobs(data)
        return sqlite_blobs(data[: len(data)])  # bytes: the whole slice is the object itself
    if is_ndb(data):
        return ndb_blobs(data)
    if is_bdb_hash(data):
        return bdb_blobs(data)
    raise ValueError("not an rpm database (sqlite, Berkeley DB hash or ndb)")
