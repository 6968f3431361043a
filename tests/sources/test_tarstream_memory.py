"""A large member's content is read into one buffer: one copy at the peak, not two."""

from __future__ import annotations

import io
import os
import tarfile
import tracemalloc

import pytest

from hullcheck.sources.limits import Limits
from hullcheck.sources.tarstream import TarError, TarStream

MiB = 1 << 20


def _tar(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class _Stepped:
    """A forward-only source returning at most ``step`` bytes a call (a decompressor)."""

    def __init__(self, raw: bytes, step: int) -> None:
        self._src = io.BytesIO(raw)
        self._step = step

    def read(self, n: int) -> bytes:
        return self._src.read(min(n, self._step))


def test_large_member_spanning_chunks_is_exact_and_read_with_one_copy() -> None:
    big = os.urandom(MiB) * 48
    raw = _tar([("a", b"x" * 1000), ("big", big), ("z", b"tail")])
    stream = TarStream(_Stepped(raw, 1 * MiB).read, Limits())
    seen: dict[str, bytes] = {}
    before = peak = 0
    tracemalloc.start()
    try:
        for entry in stream:
            if entry.name == "big":
                tracemalloc.reset_peak()
                before = tracemalloc.get_traced_memory()[0]
            seen[entry.name] = stream.read_content(entry.size)
            if entry.name == "big":
                peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert seen == {"a": b"x" * 1000, "big": big, "z": b"tail"}
    # gathering chunks then joining them peaked at twice the member
    assert peak < len(big) + 8 * MiB, peak / MiB


def test_member_cut_by_a_limit_and_truncated_stream() -> None:
    data = bytes(range(256)) * 40_000
    raw = _tar([("f", data), ("g", b"next")])
    stream = TarStream(_Stepped(raw, 333_333).read, Limits())
    got = {e.name: stream.read_content(7_000_001) for e in stream}
    assert got == {"f": data[:7_000_001], "g": b"next"}
    cut = TarStream(_Stepped(raw[: 5 * MiB], 333_333).read, Limits())
    entry = next(iter(cut))
    with pytest.raises(TarError, match="truncated"):
        cut.read_content(entry.size)
