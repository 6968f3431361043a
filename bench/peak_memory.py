"""Peak memory of ``hullcheck scan`` on each class of hostile image (docs/security-model.md).

    PYTHONPATH=src:. python bench/peak_memory.py [--only near-limit] [--work DIR]

Builds each hostile image with the project's image builder (``tests/fixtures/
imagebuilder.py``), then runs ``/usr/bin/time -v hullcheck scan IMAGE --no-vulns
--no-layer-cache -f json --fail-on none`` on it in a fresh process and prints one
Markdown row per image: exit code, peak RSS ("Maximum resident set size") and wall time,
and the first ``hullcheck:`` line on stderr.  The groups:

* ``odd``: valid-but-odd and broken images (small; mostly interpreter start-up);
* ``bombs``: a compression bomb inside one file;
* ``near-limit``: a 240 MiB file of low-entropy bytes (one seeded random byte in 600, a
  ratio near 140, far under the 1000x bomb limit) where each cataloger that reads whole
  files wants it, and where nobody does;
* ``held``: several such files that are all held at once (OS databases are kept until
  the walk ends, one per path);
* ``cached``: a near-limit program the Go cataloger finds packages in, scanned twice with
  the layer cache on (the default).

No pass/fail: the figures are for the page, measured on a quiet machine.
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.fixtures.imagebuilder import (
    Device,
    Dir,
    Fifo,
    File,
    Hardlink,
    Layer,
    Member,
    Whiteout,
    make_image,
)

MiB = 1 << 20
KEY = b'AWS_ACCESS_KEY_ID = "AKIAZ7QWERTYUIOPASDF"\n'


def low_entropy(size: int, seed: int) -> bytes:
    """``size`` bytes of zeros with one seeded random byte in 600 (gzip ratio about 140)."""
    data = bytearray(size)
    data[::600] = random.Random(seed).randbytes(len(range(0, size, 600)))
    return bytes(data)


def rpmdb_sqlite(size: int, seed: int, work: Path) -> bytes:
    """An ``rpmdb.sqlite`` of about ``size`` bytes: a ``Packages(hnum, blob)`` table of 1 MiB
    low-entropy blobs (not valid rpm headers: the memory is what is measured)."""
    path = work / f"rpmdb-{size}.sqlite"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")  # as rpm writes it
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    chunk = low_entropy(MiB, seed)
    con.executemany(
        "INSERT INTO Packages (blob) VALUES (?)", ((chunk,) for _ in range(size // MiB))
    )
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path.read_bytes()


Build = Callable[[Path], list[Layer]]
"""Builds an image's layers when measured (the big ones are built one at a time)."""


def _one(members: Callable[[], list[Member]]) -> Build:
    return lambda _work: [Layer(members())]


ODD: dict[str, Build] = {
    "Latin-1 file name": _one(lambda: [Dir("app"), File(b"app/caf\xe9.py", KEY)]),
    "a character device and a FIFO outside /dev": _one(
        lambda: [Device("opt/null"), Fifo("app/pipe"), File("app/settings.py", KEY)]
    ),
    "unknown type flag Z": _one(lambda: [Member("app/settings.py", b"Z", KEY)]),
    "duplicate entry in one layer": _one(
        lambda: [File("app/settings.py", b"DEBUG = True\n"), File("app/settings.py", KEY)]
    ),
    "an entry before its own .wh. marker": _one(
        lambda: [Dir("app"), File("app/settings.py", KEY), Whiteout("app/settings.py")]
    ),
    "4.2 KB PAX path (over PATH_MAX)": _one(
        lambda: [File("/".join(f"level{i:03}" for i in range(520)) + "/settings.py", KEY)]
    ),
    "10,000 FIFOs and 10,000 Latin-1 names": _one(
        lambda: (
            [Fifo(f"p/f{i}") for i in range(10_000)]
            + [File(f"n/caf\xe9{i}".encode("latin-1"), b"x") for i in range(10_000)]
        )
    ),
    "a 70 KB name": _one(lambda: [File("a" * 70_000, b"x"), File("app/settings.py", KEY)]),
    "a hard link to itself": _one(lambda: [File("app/a", b"x"), Hardlink("app/self", "app/self")]),
}

BOMBS: dict[str, Build] = {
    "250 MiB zero executable, gzip layer": _one(
        lambda: [File("usr/local/bin/tool", bytes(250 * MiB), mode=0o755)]
    ),
    "the same after 130 MiB of random data": _one(
        lambda: [
            File("srv/noise.bin", random.Random(1).randbytes(130 * MiB)),
            File("usr/local/bin/tool", bytes(250 * MiB), mode=0o755),
        ]
    ),
}

NEAR = 240 * MiB
NEAR_LIMIT: dict[str, Build] = {
    "/usr/local/bin/tool, mode 0755 (golang, cargo-auditable)": _one(
        lambda: [File("usr/local/bin/tool", low_entropy(NEAR, 2), mode=0o755)]
    ),
    "/opt/app.jar (java)": _one(lambda: [File("opt/app.jar", low_entropy(NEAR, 3))]),
    "/var/lib/rpm/rpmdb.sqlite (rpm)": lambda work: [
        Layer([File("var/lib/rpm/rpmdb.sqlite", rpmdb_sqlite(NEAR, 4, work))])
    ],
    "/var/lib/rpm/Packages, not a database (rpm)": _one(
        lambda: [File("var/lib/rpm/Packages", low_entropy(NEAR, 5))]
    ),
    "/srv/data.bin, mode 0644 (nobody wants it)": _one(
        lambda: [File("srv/data.bin", low_entropy(NEAR, 6))]
    ),
}


def go_program(size: int, seed: int) -> bytes:
    """``size`` low-entropy bytes carrying Go 1.18+ build information (the inline form the
    Go cataloger finds by content), so the program yields packages."""
    sentinel = "0123456789abcdef"
    mod = f"{sentinel}path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:x=\n{sentinel}"
    info = b"\xff Go buildinf:" + bytes([8, 2]) + bytes(16)
    info += bytes([8]) + b"go1.21.0" + bytes([len(mod)]) + mod.encode()
    data = bytearray(low_entropy(size, seed))
    data[100 * MiB : 100 * MiB + len(info)] = info  # 16-byte aligned, as Go places it
    return bytes(data)


CACHED: dict[str, Build] = {
    "Go build info in a 240 MiB program (golang finds 2 packages)": _one(
        lambda: [File("usr/local/bin/app", go_program(NEAR, 13), mode=0o755)]
    ),
}

RPM_DIRS = ("var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm")
HELD: dict[str, Build] = {
    "rpmdb.sqlite in all three rpm folders, and an executable, 240 MiB each": lambda work: [
        Layer(
            [
                File(f"{d}/rpmdb.sqlite", rpmdb_sqlite(NEAR, 7 + i, work))
                for i, d in enumerate(RPM_DIRS)
            ]
            + [File("usr/local/bin/tool", low_entropy(NEAR, 11), mode=0o755)]
        )
    ],
}

GROUPS = {"odd": ODD, "bombs": BOMBS, "near-limit": NEAR_LIMIT, "held": HELD, "cached": CACHED}
LAYER_CACHE = {"cached"}
"""Groups measured with the layer cache on (twice: recording, then replaying)."""


def measure(reference: str, cache: Path, layer_cache: bool = False) -> tuple[int, int, float, str]:
    cmd = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "hullcheck",
        "scan",
        reference,
        "--no-vulns",
        *([] if layer_cache else ["--no-layer-cache"]),
        "-f",
        "json",
        "--fail-on",
        "none",
        "--cache-dir",
        str(cache),
    ]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    said = [ln for ln in proc.stderr.splitlines() if ln.startswith("hullcheck:")]
    return proc.returncode, int(rss.group(1)) if rss else -1, wall, said[0] if said else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(GROUPS), action="append")
    ap.add_argument("--work", type=Path, help="where images are built (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hullcheck-peak-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print("| group | hostile input | exit | peak RSS | wall | first line on stderr |")
        print("|---|---|---|---|---|---|")
        for group in args.only or list(GROUPS):
            for n, (name, build) in enumerate(GROUPS[group].items()):
                out = work / f"{group}-{n}"
                img = make_image(out, build(work))
                runs = ("first", "second") if group in LAYER_CACHE else ("",)
                for run in runs:
                    code, kb, wall, line = measure(img.reference, work / "cache", bool(run))
                    label = f"{name}, layer cache on, {run} scan" if run else name
                    print(
                        f"| {group} | {label} | {code} | {kb / 1024:.0f} MiB ({kb:,} KB) | "
                        f"{wall:.1f} s | {line[:150]} |",
                        flush=True,
                    )
            if group == "odd":
                img = make_image(
                    work / "odd-config", [Layer([File("a", b"x")])], config={"Env": "PATH=/bin"}
                )
                code, kb, wall, line = measure(img.reference, work / "cache")
                print(
                    f"| odd | config `Env` a string | {code} | {kb / 1024:.0f} MiB ({kb:,} KB) "
                    f"| {wall:.1f} s | {line[:150]} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
