"""Shared test fixtures: where shared/ and the real test images live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared"))
TEST_IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", ROOT / ".cache" / "test-images"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared/ folder (corpus, OSV records, version vectors, tools)."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def test_images() -> Path:
    """The images built by shared/tools/make-test-images.sh (scripts/test.sh builds them)."""
    if not (TEST_IMAGES / "MANIFEST.txt").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"test images missing at {TEST_IMAGES}: scripts/test.sh builds them")
        pytest.skip(f"test images not built at {TEST_IMAGES}")
    return TEST_IMAGES
