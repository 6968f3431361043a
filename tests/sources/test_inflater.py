"""``ForkedInflater``: a layer inflated in a forked process, seen as from the reader.

The same bytes, counters, errors and end as ``LayerReader`` itself (and as the thread of
``prefetch``); a fork that dies, stalls or cannot be made costs time, never a finding.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import zstandard

from hullcheck.errors import ImageError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.report.json_format import render
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources import inflater, layerhelper
from hullcheck.sources.inflater import ForkedInflater
from hullcheck.sources.layerstream import InflationError, LayerReader
from hullcheck.sources.limits import Deadline, Limits, ReadTimeout
from hullcheck.sources.open import SourceOptions
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.imagerules.helpers import NOW
from tests.imagerules.test_secrets import GH_TOKEN

MiB = 1 << 20
PLAIN = b"".join(os.urandom(2048) + b"line of text %d\n" % i * 100 for i in range(3000))


def _reader(stored: bytes, limits: Limits | None = None, digest: str | None = None) -> LayerReader:
    digest = digest or "sha256:" + hashlib.sha256(stored).hexdigest()
    return LayerReader(
        io.BytesIO(stored), digest, len(stored), limits=limits or Limits(), deadline=Deadline(None)
    )


def _stored(how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(PLAIN, compresslevel=1, mtime=0)
    if how == "zstd":
        return zstandard.ZstdCompressor(level=1).compress(PLAIN)
    return PLAIN


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
@pytest.mark.parametrize("n", [4 * MiB, 100_000, 512])
def test_the_walk_gets_the_same_bytes_counters_and_end(how: str, n: int) -> None:
    stored = _stored(how)
    direct = _reader(stored)
    while direct.read(n):
        pass
    direct.finish()
    seen = hashlib.sha256()
    used: list[int] = []
    reader = ForkedInflater(_reader(stored), Deadline(30), seen.update, used.append)
    try:
        parts = []
        taken = 0
        while chunk := reader.read(n):
            assert len(chunk) <= n
            parts.append(chunk)
            taken += len(chunk)
            # counters follow the frames handed out, not how far the fork has read
            assert 0 <= reader.out_count - taken <= inflater.CHUNK
            assert reader.consumed() <= len(stored)
        reader.finish()
    finally:
        reader.close()
    assert b"".join(parts) == PLAIN
    assert seen.hexdigest() == hashlib.sha256(PLAIN).hexdigest()
    assert reader.compression == direct.compression
    assert reader.out_count == direct.out_count == len(PLAIN)
    assert reader.compressed_count == direct.compressed_count == len(stored)
    assert reader.stored_digest() == direct.stored_digest()
    assert sum(used) == len(stored)  # progress: every stored byte, once
    assert _reaped(reader._helper.pid)


def test_an_error_in_the_fork_is_raised_where_the_walk_reaches_it() -> None:
    stored = _stored("gzip")
    broken = stored[: len(stored) // 2] + bytes(1000) + stored[len(stored) // 2 + 1000 :]
    plain = _reader(broken)
    expected = bytearray()
    with pytest.raises(ImageError) as direct:
        while chunk := plain.read(inflater.CHUNK):  # the fork's read size
            expected += chunk
    reader = ForkedInflater(_reader(broken), Deadline(30))
    got = bytearray()
    try:
        with pytest.raises(ImageError) as forked:
            while chunk := reader.read(4 * MiB):
                got += chunk
        assert type(forked.value) is type(direct.value)
        assert str(forked.value) == str(direct.value)
        assert "corrupt gzip layer data" in str(forked.value)
        assert got == expected and len(got) > len(PLAIN) // 4  # what came before, first
        assert reader.read(4 * MiB) == b""  # and nothing after it
    finally:
        reader.close()


def test_a_bomb_is_the_same_error_of_the_same_kind() -> None:
    bomb = zstandard.ZstdCompressor(level=1).compress(bytes(64 * MiB))
    reader = ForkedInflater(_reader(bomb, Limits(max_ratio=100, ratio_grace=MiB)), Deadline(30))
    try:
        with pytest.raises(InflationError, match="decompression bomb"):
            while reader.read(4 * MiB):
                pass
    finally:
        reader.close()


def test_a_blob_that_does_not_match_its_digest_fails_at_the_end() -> None:
    stored = _stored("gzip")
    wrong = "sha256:" + "0" * 64
    reader = ForkedInflater(_reader(stored, digest=wrong), Deadline(30))
    try:
        assert reader.read(4 * MiB)  # the bytes come; nobody vouches for them yet
        with pytest.raises(ImageError, match="does not match its digest"):
            reader.finish()
        with pytest.raises(ImageError):
            reader.stored_digest()
    finally:
        reader.close()


def test_a_fork_that_dies_is_an_error_of_this_layer_not_a_hang(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def dies(reader: LayerReader, send: Any) -> None:
        os._exit(9)  # as kill -9 or the OOM killer would

    monkeypatch.setattr(inflater, "_inflate", dies)
    reader = ForkedInflater(_reader(_stored("gzip")), Deadline(30))
    try:
        with pytest.raises(ImageError, match="stopped without a word"):
            reader.read(4 * MiB)
    finally:
        reader.close()
    assert _reaped(reader._helper.pid)


@pytest.mark.parametrize("end", [b"not json", b'{"kind": "ImageError"}', b"[]", b'{"count": 1}'])
def test_a_garbled_end_from_the_fork_is_an_error_not_a_crash(
    end: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def garbled(reader: LayerReader, send: Any) -> None:
        for kind in (inflater._ERROR, inflater._END):
            send(inflater._HEAD.pack(kind, 0, 0))
            send(end)
            if kind == inflater._ERROR and end == b'{"count": 1}':
                break

    monkeypatch.setattr(inflater, "_inflate", garbled)
    reader = ForkedInflater(_reader(_stored("gzip")), Deadline(30))
    try:
        with pytest.raises(ImageError, match="garbled end"):
            reader.finish()
    finally:
        reader.close()


def test_a_stalled_fork_is_waited_for_until_the_deadline_then_killed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stalls(reader: LayerReader, send: Any) -> None:
        time.sleep(60)

    monkeypatch.setattr(inflater, "_inflate", stalls)
    reader = ForkedInflater(_reader(_stored("gzip")), Deadline(0.5))
    started = time.monotonic()
    try:
        with pytest.raises(ReadTimeout):
            reader.read(4 * MiB)
    finally:
        reader.close()
    assert time.monotonic() - started < 5
    assert _reaped(reader._helper.pid)


# -- in a scan -------------------------------------------------------------------------


def _image(tmp_path: Path) -> str:
    # incompressible content: the layer's stored bytes are over the fork threshold
    big = os.urandom(3 * MiB)
    layer = Layer(
        [
            Dir("app"),
            File("app/blob.bin", big),
            File("app/settings.py", f"TOKEN = '{GH_TOKEN}'\n".encode()),
            File("app/tool", b"#!/bin/sh\n", mode=0o4755),
        ]
    )
    return make_image(tmp_path / "img", [layer], config={"User": "app"}).reference


def _doc(ref: str, cache: Path, parallel: bool) -> dict[str, Any]:
    request = ScanRequest(
        ref,
        options=SourceOptions(cache_dir=cache, parallel=parallel),
        settings=ScanSettings(now=NOW),
        layer_cache=False,
    )
    doc: dict[str, Any] = json.loads(render(scan_image(request)))
    return doc


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the inflating forks made in this process."""
    pids: list[int] = []
    real = ForkedInflater.__init__

    def spy(self: ForkedInflater, *args: Any, **kwargs: Any) -> None:
        real(self, *args, **kwargs)
        pids.append(self._helper.pid)

    monkeypatch.setattr(ForkedInflater, "__init__", spy)
    return pids


def test_a_scan_reports_the_same_with_the_fork(tmp_path: Path, forks: list[int]) -> None:
    ref = _image(tmp_path)
    alone = _doc(ref, tmp_path / "c1", parallel=False)
    assert forks == []
    forked = _doc(ref, tmp_path / "c2", parallel=True)
    assert len(forks) == 1
    assert forked == alone
    assert "github-token" in {f["rule"] for f in forked["findings"]}
    assert all(_reaped(pid) for pid in forks)


def test_no_process_to_spare_means_the_thread_inflates(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _image(tmp_path)
    alone = _doc(ref, tmp_path / "c1", parallel=False)
    monkeypatch.setattr(layerhelper.os, "fork", _no_fork)
    assert _doc(ref, tmp_path / "c2", parallel=True) == alone
    assert forks == []


class _Progress:
    def __init__(self) -> None:
        self.total = 0
        self.read = 0
        self.layers: list[int] = []

    def start(self, layers: int, total_bytes: int) -> None:
        self.total = total_bytes

    def layer(self, index: int) -> None:
        self.layers.append(index)

    def advance(self, nbytes: int) -> None:
        self.read += nbytes

    def stop(self) -> None:
        pass


@pytest.mark.parametrize("can_fork", [True, False])
def test_progress_counts_every_stored_byte_once(
    tmp_path: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch, can_fork: bool
) -> None:
    if not can_fork:
        monkeypatch.setattr(layerhelper.os, "fork", _no_fork)
    progress = _Progress()
    request = ScanRequest(
        _image(tmp_path),
        options=SourceOptions(cache_dir=tmp_path / "c", parallel=True),
        settings=ScanSettings(now=NOW),
        layer_cache=False,
        progress=progress,
    )
    scan_image(request)
    assert len(forks) == (1 if can_fork else 0)
    assert progress.total > MiB
    assert progress.read == progress.total
    assert set(progress.layers) == {0}


def _no_fork() -> int:
    raise BlockingIOError(11, "Resource temporarily unavailable")  # EAGAIN


def test_a_real_single_layer_image_reports_the_same(
    test_images: Path, tmp_path: Path, forks: list[int]
) -> None:
    ref = f"oci:{test_images}/oci:debian-minbase"
    forked = _doc(ref, tmp_path / "c1", parallel=True)
    assert len(forks) == 1
    assert forked == _doc(ref, tmp_path / "c2", parallel=False)
    assert forked["packages"]


def test_beside_a_helper_and_for_small_layers_the_thread_inflates(
    test_images: Path, tmp_path: Path, forks: list[int]
) -> None:
    # a third busy process on two cores was measured slower; a fork costs more than a
    # small layer's inflating
    _doc(f"oci:{test_images}/oci:python-npm", tmp_path / "c1", parallel=True)
    small = make_image(tmp_path / "small", [Layer([File("a", b"a" * 1000)])]).reference
    _doc(small, tmp_path / "c2", parallel=True)
    assert forks == []
