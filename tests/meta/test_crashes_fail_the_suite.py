"""A check that crashes must fail its tests: the suites are re-run with every check raising.

Each case runs a child pytest with ``-p tests.meta.every_check_raises`` (every lint
rule's ``check``, image rule family's analyser or cataloger's ``parse`` raises) on the
test modules of that kind of check, and demands that not one of their tests passes.
Before the test helpers failed on unexpected diagnostics, 173 of the 328 rule-table
tests passed with every rule raising (the near misses: "must not fire" held because the
rule crashed); see docs/diagnostics.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES = {
    "rules": ["tests/lint/rules"],
    "analysers": [
        "tests/imagerules/test_hygiene.py",
        "tests/imagerules/test_buildtools.py",
        "tests/imagerules/test_secrets.py",
    ],
    "catalogers": [
        "tests/catalog/test_collector.py::test_distro_and_deferred_parse",
        "tests/catalog/test_collector.py::test_a_failing_parser_costs_one_file",
        "tests/catalog/test_collector.py::test_directory_driver_does_not_follow_symlinks",
    ],
}


def _child(what: str, targets: list[str]) -> tuple[int, dict[str, int], str]:
    env = {**os.environ, "HULLCHECK_RAISE": what}
    env.pop("HULLCHECK_DEBUG", None)
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "tests.meta.every_check_raises", *targets],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error)", last)}
    return proc.returncode, counts, last


@pytest.mark.parametrize("what", sorted(CASES))
def test_every_test_fails_when_every_check_raises(what: str) -> None:
    code, counts, last = _child(what, CASES[what])
    assert code == 1, last
    assert counts.get("failed", 0) > 0, last
    assert counts.get("passed", 0) == 0, last
