"""The CI formats, each validated against its schema and checked for what CI reads."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from hullcheck import diagnostics as diag
from hullcheck.document import Report
from hullcheck.report import gitlab_codequality, gitlab_container_scanning, junit, markdown
from hullcheck.report.options import RenderOptions

from .ci_fixture import ci_scan_report
from .conftest import NOW, RAW_SECRET, RULE_HELP, lint_report, scan_report

DATA = Path(__file__).parent / "data"
JUNIT = xmlschema.XMLSchema(DATA / "junit.xsd")
CODEQUALITY = jsonschema.Draft7Validator(
    json.loads((DATA / "gitlab-codequality.schema.json").read_text(encoding="utf-8"))
)
CONTAINER = jsonschema.Draft7Validator(
    json.loads(
        (DATA / "gitlab-container-scanning-report-format-15.0.7.json").read_text(encoding="utf-8")
    )
)
OPTS = RenderOptions(now=NOW, rule_help={**RULE_HELP, "HC9001": RULE_HELP["HC1001"]})


def _errors_only() -> Report:
    loss = diag.error("layer-unreadable", "walk", "layer 2 is truncated", "layer 2", None)
    return Report(diagnostics=[loss], target={"reference": "x:1"}, summary={})


REPORTS = {
    "lint": lint_report,
    "scan": scan_report,
    "ci-scan": ci_scan_report,
    "empty": Report,
    "errors": _errors_only,
}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_junit_is_valid_and_counts_add_up(name: str) -> None:
    report = REPORTS[name]()
    text = junit.render(report, OPTS)
    JUNIT.validate(text)
    root = ET.fromstring(text)
    cases = root.findall(".//testcase")
    assert int(root.get("tests", "-1")) == len(cases)
    assert int(root.get("failures", "-1")) == len(root.findall(".//testcase/failure"))
    assert int(root.get("errors", "-1")) == len(report.errors) == len(root.findall(".//error"))
    failing = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failing == {f.rule for f in report.findings}
    # a rule of the run that found nothing is a passing case
    assert "HC9001" in {c.get("name") for c in cases if len(c) == 0}
    assert RAW_SECRET not in text


def test_junit_rejects_what_ci_would_reject() -> None:
    """The schema is live: a test case without a classname fails validation."""
    bad = '<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
    bad += '<testcase name="x"/></testsuite></testsuites>'
    assert not JUNIT.is_valid(bad)


def test_junit_lint_suites_per_dockerfile_and_skipped_suppressions() -> None:
    root = ET.fromstring(junit.render(ci_scan_report(), OPTS))
    skipped = {c.get("name"): c.find("skipped") for c in root.iter("testcase")}
    assert skipped["CVE-2022-37434"] is not None
    assert "SEC-12" in (skipped["CVE-2022-37434"].get("message") or "")  # type: ignore[union-attr]
    lint_root = ET.fromstring(junit.render(lint_report(), OPTS))
    names = {s.get("name") for s in lint_root.iter("testsuite")}
    assert {"Dockerfile", "docker/Dockerfile.dev"} <= names


def test_junit_strips_characters_xml_cannot_carry() -> None:
    report = lint_report()
    report.findings[0] = type(report.findings[0])(
        **{**_fields(report.findings[0]), "message": "bell\x07 and esc\x1b[31m"}
    )
    text = junit.render(report, OPTS)
    JUNIT.validate(text)
    assert "\x07" not in text and "\x1b" not in text


def _fields(f: Any) -> dict[str, Any]:
    return {k: getattr(f, k) for k in f.__slots__}


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_gitlab_codequality_is_valid_with_unique_fingerprints(name: str) -> None:
    report = REPORTS[name]()
    issues = json.loads(gitlab_codequality.render(report, OPTS))
    CODEQUALITY.validate(issues)
    assert len(issues) == len(report.findings)
    prints = [i["fingerprint"] for i in issues]
    assert len(prints) == len(set(prints))


def test_gitlab_codequality_points_at_dockerfile_lines() -> None:
    issues = json.loads(gitlab_codequality.render(scan_report(), OPTS))
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["HC5002"]["location"] == {"path": "Dockerfile", "lines": {"begin": 4}}
    assert by_rule["HC5002"]["severity"] == "critical"  # high
    assert by_rule["HC6001"]["location"]["path"] == "registry.example.com/team/app:1.2"
    assert not CODEQUALITY.is_valid([{**issues[0], "severity": "high"}])  # the schema is live


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_gitlab_container_scanning_is_valid(name: str) -> None:
    report = REPORTS[name]()
    doc = json.loads(gitlab_container_scanning.render(report, OPTS))
    CONTAINER.validate(doc)
    assert doc["scan"]["status"] == ("failure" if report.errors else "success")
    vulns = [f for f in report.findings if f.practice.value == "vulnerabilities"]
    assert len(doc["vulnerabilities"]) == len(vulns)


def test_gitlab_container_scanning_content() -> None:
    doc = json.loads(gitlab_container_scanning.render(ci_scan_report(), OPTS))
    by_id = {v["identifiers"][0]["value"]: v for v in doc["vulnerabilities"]}
    openssl = by_id["CVE-2024-0727"]
    assert openssl["severity"] == "Medium"
    assert openssl["location"]["dependency"] == {
        "package": {"name": "openssl"},
        "version": "3.0.11-1~deb12u2",
    }
    assert openssl["location"]["operating_system"] == "debian 12"
    assert openssl["identifiers"][0]["url"] == "https://nvd.nist.gov/vuln/detail/CVE-2024-0727"
    # only well-formed links: the schema rejects anything else
    assert all(link["url"].startswith(("https://", "http://")) for link in openssl["links"])
    # the id is stable across runs (GitLab tracks vulnerabilities by it)
    again = json.loads(gitlab_container_scanning.render(ci_scan_report(), OPTS))
    assert [v["id"] for v in again["vulnerabilities"]] == [v["id"] for v in doc["vulnerabilities"]]
    assert not CONTAINER.is_valid({**doc, "scan": {**doc["scan"], "type": "sast"}})


def test_markdown_states_the_verdict_first_and_escapes() -> None:
    text = markdown.render(scan_report(), OPTS)
    first = text.splitlines()[0]
    assert (
        first.startswith("### ❌ hullcheck: failed")
        and "registry.example.com/team/app:1.2" in first
    )
    rows = [line for line in text.splitlines() if line.startswith("| **")]
    assert rows[0].startswith("| **critical**")  # worst first
    assert RAW_SECRET not in text
    hostile = lint_report()
    f = hostile.findings[0]
    hostile.findings[0] = type(f)(**{**_fields(f), "title": "x | <img src=y> [a](b)"})
    out = markdown.render(hostile, OPTS)
    assert not re.search(r"(?<!\\)<img", out) and "\\[a\\]\\(b\\)" in out
    row = next(line for line in out.splitlines() if "img" in line)
    assert row.count(" | ") == 4  # five cells: the title's pipe did not add one


def test_markdown_incomplete_and_passing_verdicts() -> None:
    assert markdown.render(_errors_only(), OPTS).startswith("### ⚠️ hullcheck: incomplete")
    passing = Report(summary={"failed": False})
    assert markdown.render(passing, OPTS).startswith("### ✅ hullcheck: passed")
