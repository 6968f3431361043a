"""Catalog the real test images with hullcheck and syft 1.18.1, package by package.

Each image (an OCI per-tag layout under $HULLCHECK_TEST_IMAGES) is unpacked once with
umoci into a temporary directory; hullcheck catalogues the rootfs and syft scans
``dir:`` of the same rootfs, both timed in this run.  Prints the agreement on
(purl type, name, version) for OS packages and for Python/npm packages, lists every
difference, and the two times with their ratio.

    python bench/catalog_vs_syft.py [IMAGE ...]     (default: debian-minbase python-npm)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from hullcheck.catalog.collector import catalog_directory
from hullcheck.catalog.compare import OS_TYPES, Comparison, compare
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.sbom_input import read_sbom
from hullcheck.model import Package

IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", "/work/cache/test-images"))
SYFT = os.environ.get("SYFT", shutil.which("syft") or "/work/venv/bin/syft")
LANG_TYPES = {"pypi", "npm"}


def unpack(image: str, dest: Path) -> Path:
    layout = IMAGES / "oci-per-tag" / image
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{layout}:{image}", str(dest)],
        check=True,
        capture_output=True,
    )
    return dest / "rootfs"


def run_syft(rootfs: Path, out: Path) -> tuple[list[Package], float]:
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    start = time.perf_counter()
    subprocess.run(
        [SYFT, "scan", f"dir:{rootfs}", "-q", "-o", f"cyclonedx-json={out}"],
        check=True,
        capture_output=True,
        env=env,
    )
    elapsed = time.perf_counter() - start
    return list(read_sbom(out).packages), elapsed


def run_hullcheck(rootfs: Path) -> tuple[list[Package], float]:
    start = time.perf_counter()
    result = catalog_directory(rootfs, CATALOGERS)
    return result.packages, time.perf_counter() - start


def compare_image(image: str, work: Path) -> tuple[Comparison, float, float]:
    rootfs = unpack(image, work / image)
    ours, t_ours = run_hullcheck(rootfs)
    theirs, t_theirs = run_syft(rootfs, work / f"{image}.syft.cdx.json")
    return compare(ours, theirs), t_ours, t_theirs


def main(argv: list[str]) -> int:
    images = argv or ["debian-minbase", "python-npm"]
    with tempfile.TemporaryDirectory(prefix="hullcheck-bench-") as tmp:
        for image in images:
            comp, t_ours, t_theirs = compare_image(image, Path(tmp))
            print(f"== {image}")
            print(f"  OS packages:        {comp.restricted(OS_TYPES).summary()}")
            print(f"  Python/npm:         {comp.restricted(LANG_TYPES).summary()}")
            print(f"  all types:          {comp.summary()}")
            for k in sorted(comp.only_ours):
                print(f"  only hullcheck: {k}")
            for k in sorted(comp.only_theirs):
                print(f"  only syft:      {k}")
            ratio = t_theirs / t_ours if t_ours else float("inf")
            print(
                f"  time: hullcheck {t_ours:.2f}s  syft {t_theirs:.2f}s"
                f"  (syft/hullcheck {ratio:.1f}x)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
