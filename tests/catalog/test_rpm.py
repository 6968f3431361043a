"""The rpm cataloger on real rpmdbs written by Debian's rpm 4.18 tools.

rpm 4.18 on Debian writes only the sqlite backend (``bdb_ro`` is read-only, ndb is not
built), so: sqlite is written by ``rpm -i --justdb``; the Berkeley DB ``Packages`` is
written by libdb's own ``db5.3_load`` (package db5.3-util) from the header blobs rpm
stored; the ndb ``Packages.db`` is assembled here following rpm's
``lib/backend/ndb/rpmpkg.c`` layout, as no tool on Debian writes one.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
from pathlib import Path

import pytest

from hullcheck.catalog import rpm, rpmdb
from hullcheck.catalog.base import CatalogContext, Distro
from hullcheck.catalog.rpmheader import parse_header
from hullcheck.sources.spool import SpooledFile

from .helpers import ref

SPEC = """Name: {name}
Version: 1.2
Release: {release}
{epoch}
Summary: test
License: MIT AND (BSD-3-Clause OR GPL-2.0-or-later)
BuildArch: noarch
%description
test
%files
"""
RHEL = Distro(id="rhel", version_id="9.4")


def tiny_header(name: str, version: str, release: str) -> bytes:
    """A minimal header blob (three string tags), small enough to sit inside a BDB page."""
    store = b""
    entries = b""
    for tag, text in ((1000, name), (1001, version), (1002, release)):
        entries += struct.pack(">iIiI", tag, 6, len(store), 1)
        store += text.encode() + b"\0"
    return struct.pack(">II", 3, len(store)) + entries + store


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not shutil.which("rpmbuild") or not shutil.which("rpm"):
        pytest.skip("rpm tools not installed")
    tmp = tmp_path_factory.mktemp("rpm")
    for name, release, epoch in (("hello", "3.el9", "Epoch: 2"), ("world", "1", "")):
        spec = tmp / f"{name}.spec"
        spec.write_text(SPEC.format(name=name, release=release, epoch=epoch))
        subprocess.run(
            ["rpmbuild", "-bb", "--define", f"_topdir {tmp / 'top'}", str(spec)],
            check=True,
            capture_output=True,
        )
    dbpath = tmp / "db"
    dbpath.mkdir()
    subprocess.run(["rpm", "--initdb", "--dbpath", str(dbpath)], check=True)
    rpms = sorted(str(p) for p in (tmp / "top").rglob("*.rpm"))
    subprocess.run(
        ["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--dbpath", str(dbpath), *rpms],
        check=True,
        capture_output=True,
    )
    return dbpath / "rpmdb.sqlite"


def _blobs(sqlite_path: Path) -> list[tuple[int, bytes]]:
    con = sqlite3.connect(sqlite_path)
    try:
        return list(con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum"))
    finally:
        con.close()


def _check(pkgs: list, extra: set[str] = frozenset()) -> None:  # type: ignore[type-arg]
    by_name = {p.name: p for p in pkgs}
    assert set(by_name) == {"hello", "world", *extra}
    hello = by_name["hello"]
    assert hello.version == "2:1.2-3.el9"
    assert hello.purl == (
        "pkg:rpm/rhel/hello@1.2-3.el9?arch=noarch&distro=rhel-9.4&epoch=2"
        "&upstream=hello-1.2-3.el9.src.rpm"
    )
    assert (hello.source_name, hello.source_version) == ("hello", "1.2-3.el9")
    assert hello.licenses == ("MIT AND (BSD-3-Clause OR GPL-2.0-or-later)",)
    assert by_name["world"].version == "1.2-1"


def test_sqlite_written_by_rpm(sqlite_db: Path) -> None:
    data = sqlite_db.read_bytes()
    pkgs = rpm.parse(ref("/var/lib/rpm/rpmdb.sqlite", data), data, CatalogContext(distro=RHEL))
    _check(pkgs)


def _db_load(tmp_path: Path, items: list[tuple[int, bytes]], page_size: int) -> bytes:
    if not shutil.which("db5.3_load"):
        pytest.skip("db5.3_load (db5.3-util) not installed")
    lines = ["VERSION=3", "format=bytevalue", "type=hash", f"db_pagesize={page_size}", "HEADER=END"]
    for key, blob in items:
        lines += [" " + struct.pack("<I", key).hex(), " " + blob.hex()]
    lines.append("DATA=END")
    out = tmp_path / "Packages"
    subprocess.run(["db5.3_load", str(out)], input="\n".join(lines) + "\n", text=True, check=True)
    return out.read_bytes()


def test_berkeley_db_written_by_libdb(sqlite_db: Path, tmp_path: Path) -> None:
    items = [*_blobs(sqlite_db), (99, tiny_header("tiny", "0.1", "1"))]
    data = _db_load(tmp_path, items, page_size=512)  # small pages: real overflow chains
    assert rpmdb.is_bdb_hash(data)
    pkgs = rpm.parse(ref("/var/lib/rpm/Packages", data), data, CatalogContext(distro=RHEL))
    _check(pkgs, extra={"tiny"})


def _ndb(blobs: list[bytes]) -> bytes:
    slot_pages = 1
    slots = bytearray(struct.pack("<4sIII", b"RpmP", 0, 1, slot_pages) + b"\0" * 16)
    body = bytearray()
    next_block = slot_pages * 4096 // 16
    for index, blob in enumerate(blobs, start=1):
        block = struct.pack("<4sIII", b"BlbS", index, 0, len(blob)) + blob
        block += b"\0" * (-len(block) % 16 + 16)  # the tail rpm keeps after each blob
        slots += struct.pack("<4sIII", b"Slot", index, next_block, len(block) // 16)
        body += block
        next_block += len(block) // 16
    while len(slots) < slot_pages * 4096:
        slots += struct.pack("<4sIII", b"Slot", 0, 0, 0)
    return bytes(slots + body)


def test_ndb_layout(sqlite_db: Path) -> None:
    data = _ndb([blob for _, blob in _blobs(sqlite_db)])
    pkgs = rpm.parse(
        ref("/usr/lib/sysimage/rpm/Packages.db", data), data, CatalogContext(distro=RHEL)
    )
    _check(pkgs)


def test_hostile_inputs_raise_value_error() -> None:
    with pytest.raises(ValueError):
        list(rpmdb.header_blobs(b"garbage" * 100))
    with pytest.raises(ValueError):
        parse_header(struct.pack(">II", 10**6, 10))
    with pytest.raises(ValueError):
        parse_header(struct.pack(">II", 1, 4) + struct.pack(">iIiI", 1000, 6, 0, 1) + b"abcd")
    bad_ndb = bytearray(_ndb([tiny_header("a", "1", "1")]))
    bad_ndb[32 + 8 : 32 + 12] = struct.pack("<I", 10**8)  # slot points far past the end
    with pytest.raises(ValueError):
        list(rpmdb.ndb_blobs(bytes(bad_ndb)))


def test_source_rpm_split_and_wants() -> None:
    assert rpm.split_source_rpm("bash-5.1.8-9.el9.src.rpm") == ("bash", "5.1.8-9.el9")
    assert rpm.split_source_rpm("weird") is None
    assert rpm.wants("/var/lib/rpm/rpmdb.sqlite")
    assert rpm.wants("/usr/lib/sysimage/rpm/Packages.db")
    assert not rpm.wants("/var/lib/rpm/Name")


def test_gpg_pubkey_entries_skipped() -> None:
    data = _ndb([tiny_header("gpg-pubkey", "fd431d51", "4ae0493b"), tiny_header("a", "1", "2")])
    pkgs = rpm.parse(ref("/var/lib/rpm/Packages.db"), data, CatalogContext())
    assert [(p.name, p.version, p.purl) for p in pkgs] == [("a", "1-2", "pkg:rpm/redhat/a@1-2")]


def _spooled(tmp_path: Path, data: bytes) -> SpooledFile:
    spool = SpooledFile.create(tmp_path / "spool")
    spool.write(data)
    return spool.seal()


def test_spooled_databases_read_as_in_memory(sqlite_db: Path, tmp_path: Path) -> None:
    """A database over Limits.spill_bytes comes spooled: every format gives the packages
    and owners it gives from bytes, and the named copy SQLite needs is gone afterwards."""
    blobs = _blobs(sqlite_db)
    forms = {
        "/var/lib/rpm/rpmdb.sqlite": sqlite_db.read_bytes(),
        "/var/lib/rpm/Packages": _db_load(tmp_path, blobs, page_size=512),
        "/usr/lib/sysimage/rpm/Packages.db": _ndb([blob for _, blob in blobs]),
    }
    context = CatalogContext(distro=RHEL)
    for path, data in forms.items():
        spool = _spooled(tmp_path, data)
        from_bytes = rpm.parse(ref(path, data), data, context)
        assert from_bytes
        assert rpm.parse(ref(path, data), spool, context) == from_bytes, path
        wanted = rpm.owners(data, context, lambda _: True)
        assert rpm.owners(spool, context, lambda _: True) == wanted, path
        assert os.listdir(tmp_path / "spool") == []
