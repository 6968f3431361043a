"""A compression bomb inside one file of an ordinary layer costs bounded memory.

The layer-wide ratio check never sees a 128 MiB zero-filled "executable" padded with
ordinary data, and the binary catalogers read executables up to 256 MiB.  The walker
checks the file's own inflation ratio once ``Limits.file_ratio_grace`` of it has been
gathered: past ``max_ratio`` the file is read no further, not offered to any analyser,
and reported as not examined (exit 2).  The content buffer is never sized from the tar
header up front either: a header may declare 250 MiB of zeros.
"""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from hullcheck.sources.limits import Limits, MiB
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.fuzz.cli_harness import World
from tests.sources.helpers import Collector, read

OS_RELEASE = File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n")
BIG = 256 * MiB  # what the binary catalogers ask for


def _wanting_everything(col: Collector) -> list[Subscription]:
    return [Subscription("all", col, all_entries=True, max_size=BIG)]


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_zero_filled_file_is_cut_at_the_grace_and_reported(
    tmp_path: Path, compression: str
) -> None:
    img = make_image(
        tmp_path / "img",
        [
            Layer(
                [OS_RELEASE, File("usr/bin/tool", bytes(96 * MiB), mode=0o755), File("z", b"1")],
                compression=compression,
            )
        ],
    )
    col = Collector()
    tracemalloc.start()
    try:
        # the layer-wide check is out of the way: only the file's own ratio can stop it
        result = read(img.reference, _wanting_everything(col), Limits(ratio_grace=1 << 40))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * MiB, peak // MiB  # the grace (16 MiB) and a few chunks, not 96 MiB
    errors = [e for e in result.errors if e.path == "/usr/bin/tool"]
    assert len(errors) == 1 and "compression bomb inside the layer" in errors[0].message
    assert "not examined" in errors[0].message
    offered = [p for p, _, _ in col.seen]
    assert "/usr/bin/tool" not in offered  # nothing from it reaches an analyser
    assert "/z" in offered  # the rest of the layer is read
    assert not result.complete


def test_large_files_of_ordinary_data_are_read_whole(tmp_path: Path) -> None:
    data = os.urandom(MiB) * 24  # compresses ~1:1 (the repeat is beyond gzip's window)
    img = make_image(tmp_path / "img", [Layer([File("usr/bin/tool", data, mode=0o755)])])
    col = Collector()
    result = read(img.reference, _wanting_everything(col))
    assert result.complete and not result.errors
    assert col.seen == [("/usr/bin/tool", 0, data)]


def test_uncompressed_layers_are_not_ratio_checked(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "img", [Layer([File("usr/bin/tool", bytes(24 * MiB))], compression="none")]
    )
    col = Collector()
    result = read(img.reference, _wanting_everything(col))
    assert result.complete and col.seen[0][2] == bytes(24 * MiB)  # stored bytes are real


def test_cli_sbom_of_a_file_bomb_stays_small_and_says_why(tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    pad = os.urandom(MiB) * 8  # ordinary data first: the layer-wide ratio stays low
    make_image(
        w.work / "img",
        [
            Layer(
                [
                    OS_RELEASE,
                    File("srv/pad", pad),
                    File("usr/local/bin/tool", bytes(128 * MiB), mode=0o755),
                ]
            )
        ],
    )
    run = w.run("sbom", "oci:img", "-f", "json", timeout=120)
    assert run.code == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("hullcheck: error:")]
    assert len(errors) == 1 and "/usr/local/bin/tool: a compression bomb" in errors[0]
    # before: the 128 MiB buffer was allocated from the header, then filled (313 MB peak
    # with 250 MiB); now the grace and a few chunks beyond the interpreter
    assert run.max_rss_kib < 140 * 1024, run.max_rss_kib // 1024
