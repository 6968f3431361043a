"""Run the ``hullcheck`` command as a user does: a separate process, its exit code,
its stdout and its stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def hullcheck(*args: str, cwd: Path | None = None, timeout: float = 300) -> Run:
    env = {k: v for k, v in os.environ.items() if k != "HULLCHECK_DEBUG"}
    env["HULLCHECK_NO_PROGRESS"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "hullcheck", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_one_error_line(run: Run, *needles: str) -> str:
    """Exit 2 and stderr that ends with exactly one ``hullcheck: error:`` line (the
    only one), holding every needle."""
    assert run.code == 2, (run.code, run.stderr)
    lines = run.err_lines
    assert lines, "no word on stderr"
    errors = [line for line in lines if line.startswith("hullcheck: error:")]
    assert errors == [lines[-1]], run.stderr
    for needle in needles:
        assert needle in lines[-1], (needle, lines[-1])
    assert "Traceback" not in run.stderr
    return lines[-1]
