"""``--report FORMAT=FILE``: one run writes several formats, identical to separate runs."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import assert_one_error_line, hullcheck

UNPINNED = "FROM node:latest\nRUN echo hi\n"


def test_one_lint_writes_every_format_asked(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(UNPINNED)
    sarif, md, junit = tmp_path / "r.sarif", tmp_path / "r.md", tmp_path / "r.xml"
    run = hullcheck(
        "lint", str(dockerfile), "-f", "json", "--report", f"sarif={sarif}",
        "--report", f"markdown={md}", "--report", f"junit={junit}",
    )  # fmt: skip
    assert run.code == 1
    rules = {f["rule"] for f in json.loads(run.stdout)["findings"]}
    assert {r["ruleId"] for r in json.loads(sarif.read_text())["runs"][0]["results"]} == rules
    assert md.read_text().startswith("### ❌ hullcheck: failed")
    assert "<testsuites" in junit.read_text()
    alone = hullcheck("lint", str(dockerfile), "-f", "markdown")
    assert alone.stdout == md.read_text()


def test_a_bad_report_option_is_one_error_line(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(UNPINNED)
    run = hullcheck("lint", str(dockerfile), "--report", "xml=out.xml")
    assert run.code == 2 and "unknown format 'xml'" in run.stderr
    run = hullcheck("lint", str(dockerfile), "--report", f"sarif={tmp_path}/no/such/dir/x")
    assert_one_error_line(run, "cannot write the report")
