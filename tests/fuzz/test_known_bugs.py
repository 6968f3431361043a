"""Hostile-input failures in code other branches own (cli/scan.py, sources' walker and
layer stream), pinned as strict xfails for the lead to route.  When the owner fixes one,
its test XPASSes, which fails the run: then drop the marker."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hullcheck.sources.layerstream import OUT_SIZE, READ_SIZE
from hullcheck.sources.limits import Limits, MiB
from tests.fixtures.imagebuilder import File, Layer, make_image

from .cli_harness import World
from .test_bounds import _bomb, _drain

OS_RELEASE = File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n")


def test_partial_scan_explains_itself_on_stderr(tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    good = Layer([OS_RELEASE])
    bad = Layer([File("a", b"x" * 5000)], blob=b"\x1f\x8b\x08\x00garbage")
    make_image(w.work / "img", [good, bad])
    run = w.run("scan", "oci:img", "--format", "json")  # fixed on the scan branch
    assert run.code == 2
    assert json.loads(run.stdout)["summary"]["complete"] is False
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("hullcheck: ") for line in lines), run.stderr


def test_large_data_files_are_not_buffered(tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    data = (bytes(range(256)) * 4096) * 150  # 150 MiB, mode 0644: not a program
    make_image(
        w.work / "img", [Layer([OS_RELEASE, File("srv/data.bin", data)], compression="none")]
    )
    del data
    run = w.run("sbom", "oci:img", "-f", "json", timeout=120)
    assert run.code == 0, run.stderr
    assert run.max_rss_kib < 140 * 1024, f"peak RSS {run.max_rss_kib // 1024} MiB"


def test_gzip_bomb_is_caught_right_after_the_grace_period() -> None:
    limits = Limits()
    try:
        _drain(_bomb(), limits)
    except Exception as err:  # the message carries the figure
        inflated = int(str(err).split("inflated to ")[1].split()[0])
    else:
        raise AssertionError("bomb not caught")
    assert inflated <= limits.ratio_grace + OUT_SIZE + READ_SIZE, inflated // MiB


def test_a_fifo_path_is_refused_as_a_local_file(tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    os.mkfifo(w.work / "image.fifo")
    run = w.run("scan", "image.fifo", timeout=60)
    assert run.code == 2
    assert "registry" not in run.stderr and "not a regular file" in run.stderr, run.stderr
