"""``PrefetchingReader``: the layer inflated in a second thread, seen as from the reader."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import threading
import time
from pathlib import Path

import pytest
import zstandard

from hullcheck.errors import ImageError
from hullcheck.sources.layerstream import InflationError, LayerReader
from hullcheck.sources.limits import Deadline, Limits
from hullcheck.sources.prefetch import CHUNK, DEPTH, PrefetchingReader
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import BuiltImage, File, Layer, make_image
from tests.sources.helpers import Collector, read

MiB = 1 << 20
# half random (incompressible), half text: many chunks of either kind
PLAIN = b"".join(os.urandom(2048) + b"line of text %d\n" % i * 100 for i in range(3000))


def _reader(stored: bytes, limits: Limits | None = None) -> LayerReader:
    digest = "sha256:" + hashlib.sha256(stored).hexdigest()
    return LayerReader(
        io.BytesIO(stored),
        digest,
        len(stored),
        limits=limits or Limits(),
        deadline=Deadline(None),
    )


def _stored(how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(PLAIN, compresslevel=1, mtime=0)
    return zstandard.ZstdCompressor(level=1).compress(PLAIN)


@pytest.mark.parametrize("how", ["gzip", "zstd"])
@pytest.mark.parametrize("n", [4 * MiB, 100_000, 512])
def test_the_walk_gets_the_same_bytes_in_reads_no_larger_than_asked(how: str, n: int) -> None:
    reader = PrefetchingReader(_reader(_stored(how)))
    try:
        parts = []
        taken = 0
        while chunk := reader.read(n):
            assert len(chunk) <= n
            parts.append(chunk)
            taken += len(chunk)
            # counters follow what was handed out (to the end of its chunk), not the thread
            assert 0 <= reader.out_count - taken < 4 * MiB
        assert b"".join(parts) == PLAIN
        reader.finish()
        assert reader.out_count == len(PLAIN)
        assert 0 < reader.consumed() <= reader.compressed_count
    finally:
        reader.close()


def test_counters_are_those_of_the_chunks_handed_out_not_of_the_read_ahead() -> None:
    reader = PrefetchingReader(_reader(_stored("gzip")))
    try:
        first = reader.read(4 * MiB)
        # give the thread time to run ahead and fill its queue
        for _ in range(100):
            if reader._queue.full():
                break
            threading.Event().wait(0.01)
        assert reader._queue.full()
        assert reader.out_count == len(first)
        assert reader.consumed() < reader.compressed_count  # the thread read further
    finally:
        reader.close()


def test_the_tap_sees_every_chunk_in_order() -> None:
    seen = hashlib.sha256()
    reader = PrefetchingReader(_reader(_stored("zstd")), seen.update)
    try:
        reader.read(1000)  # the walk stops early: finish() still reads to the end
        reader.finish()
    finally:
        reader.close()
    assert seen.hexdigest() == hashlib.sha256(PLAIN).hexdigest()
    assert reader.out_count == len(PLAIN)


def test_an_error_met_ahead_is_raised_where_the_walk_reaches_it() -> None:
    stored = _stored("gzip")
    broken = stored[: len(stored) // 2] + bytes(1000) + stored[len(stored) // 2 + 1000 :]
    plain = _reader(broken)
    expected = bytearray()
    with pytest.raises(ImageError, match="corrupt gzip layer data") as direct:
        while chunk := plain.read(CHUNK):  # the thread's read size
            expected += chunk
    reader = PrefetchingReader(_reader(broken))
    got = bytearray()
    try:
        with pytest.raises(ImageError, match="corrupt gzip layer data") as ahead:
            while chunk := reader.read(4 * MiB):
                got += chunk
        assert str(ahead.value) == str(direct.value)
        assert len(got) > len(PLAIN) // 4
        assert got == expected  # everything before the damage came first
        assert reader.read(4 * MiB) == b""  # and nothing after it
    finally:
        reader.close()


def test_a_bomb_found_ahead_is_the_same_error() -> None:
    bomb = zstandard.ZstdCompressor(level=1).compress(bytes(64 * MiB))
    reader = PrefetchingReader(_reader(bomb, Limits(max_ratio=100, ratio_grace=MiB)))
    try:
        with pytest.raises(InflationError, match="decompression bomb"):
            while reader.read(4 * MiB):
                pass
    finally:
        reader.close()


def test_close_mid_layer_stops_the_thread_with_its_queue_full() -> None:
    before = threading.active_count()
    reader = PrefetchingReader(_reader(_stored("gzip")))
    reader.read(512)
    for _ in range(100):
        if reader._queue.qsize() >= DEPTH:
            break
        threading.Event().wait(0.01)
    reader.close()
    assert not reader._thread.is_alive()
    assert threading.active_count() == before


def test_a_scan_reads_every_layer_through_it(tmp_path: Path) -> None:
    """The walk's own use: a gzip and a zstd layer of several chunks, content intact."""
    big = os.urandom(5 * MiB)
    img = make_image(
        tmp_path / "i",
        [
            Layer([File("a/big.bin", big), File("a/t.txt", b"one")], compression="gzip"),
            Layer([File("b/big.bin", big[::-1]), File("b/t.txt", b"two")], compression="zstd"),
        ],
    )
    col = Collector()
    sub = Subscription("all", col, all_entries=True, max_size=8 * MiB)
    result = read(img.reference, [sub])
    assert not result.errors
    got = {path: data for path, _, data in col.seen}
    assert got["/a/big.bin"] == big and got["/b/big.bin"] == big[::-1]
    assert got["/b/t.txt"] == b"two"
    # the whole tar, trailing blocks included, whether or not a layer cache is on
    assert [s.uncompressed_size for s in result.view.stats] == [
        len(_tar(img, 0)),
        len(_tar(img, 1)),
    ]


def _tar(img: BuiltImage, index: int) -> bytes:
    stored = img.blobs[img.layer_digests[index]]
    if stored[:2] == b"\x1f\x8b":
        return gzip.decompress(stored)
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(stored)).read()


class _Stalled(io.RawIOBase):
    """A registry stream that gives its first bytes, then stops answering."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        self.release = threading.Event()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head[:n], self.head[n:]
            return data
        self.release.wait(30)
        return b""


def test_close_does_not_wait_for_a_read_stuck_in_a_slow_registry() -> None:
    stored = _stored("gzip")
    raw = _Stalled(stored[: 2 * MiB])
    inner = LayerReader(
        raw,  # type: ignore[arg-type]
        "sha256:" + hashlib.sha256(stored).hexdigest(),
        len(stored),
        limits=Limits(),
        deadline=Deadline(None),
    )
    reader = PrefetchingReader(inner)
    assert reader.read(1000)  # the walk has begun; the thread is now stuck reading
    started = time.monotonic()
    reader.close()  # as after an error found in the tar
    assert time.monotonic() - started < 3
    raw.release.set()  # the socket answers at last: the thread sees the stop and ends
    reader._thread.join(5)
    assert not reader._thread.is_alive()
