"""The test-image builder lives in the project: a clone builds its images without ../shared."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "scripts" / "make-test-images.sh"


def test_builder_is_valid_bash_and_names_its_usage() -> None:
    subprocess.run(["bash", "-n", str(BUILDER)], check=True)
    done = subprocess.run(
        ["bash", str(BUILDER)], check=False, capture_output=True, text=True, timeout=30
    )
    assert done.returncode != 0
    assert "usage: make-test-images.sh OUTDIR" in done.stderr


def test_test_script_builds_images_with_the_in_repo_builder() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "bash scripts/make-test-images.sh" in script
    assert "tools/make-test-images.sh" not in script
    # the override other worktrees rely on keeps working
    assert "HULLCHECK_TEST_IMAGES=${HULLCHECK_TEST_IMAGES:-" in script
