"""Catalog the real test images with hullcheck and syft 1.18.1, package by package.

Two modes, both timed in the same run for hullcheck and syft:

* ``image``: hullcheck ``sbom oci:LAYOUT`` (the single-pass layer walker) against
  ``syft scan oci-dir:LAYOUT`` on each per-tag OCI layout under $HULLCHECK_TEST_IMAGES;
* ``dir``: the layout unpacked once with umoci into a temporary directory, hullcheck's
  ``catalog_directory`` against ``syft scan dir:`` of the same rootfs.

Prints the agreement on (purl type, name, version) for OS packages and for Python/npm
packages, every difference, and the two times with their ratio.

    python bench/catalog_vs_syft.py [--mode image|dir|both] [IMAGE ...]
        (default: both modes; debian-minbase python-npm secret-deleted python-npm-zstd)
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
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.sbom_input import read_sbom
from hullcheck.model import Package
from hullcheck.sbom import inventory_for_image
from tests.support.catalog_compare import OS_TYPES, Comparison, compare

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


def run_syft(target: str, out: Path) -> tuple[list[Package], float]:
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    start = time.perf_counter()
    subprocess.run(
        [SYFT, "scan", target, "-q", "-o", f"cyclonedx-json={out}"],
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


def compare_dir(image: str, work: Path) -> tuple[Comparison, float, float]:
    rootfs = unpack(image, work / image)
    ours, t_ours = run_hullcheck(rootfs)
    theirs, t_theirs = run_syft(f"dir:{rootfs}", work / f"{image}.dir.cdx.json")
    shutil.rmtree(work / image, ignore_errors=True)
    return compare(ours, theirs), t_ours, t_theirs


def compare_oci(image: str, work: Path) -> tuple[Comparison, float, float]:
    layout = IMAGES / "oci-per-tag" / image
    start = time.perf_counter()
    ours = list(inventory_for_image(f"oci:{layout}:{image}").packages)
    t_ours = time.perf_counter() - start
    theirs, t_theirs = run_syft(f"oci-dir:{layout}", work / f"{image}.oci.cdx.json")
    return compare(ours, theirs), t_ours, t_theirs


def report(title: str, comp: Comparison, t_ours: float, t_theirs: float) -> None:
    print(f"== {title}")
    print(f"  OS packages:  {comp.restricted(OS_TYPES).summary()}")
    print(f"  Python/npm:   {comp.restricted(LANG_TYPES).summary()}")
    print(f"  all types:    {comp.summary()}")
    for k in sorted(comp.only_ours):
        print(f"  only hullcheck: {k}")
    for k in sorted(comp.only_theirs):
        print(f"  only syft:      {k}")
    ratio = t_theirs / t_ours if t_ours else float("inf")
    print(f"  time: hullcheck {t_ours:.2f}s  syft {t_theirs:.2f}s  (syft/hullcheck {ratio:.1f}x)")


def main(argv: list[str]) -> int:
    mode = "both"
    if len(argv) >= 2 and argv[0] == "--mode":
        mode, argv = argv[1], argv[2:]
    images = argv or ["debian-minbase", "python-npm", "secret-deleted", "python-npm-zstd"]
    with tempfile.TemporaryDirectory(prefix="hullcheck-bench-") as tmp:
        for image in images:
            if mode in ("image", "both"):
                report(f"{image} (image)", *compare_oci(image, Path(tmp)))
            if mode in ("dir", "both"):
                try:
                    report(f"{image} (dir)", *compare_dir(image, Path(tmp)))
                except subprocess.CalledProcessError as err:
                    # umoci 0.4 cannot unpack zstd layers; the image mode still compares
                    print(f"== {image} (dir): umoci unpack failed: {err.stderr!r:.200}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
