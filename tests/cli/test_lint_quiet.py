"""``hullcheck lint -q``: silent when the exit code is 0, the full report when it is not."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import hullcheck

PINNED = "FROM debian:bookworm-slim@sha256:" + "a" * 64 + '\nUSER 1000\nCMD ["true"]\n'
UNPINNED = "FROM node:latest\nRUN echo hi\n"


def test_quiet_prints_nothing_when_the_lint_passes(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(PINNED)
    loud = hullcheck("lint", str(dockerfile))
    assert loud.code == 0 and "HC7002" in loud.stdout  # an info finding, below fail-on
    quiet = hullcheck("lint", "-q", str(dockerfile))
    assert quiet.code == 0
    assert quiet.stdout == ""


def test_quiet_prints_the_report_when_the_lint_fails(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(UNPINNED)
    quiet = hullcheck("lint", "--quiet", "--fail-on", "medium", str(dockerfile))
    assert quiet.code == 1
    assert "HC1001" in quiet.stdout


def test_quiet_still_reports_bad_input(tmp_path: Path) -> None:
    quiet = hullcheck("lint", "-q", str(tmp_path / "missing"))
    assert quiet.code == 2
    assert "error" in quiet.stderr
