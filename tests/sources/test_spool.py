"""SpooledFile: content too large to hold, read back by offset from an unnamed file."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from hullcheck.sources import spool as spool_module
from hullcheck.sources.spool import SpooledFile


def _spool(tmp_path: Path, data: bytes) -> SpooledFile:
    spool = SpooledFile.create(tmp_path / "spool")
    for i in range(0, len(data), 1000):
        spool.write(data[i : i + 1000])
    return spool.seal()


def test_reads_like_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 50
    spool = _spool(tmp_path, data)
    assert len(spool) == len(data)
    assert spool[0] == data[0] and spool[-1] == data[-1] and spool[300] == data[300]
    assert spool[10:20] == data[10:20]
    assert spool[len(data) - 5 : len(data) + 50] == data[-5:]
    assert spool.pread(len(data), 10) == b"" and spool.pread(-1, 10) == b""
    with pytest.raises(IndexError):
        spool[len(data)]
    with spool.open() as handle:
        assert handle.read() == data
    with pytest.raises(ValueError):
        spool.write(b"more")


def test_find_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool_module, "CHUNK", 64)
    needle = b"\xff Go buildinf:"
    data = bytearray(1000)
    data[60:74] = needle  # straddles the first 64-byte window
    data[500:514] = needle
    spool = _spool(tmp_path, bytes(data))
    assert spool.find(needle) == bytes(data).find(needle) == 60
    assert spool.find(needle, 61) == 500
    assert spool.find(needle, 501) == -1
    assert spool.find(b"absent") == -1


def test_leaves_no_file_behind(tmp_path: Path) -> None:
    spool = _spool(tmp_path, b"secret content" * 100)
    assert os.listdir(tmp_path / "spool") == []  # O_TMPFILE: never had a name
    assert (tmp_path / "spool").stat().st_mode & 0o077 == 0
    handle = spool.open()
    assert handle.read(6) == b"secret"
    handle.close()
    spool.close()
    assert spool.closed
    gc.collect()
    assert os.listdir(tmp_path / "spool") == []
