"""No secret value reaches any lint output format, as the CLI writes it (the table quotes
Dockerfile lines): HC6001 literal values, HC6004 secret-named ARG/ENV and HC6005
credential set-up on the same lines.  Values are fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.report.registry import LINT, available_formats
from tests.cli.helpers import hullcheck

D = "FROM debian:12\n"
PW = "Qz7vLk2pWx9m"

REDACTION_FILE = (
    D + f"ENV DB_PASSWORD={PW}\n"
    f"ARG API_TOKEN={PW}x\n"
    "ARG REG_PASS\n"
    f"RUN docker login -u bot -p {PW}y r.io && docker login -u bot -p $REG_PASS r.io\n"
    f"RUN curl -u admin:{PW}z https://nexus/a\n"
)


@pytest.mark.parametrize("fmt", available_formats(LINT))
def test_no_secret_value_in_any_output_format(fmt: str, tmp_path: Path) -> None:
    """Every lint format, as the CLI writes it (the table quotes Dockerfile lines)."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(REDACTION_FILE)
    run = hullcheck("lint", "--format", fmt, "--color", "always", str(dockerfile))
    assert run.code == 1, run.stderr
    for rule in ("HC6001", "HC6004", "HC6005"):
        assert rule in run.stdout, (rule, fmt)
    assert PW not in run.stdout and PW not in run.stderr
    if fmt in ("json", "sarif"):
        assert json.loads(run.stdout)
