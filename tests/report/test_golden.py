"""Golden files for every format on a lint-like and a scan-like report.

Regenerate with ``HULLCHECK_UPDATE_GOLDEN=1 pytest tests/report/test_golden.py`` and
review the diff.  The tool version is the only volatile field; it is redacted.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.report import (
    cyclonedx,
    github,
    gitlab_codequality,
    gitlab_container_scanning,
    html_report,
    json_format,
    junit,
    markdown,
    openvex,
    sarif,
    table,
)
from hullcheck.report.options import RenderOptions

from .ci_fixture import ci_scan_report
from .conftest import DOCKERFILE, NOW, RULE_HELP, lint_report, scan_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("HULLCHECK_UPDATE_GOLDEN") == "1"
OPTIONS = RenderOptions(
    color=False, width=100, sources={"Dockerfile": DOCKERFILE}, rule_help=RULE_HELP, now=NOW
)


def _redact_json(text: str) -> str:
    data = json.loads(text)
    data["tool"]["version"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _redact_sarif(text: str) -> str:
    data = json.loads(text)
    for run in data["runs"]:
        run["tool"]["driver"]["version"] = "<version>"
        run["tool"]["driver"]["semanticVersion"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _render_json(report: Report) -> str:
    return _redact_json(json_format.render(report, OPTIONS))


def _render_table(report: Report) -> str:
    return table.render(report, OPTIONS)


def _render_sarif(report: Report) -> str:
    return _redact_sarif(sarif.render(report, OPTIONS))


def _render_cdx(report: Report) -> str:
    data = json.loads(cyclonedx.render(report, OPTIONS))
    data["serialNumber"] = "<serial>"
    data["metadata"]["tools"]["components"][0]["version"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _render_gitlab_cs(report: Report) -> str:
    data = json.loads(gitlab_container_scanning.render(report, OPTIONS))
    data["scan"]["analyzer"]["version"] = data["scan"]["scanner"]["version"] = "<version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _render_openvex(report: Report) -> str:
    data = json.loads(openvex.render(report, OPTIONS))
    data["tooling"] = "hullcheck <version>"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _plain(module: object) -> Callable[[Report], str]:
    return lambda report: module.render(report, OPTIONS)  # type: ignore[attr-defined]


CASES: dict[str, tuple[Callable[[], Report], Callable[[Report], str]]] = {
    "lint.json": (lint_report, _render_json),
    "scan.json": (scan_report, _render_json),
    "lint.txt": (lint_report, _render_table),
    "scan.txt": (scan_report, _render_table),
    "lint.sarif": (lint_report, _render_sarif),
    "scan.sarif": (scan_report, _render_sarif),
    "ci-scan.sarif": (ci_scan_report, _render_sarif),
    "lint.junit.xml": (lint_report, _plain(junit)),
    "ci-scan.junit.xml": (ci_scan_report, _plain(junit)),
    "lint.codequality.json": (lint_report, _plain(gitlab_codequality)),
    "ci-scan.codequality.json": (ci_scan_report, _plain(gitlab_codequality)),
    "ci-scan.gitlab-cs.json": (ci_scan_report, _render_gitlab_cs),
    "lint.md": (lint_report, _plain(markdown)),
    "ci-scan.md": (ci_scan_report, _plain(markdown)),
    "ci-scan.cdx.json": (ci_scan_report, _render_cdx),
    "lint.html": (lint_report, _plain(html_report)),
    "ci-scan.html": (ci_scan_report, _plain(html_report)),
    "ci-scan.openvex.json": (ci_scan_report, _render_openvex),
    "lint.github.txt": (lint_report, _plain(github)),
    "ci-scan.github.txt": (ci_scan_report, _plain(github)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    make_report, render = CASES[name]
    actual = render(make_report())
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}: run with HULLCHECK_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_rendering_is_deterministic() -> None:
    for make_report, render in CASES.values():
        assert render(make_report()) == render(make_report())


def test_golden_files_are_all_in_use() -> None:
    assert {p.name for p in GOLDEN.iterdir()} == set(CASES)
