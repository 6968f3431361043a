"""An image of very many tiny files: the merged view's cost per path is what bounds a
scan's memory, and past ``--max-entries`` the view stops growing and the run says so
(issue 11: every hostile input under 256 MB, one error line, exit 2)."""

from __future__ import annotations

import gzip
from pathlib import Path

from .cli_harness import World

FILES = 400_000
KEPT = 300_000


def _header(name: bytes, type_flag: bytes, mode: int) -> bytes:
    """A ustar header: written by hand because ``tarfile`` takes ~10 s for 400,000."""
    block = bytearray(512)
    block[0 : len(name)] = name
    block[100:108] = b"%07o\0" % mode
    block[108:116] = b"0000000\0"
    block[116:124] = b"0000000\0"
    block[124:136] = b"00000000000\0"
    block[136:148] = b"00000000000\0"
    block[148:156] = b" " * 8
    block[156:157] = type_flag
    block[257:265] = b"ustar\x0000"
    block[148:156] = b"%06o\0 " % sum(block)
    return bytes(block)


def _rootfs(path: Path, files: int) -> None:
    with gzip.open(path, "wb", compresslevel=1) as out:
        for d in range(files // 1000):
            out.write(_header(b"data/d%04d/" % d, b"5", 0o755))
            out.write(
                b"".join(
                    _header(b"data/d%04d/file-%06d.txt" % (d, f), b"0", 0o644) for f in range(1000)
                )
            )
        out.write(bytes(1024))


def test_a_view_of_many_paths_stays_small_and_says_where_it_stopped(tmp_path: Path) -> None:
    w = World(tmp_path / "w")
    _rootfs(w.work / "many.tar.gz", FILES)
    run = w.run(
        "scan",
        "rootfs:many.tar.gz",
        "--no-vulns",
        "--no-layer-cache",
        "--max-entries",
        str(KEPT),
        "-f",
        "json",
        timeout=180,
    )
    assert run.code == 2, run.stderr
    errors = [line for line in run.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and f"more than {KEPT} paths" in errors[0], run.stderr
    assert "Traceback" not in run.stderr
    # 300,000 paths kept: 113 MiB measured; an object per path (and every file's versions
    # listed for the waste table) took this run to 231 MiB
    assert run.max_rss_kib < 150 * 1024, f"peak RSS {run.max_rss_kib // 1024} MiB"
    assert run.new_files == []
