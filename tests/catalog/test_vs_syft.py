"""Agreement with syft 1.18.1 on a real image, package by package (type, name, version)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hullcheck.catalog.sbom_input import read_sbom
from tests.support.catalog_compare import OS_TYPES, compare

from .helpers import catalog_dir

SYFT = shutil.which("syft") or "/work/venv/bin/syft"


@pytest.mark.images
@pytest.mark.peer
def test_python_npm_image_agrees_with_syft(test_images: Path, tmp_path: Path) -> None:
    if not Path(SYFT).exists() or not shutil.which("umoci"):
        pytest.skip("syft or umoci not installed")
    layout = test_images / "oci-per-tag" / "python-npm"
    subprocess.run(
        ["umoci", "unpack", "--rootless", "--image", f"{layout}:python-npm", str(tmp_path / "b")],
        check=True,
        capture_output=True,
    )
    rootfs = tmp_path / "b" / "rootfs"
    ours = catalog_dir(rootfs).packages
    out = tmp_path / "syft.cdx.json"
    subprocess.run(
        [SYFT, "scan", f"dir:{rootfs}", "-q", "-o", f"cyclonedx-json={out}"],
        check=True,
        capture_output=True,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    theirs = read_sbom(out).packages
    comp = compare(ours, theirs)
    os_comp = comp.restricted(OS_TYPES)
    lang_comp = comp.restricted({"pypi", "npm"})
    print(f"\nOS: {os_comp.summary()}\nPython/npm: {lang_comp.summary()}")
    for k in sorted(comp.only_ours | comp.only_theirs):
        print("  differs:", k, "ours" if k in comp.only_ours else "syft")
    assert len(os_comp.both) >= 100  # the Debian base really was catalogued by both
    assert len(lang_comp.both) >= 10
    assert os_comp.agreement >= 0.99
    assert lang_comp.agreement >= 0.99


@pytest.mark.images
@pytest.mark.peer
def test_python_npm_image_mode_agrees_with_syft(test_images: Path, tmp_path: Path) -> None:
    from hullcheck.sbom import inventory_for_image

    if not Path(SYFT).exists():
        pytest.skip("syft not installed")
    layout = test_images / "oci-per-tag" / "python-npm"
    ours = inventory_for_image(f"oci:{layout}:python-npm")
    out = tmp_path / "syft.cdx.json"
    subprocess.run(
        [SYFT, "scan", f"oci-dir:{layout}", "-q", "-o", f"cyclonedx-json={out}"],
        check=True,
        capture_output=True,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )
    comp = compare(ours.packages, read_sbom(out).packages)
    print(f"\nimage mode: {comp.summary()}")
    assert comp.restricted(OS_TYPES).agreement >= 0.99
    assert comp.restricted({"pypi", "npm"}).agreement >= 0.99
    assert len(comp.both) >= 110
    assert ours.target.digest == read_sbom(out).target.digest
