"""Against hadolint itself: files hadolint cannot parse are read by hullcheck."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hullcheck.lint import Linter

ROOT = Path(__file__).resolve().parents[2]


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.skip("hadolint not installed")
    return found


@pytest.mark.peer
def test_readme_demo_breaks_hadolint_but_not_hullcheck() -> None:
    demo = ROOT / "examples" / "Dockerfile"
    proc = subprocess.run(
        [_hadolint(), "--no-fail", "--format", "json", str(demo)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    codes = {r["code"] for r in json.loads(proc.stdout or "[]")}
    assert codes == {"DL1000"}  # hadolint stops at the COPY after the heredoc terminator
    result = Linter().lint_text(demo.read_text(), str(demo))
    rules = {f.rule for f in result.findings}
    assert "HC0001" not in rules
    assert {"HC1001", "HC2001", "HC5001"} <= rules
    assert max(f.location.line or 0 for f in result.findings) >= 20  # past hadolint's stop
