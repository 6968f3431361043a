"""Non-crash properties with real sizes: a 1 GiB gzip bomb layer, a huge dpkg status,
FIFOs, devices and symlink loops in a rootfs.  Each stays bounded in memory and time
(generous budgets that only a hang or an unbounded buffer would break) and says what
it skipped."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from hullcheck.catalog.collector import catalog_directory
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.errors import ImageError
from hullcheck.sources.layerstream import OUT_SIZE, READ_SIZE, InflationError, LayerReader
from hullcheck.sources.limits import Deadline, GiB, Limits, MiB
from hullcheck.sources.tarstream import TarStream
from tests.fixtures.imagebuilder import File, Layer, build_tar, header, make_image, sha

from .cli_harness import World
from .test_cli_hostile import assert_nothing_left

MEMBER = 16 * MiB
BOMB_SIZE = 1 * GiB


def _bomb() -> bytes:
    """A gzip layer inflating to a 1 GiB tar (one file of zeros), ~1 MB stored.

    Built as 64 concatenated gzip members of 16 MiB of zeros each (valid gzip, as layers
    may be), so that it takes 0.2 s to make instead of compressing 1 GiB."""
    zeros = gzip.compress(bytes(MEMBER), compresslevel=9, mtime=0)
    first_body = header(b"bomb", b"0", BOMB_SIZE - 1024) + bytes(MEMBER - 512)
    first = gzip.compress(first_body, compresslevel=9, mtime=0)
    # the tar: header + content (BOMB - 1024 bytes) + 512 bytes of end-of-archive blocks
    return first + zeros * (BOMB_SIZE // MEMBER - 1)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb()


def _drain(stored: bytes, limits: Limits) -> tuple[int, int]:
    reader = LayerReader(
        io.BytesIO(stored), sha(stored), len(stored), limits=limits, deadline=Deadline(300)
    )
    tar = TarStream(reader.read, limits)
    for _ in tar:
        pass  # content skipped, as for an entry no analyser wants
    reader.finish()
    return reader.out_count, reader.compressed_count


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


def test_gzip_bomb_is_stopped_by_the_ratio_limit(bomb: bytes, traced: None) -> None:
    limits = Limits()
    with pytest.raises(InflationError, match="decompression bomb") as info:
        _drain(bomb, limits)
    peak = tracemalloc.get_traced_memory()[1]
    assert peak < len(bomb) + 32 * MiB, peak  # the stored blob itself + a few chunks
    # caught before the end: the ratio is taken against the stored bytes consumed so far
    # (test_known_bugs pins that it is caught right after the grace period)
    inflated = int(str(info.value).split("inflated to ")[1].split()[0])
    assert limits.ratio_grace < inflated
    assert inflated <= max(limits.ratio_grace, limits.max_ratio * (READ_SIZE + 64)) + OUT_SIZE


def test_a_gigabyte_layer_streams_in_bounded_memory(bomb: bytes, traced: None) -> None:
    """With the ratio check off (--max-ratio raised), the whole 1 GiB is read by streaming."""
    out, stored = _drain(bomb, Limits(max_ratio=10**9))
    peak = tracemalloc.get_traced_memory()[1]
    assert out == BOMB_SIZE and stored == len(bomb)
    assert peak < len(bomb) + 32 * MiB, peak


def test_per_layer_inflation_limit(bomb: bytes) -> None:
    with pytest.raises(InflationError, match="per layer"):
        _drain(bomb, Limits(max_ratio=10**9, max_layer_bytes=256 * MiB))


def _bomb_image(w: World, bomb: bytes) -> str:
    ok = Layer([File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n")])
    make_image(w.work / "bomb", [ok, Layer([File("x", b"")], stored=bomb)])
    return "oci:bomb"


def test_scan_of_a_bomb_image_is_bounded_and_reported(bomb: bytes, tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    run = w.run("scan", _bomb_image(w, bomb), "--format", "json", timeout=120)
    assert run.code == 2, run.stderr
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    report = json.loads(run.stdout)
    assert report["summary"]["complete"] is False
    assert any("decompression bomb" in e["message"] for e in report["errors"])
    assert run.max_rss_kib < 128 * 1024, run.max_rss_kib
    assert_nothing_left(run)


def test_sbom_of_a_bomb_image_is_bounded_and_warns(bomb: bytes, tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    run = w.run("sbom", _bomb_image(w, bomb), "-f", "json", timeout=120)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    # partly read: exit 2 as scan does, and the SBOM of what was read is still written
    assert run.code == 2, run.stderr
    document = json.loads(run.stdout)
    assert document["summary"]["complete"] is False and document["errors"]
    lines = run.stderr.splitlines()
    assert lines and lines[-1].startswith("hullcheck: error: incomplete check:")
    assert not any(line.startswith("hullcheck: error:") for line in lines[:-1])
    assert any("decompression bomb" in line for line in lines)
    # the binary catalogers read a candidate file up to 256 MiB (see test_known_bugs)
    assert run.max_rss_kib < 400 * 1024, run.max_rss_kib
    assert_nothing_left(run)


def _status(packages: int) -> bytes:
    rec = (
        b"Package: p%07d\nStatus: install ok installed\nArchitecture: amd64\n"
        b"Version: 1.0-%d\nDescription: x\n\n"
    )
    return b"".join(rec % (i, i) for i in range(packages))


def test_huge_dpkg_status_in_a_rootfs_is_not_read_and_is_reported(tmp_path: Path) -> None:
    status = tmp_path / "var" / "lib" / "dpkg" / "status"
    status.parent.mkdir(parents=True)
    with status.open("wb") as fh:
        fh.write(_status(10))
        fh.truncate(200 * MiB)  # sparse: 200 MiB that costs no disk
    tracemalloc.start()
    try:
        result = catalog_directory(tmp_path, CATALOGERS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.packages == []
    assert peak < 16 * MiB, peak
    (err,) = result.errors
    assert "over the 67108864-byte limit; not read" in err.message


def test_huge_dpkg_status_in_an_image_is_reported(tmp_path: Path) -> None:
    from hullcheck.sbom import inventory_for

    body = _status(1) + b"\n" * (64 * MiB)  # just over dpkg's 64 MiB limit
    # stored uncompressed: 64 MiB of newlines in gzip would be a bomb inside the layer,
    # stopped by the walker before dpkg's own size limit is reached
    layer = Layer([File("var/lib/dpkg/status", body)], compression="none")
    img = make_image(tmp_path / "i", [layer])
    inv = inventory_for(img.reference)
    assert inv.packages == ()
    assert any(
        d.kind == "catalog-unreadable" and "dpkg" in d.message and "not read" in d.message
        for d in inv.diagnostics
    )
    assert not inv.complete


def test_largest_dpkg_status_read_is_bounded(tmp_path: Path) -> None:
    """Just under the limit, parsing is linear: ~16k packages (a large real system has 3k)."""
    body = _status(16_000)
    root = tmp_path / "r"
    (root / "var" / "lib" / "dpkg").mkdir(parents=True)
    (root / "var" / "lib" / "dpkg" / "status").write_bytes(body)
    signal.alarm(60)
    try:
        result = catalog_directory(root, CATALOGERS)
    finally:
        signal.alarm(0)
    assert len(result.packages) == 16_000


def test_fifo_and_device_in_a_rootfs_are_not_opened(tmp_path: Path) -> None:
    dpkg = tmp_path / "var" / "lib" / "dpkg"
    dpkg.mkdir(parents=True)
    os.mkfifo(dpkg / "status")
    apk = tmp_path / "lib" / "apk" / "db"
    apk.mkdir(parents=True)
    os.symlink("/dev/zero", apk / "installed")
    os.symlink("/dev/stdin", tmp_path / "etc-os-release")
    signal.alarm(10)  # opening the FIFO for reading would block forever
    try:
        result = catalog_directory(tmp_path, CATALOGERS)
    finally:
        signal.alarm(0)
    assert result.packages == [] and result.errors == []


def test_symlink_loops_in_a_rootfs_terminate(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    os.symlink("..", tmp_path / "a" / "up")
    os.symlink("loop", tmp_path / "loop")
    os.symlink(str(tmp_path), tmp_path / "a" / "abs")
    signal.alarm(10)
    try:
        result = catalog_directory(tmp_path, CATALOGERS)
    finally:
        signal.alarm(0)
    assert result.packages == []


@pytest.mark.parametrize("window_log", [28, 31])
def test_zstd_frames_asking_for_a_huge_window_are_refused(window_log: int) -> None:
    """A zstd frame may declare a window of up to 2 GiB (memory the decoder must allocate);
    zstd's default limit of 128 MiB (2^27) refuses larger ones before allocating."""
    import zstandard

    tar = build_tar([File("a", b"x" * 100_000)])
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=window_log, enable_ldm=True, write_content_size=False
    )
    out = io.BytesIO()
    with zstandard.ZstdCompressor(compression_params=params).stream_writer(
        out, closefd=False
    ) as writer:
        writer.write(tar)
    stored = out.getvalue()
    assert zstandard.get_frame_parameters(stored).window_size == 1 << window_log
    with pytest.raises(ImageError, match="too much memory"):
        _drain(stored, Limits())
