"""Bugs the fuzzing found in code on main, each pinned by a deterministic test."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.errors import ConfigError, DatabaseError, ImageError
from hullcheck.model import Package
from hullcheck.sbom import render as render_sbom
from hullcheck.sources.cache import BlobCache
from hullcheck.sources.digest import digest_of
from hullcheck.sources.registry.credentials import find_credentials
from hullcheck.vulns.importer import import_path, iter_source, iter_zip
from hullcheck.vulns.osv import MAX_RECORD_BYTES

from .mutations import examples

RECORD = {"id": "OSV-1", "modified": "2024-01-01T00:00:00Z"}


def _zip_bytes() -> tuple[bytes, int]:
    """A one-member deflated zip and the offset of the member's compressed data."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OSV-1.json", json.dumps(RECORD) * 20)
    data = out.getvalue()
    name_len, extra_len = struct.unpack_from("<HH", data, 26)
    return data, 30 + name_len + extra_len


def test_corrupt_deflate_data_in_an_osv_zip_is_a_database_error(tmp_path: Path) -> None:
    # was: zlib.error escaped iter_zip (an "internal error" from the CLI)
    data, start = _zip_bytes()
    bad = bytearray(data)
    bad[start] = 0x07  # BFINAL=1, BTYPE=11: an invalid deflate block type
    path = tmp_path / "all.zip"
    path.write_bytes(bytes(bad))
    with pytest.raises(DatabaseError, match="corrupt zip archive"):
        list(iter_zip(path))


def test_encrypted_member_in_an_osv_zip_is_a_database_error(tmp_path: Path) -> None:
    # was: zipfile's RuntimeError ("password required") escaped iter_zip
    data, _ = _zip_bytes()
    bad = bytearray(data)
    cd = bad.rfind(b"PK\x01\x02")
    bad[cd + 8] |= 0x01  # general purpose flag: encrypted
    bad[6] |= 0x01
    path = tmp_path / "all.zip"
    path.write_bytes(bytes(bad))
    with pytest.raises(DatabaseError, match="cannot read zip archive"):
        list(iter_zip(path))


def test_import_of_a_corrupt_zip_leaves_no_database_and_no_temp(tmp_path: Path) -> None:
    data, start = _zip_bytes()
    bad = bytearray(data)
    bad[start] = 0x07
    (tmp_path / "all.zip").write_bytes(bytes(bad))
    db = tmp_path / "db" / "osv.sqlite3"
    with pytest.raises(DatabaseError):
        import_path(db, tmp_path / "all.zip")
    assert list(db.parent.iterdir()) == []


def test_a_huge_single_osv_file_is_not_read_into_memory(tmp_path: Path) -> None:
    # was: --from FILE.json read the whole file (any size) before checking the size
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(MAX_RECORD_BYTES * 4)
    tracemalloc.start()
    try:
        entries = list(iter_source(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert entries == [("huge.json", None)]  # skipped and counted as too large
    assert peak < MAX_RECORD_BYTES * 2


def test_fifo_in_an_osv_folder_is_not_opened(tmp_path: Path) -> None:
    (tmp_path / "OSV-1.json").write_text(json.dumps(RECORD))
    os.mkfifo(tmp_path / "OSV-2.json")
    signal.alarm(10)  # a hang fails the test instead of blocking CI
    try:
        names = [name for name, _ in iter_source(tmp_path)]
    finally:
        signal.alarm(0)
    assert names == ["OSV-1.json"]


def test_deeply_nested_docker_config_is_a_config_error(tmp_path: Path) -> None:
    # was: RecursionError escaped json.loads
    path = tmp_path / "config.json"
    path.write_bytes(b'{"auths":' * 100_000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        find_credentials("docker.io", path)


def test_fifo_as_docker_config_does_not_hang(tmp_path: Path) -> None:
    # was: open() of a FIFO blocked forever waiting for a writer
    path = tmp_path / "config.json"
    os.mkfifo(path)
    signal.alarm(10)
    start = time.monotonic()
    try:
        with pytest.raises(ConfigError, match="not a regular file"):
            find_credentials("docker.io", path)
    finally:
        signal.alarm(0)
    assert time.monotonic() - start < 5


def _planted(tmp_path: Path) -> tuple[BlobCache, Path, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / ("a" * 64)
    victim.write_text("precious")
    old_tmp = tmp_path / "outside-tmp"
    old_tmp.mkdir()
    stale = old_tmp / "blob-leftover"
    stale.write_text("not ours")
    os.utime(stale, (0, 0))
    root = tmp_path / "cache"
    (root / "blobs").mkdir(parents=True)
    (root / "blobs" / "sha256").symlink_to(outside)
    (root / "tmp").symlink_to(old_tmp)
    return BlobCache(root), victim, stale


def test_cache_clean_never_deletes_through_symlinks(tmp_path: Path) -> None:
    # was: blobs/sha256 -> /elsewhere made `hullcheck cache clean` delete /elsewhere/*
    cache, victim, stale = _planted(tmp_path)
    assert cache.clean() == (0, 0)
    assert victim.read_text() == "precious"
    assert stale.exists()


def test_cache_never_writes_through_symlinks(tmp_path: Path) -> None:
    cache, victim, _ = _planted(tmp_path)
    data = b"layer"
    with pytest.raises(ImageError, match="symlink"):
        cache.put(digest_of(data), data)
    assert sorted(p.name for p in victim.parent.iterdir()) == [victim.name]


def test_cache_clean_only_removes_blobs(tmp_path: Path) -> None:
    # `--cache-dir ~` by mistake must not empty ~/tmp or ~/blobs/<anything>
    root = tmp_path / "home"
    (root / "tmp").mkdir(parents=True)
    (root / "blobs" / "sha256").mkdir(parents=True)
    mine = root / "tmp" / "draft.txt"
    mine.write_text("x")
    os.utime(mine, (0, 0))
    notes = root / "blobs" / "sha256" / "notes.txt"
    notes.write_text("x")
    cache = BlobCache(root)
    real = cache.put(digest_of(b"blob"), b"blob")
    assert cache.clean() == (1, 4)
    assert mine.exists() and notes.exists() and not real.exists()


CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@given(names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=5))
@examples(60)
def test_sbom_table_never_passes_terminal_controls(names: list[str]) -> None:
    # was: package names and versions from hostile files went raw to the terminal
    # (ESC sequences, BEL, CR/LF forging extra rows)
    pkgs = tuple(Package(name=n, version=n, type="npm", purl="pkg:npm/x@1") for n in names)
    text = render_sbom(Inventory(Target("directory", "\x1b]0;t\x07root"), pkgs), "table")
    assert not CONTROL.search(text), repr(text)
    assert len(text.splitlines()) == len(names) + 2


def test_unicode_line_separators_do_not_forge_table_rows() -> None:
    # was: U+2028/U+2029 passed through and split a row for any reader using splitlines()
    pkg = Package(name="a\u2028b\u2029c\x85d", version="1", type="npm", purl="pkg:npm/a@1")
    text = render_sbom(Inventory(Target("directory", "r"), (pkg,)), "table")
    assert len(text.splitlines()) == 3
    assert "a\\u2028b\\u2029c\\x85d" in text


def test_cli_error_lines_are_one_visible_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hullcheck.cli import cache as cache_cli
    from hullcheck.cli import main as cli_main

    def boom(args: object) -> int:
        raise ValueError("first line\nsecond \x1b[2J line")

    monkeypatch.setattr(cache_cli, "run", boom)
    assert cli_main.main(["cache", "info"]) == 2
    err = capsys.readouterr().err
    assert err == "hullcheck: internal error: ValueError: first line second \\x1b[2J line\n"

    def hostile(args: object) -> int:
        raise ImageError("bad name \x1b]0;pwned\x07 in layer")

    monkeypatch.setattr(cache_cli, "run", hostile)
    assert cli_main.main(["cache", "info"]) == 2
    err = capsys.readouterr().err
    assert err == "hullcheck: error: bad name \\x1b]0;pwned\\x07 in layer\n"


def test_database_with_a_non_utf8_schema_is_a_database_error(tmp_path: Path) -> None:
    # was: sqlite's error message quoted the damaged schema and decoding it raised
    # UnicodeDecodeError out of VulnDatabase.open
    from hullcheck.vulns.store import VulnDatabase

    src = tmp_path / "r.json"
    src.write_text(json.dumps(RECORD))
    db = tmp_path / "osv.sqlite3"
    import_path(db, src)
    data = db.read_bytes()
    assert b"CREATE TABLE meta" in data
    db.write_bytes(data.replace(b"CREATE TABLE meta", b"CR\xc5ATE TABLE meta"))
    with pytest.raises(DatabaseError), VulnDatabase.open(db) as handle:
        handle.record_count()
