#!/usr/bin/env python3
"""Benchmark: vulnerability matching speed and OSV import throughput.

Builds a database holding every record in shared/osv (npm, Debian and Alpine native data
converted by the test fixture builder), timing ``db update --from`` per source (records/s);
then times ``match_packages`` for (a) every package of the python-npm test image (pip
dist-info and node_modules, when the images are built) and (b) 1,000 synthetic packages
with real names taken from the advisories (PyPI, npm, Go, Debian, Alpine), at old and new
versions.  Peers (grype, trivy, osv-scanner) need their own online databases and are not
installed here: no peer time is printed, and the script says so.

Usage: bench/vulns_match.py [SHARED_DIR] [IMAGES_DIR]
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from hullcheck.model import Package  # noqa: E402
from hullcheck.vulns.distro import Distro  # noqa: E402
from hullcheck.vulns.importer import import_path  # noqa: E402
from hullcheck.vulns.matcher import match_packages  # noqa: E402
from hullcheck.vulns.store import VulnDatabase  # noqa: E402
from tests.vulns import osv_fixtures  # noqa: E402


def build(shared: Path, work: Path) -> Path:
    osv = shared / "osv"
    conv = osv_fixtures.convert_native(osv, work / "converted")
    db = work / "bench.sqlite3"
    total_records, total_time = 0, 0.0
    for label, folder in (
        ("PyPI YAML", osv / "pypi/pypa-advisory-database/vulns"),
        ("Go JSON", osv / "go/golang-vulndb"),
        ("Red Hat", osv / "redhat/osv-schema-fixtures"),
        ("converted npm/DSA/DLA/Alpine JSON", conv),
    ):
        start = time.perf_counter()
        stats = import_path(db, folder)
        took = time.perf_counter() - start
        total_records += stats.records
        total_time += took
        print(
            f"import {label:36s} {stats.records:6d} records {stats.skipped:3d} skipped "
            f"{took:6.2f} s  {stats.records / took:8.0f} records/s"
        )
    print(
        f"import total {total_records} records in {total_time:.2f} s: "
        f"{total_records / total_time:.0f} records/s; db {db.stat().st_size / 1e6:.1f} MB"
    )
    return db


def synthetic(db: VulnDatabase, count: int = 1000) -> tuple[list[Package], list[Package]]:
    rows = db._conn.execute("SELECT DISTINCT ecosystem, name FROM affected").fetchall()
    rng = random.Random(1)
    rng.shuffle(rows)
    lang: list[Package] = []
    deb: list[Package] = []
    for eco, name in rows:
        old = rng.random() < 0.5
        if eco == "PyPI":
            v = "1.0" if old else "9999.0"
            lang.append(Package(name, v, "pypi", f"pkg:pypi/{name}@{v}"))
        elif eco == "npm":
            v = "0.0.1" if old else "999.0.0"
            lang.append(Package(name, v, "npm", f"pkg:npm/{name}@{v}"))
        elif eco == "Go":
            v = "v0.0.1" if old else "v999.0.0"
            lang.append(Package(name, v, "golang", f"pkg:golang/{name}@{v}"))
        elif eco == "Debian":
            v = "0.1-1" if old else "99:1-1"
            deb.append(
                Package(
                    f"lib{name}",
                    v,
                    "deb",
                    f"pkg:deb/debian/lib{name}@{v}",
                    source_name=name,
                    source_version=v,
                )
            )
    half = count // 2
    return lang[:half], deb[: count - min(half, len(lang))]


def timed(packages: list[Package], db_path: Path, distro: Distro | None) -> tuple[float, int]:
    """Median wall time of 5 runs (each on a fresh handle: no warm record cache); also
    prints the CPU time, which other processes on a loaded machine do not inflate."""
    runs, cpu = [], []
    found = 0
    for _ in range(5):
        with VulnDatabase.open(db_path) as db:
            start, start_cpu = time.perf_counter(), time.process_time()
            found = len(match_packages(packages, db, distro))
            runs.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    print(f"  (cpu {statistics.median(cpu) * 1000:.0f} ms median; load {os.getloadavg()[0]:.1f})")
    return statistics.median(runs), found


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    images = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as tmp:
        db_path = build(shared, Path(tmp))
        with VulnDatabase.open(db_path) as db:
            print(f"database: {db.record_count()} records")
            lang, deb = synthetic(db)
        bullseye = Distro("debian", "11", "bullseye")
        packages = lang + deb
        took, found = timed(packages, db_path, bullseye)
        print(
            f"match {len(packages)} synthetic real-name packages ({len(lang)} language, "
            f"{len(deb)} Debian): {took * 1000:.0f} ms median of 5, {found} findings"
        )
        if images and (images / "oci" / "index.json").is_file():
            from tests.vulns.test_matcher import _image_python_npm_packages  # noqa: PLC0415

            start = time.perf_counter()
            image_pkgs = _image_python_npm_packages(images)
            read = time.perf_counter() - start
            took, found = timed(image_pkgs, db_path, None)
            print(
                f"match python-npm image: {len(image_pkgs)} packages (read from layers in "
                f"{read:.2f} s): {took * 1000:.1f} ms median of 5, {found} findings"
            )
        print(
            "peer: grype/trivy/osv-scanner not installed and their databases need the "
            "network; no peer time (ratio n/a)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
