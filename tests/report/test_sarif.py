"""SARIF 2.1.0: valid against the official schema, and within GitHub code scanning's rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from hullcheck import diagnostics as diag
from hullcheck.document import Report
from hullcheck.model import Finding, Location, Practice, Severity, SourceSpan
from hullcheck.report import sarif
from hullcheck.report.options import RenderOptions

from .conftest import RAW_SECRET, RULE_HELP, lint_report, scan_report

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def _log(report: Report) -> dict[str, Any]:
    text = sarif.render(report, RenderOptions(rule_help=RULE_HELP))
    data: dict[str, Any] = json.loads(text)
    return data


def _all_logs() -> list[dict[str, Any]]:
    empty = Report()
    loss = diag.error("dockerfile-unreadable", "dockerfile", "cannot read", "it", "a b/Dockerfile")
    errors_only = Report(diagnostics=[loss])
    return [_log(r) for r in (lint_report(), scan_report(), empty, errors_only)]


def test_schema_copy_is_the_official_one() -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    assert len(SCHEMA["definitions"]) == 52


@pytest.mark.parametrize("index", range(4))
def test_output_validates_against_the_sarif_schema(index: int) -> None:
    log = _all_logs()[index]
    errors = sorted(VALIDATOR.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_schema_check_is_not_vacuous() -> None:
    log = _log(lint_report())
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(list(VALIDATOR.iter_errors(log))) == 2


def test_github_code_scanning_constraints() -> None:
    for log in _all_logs():
        assert log["version"] == "2.1.0" and len(log["runs"]) == 1
        run = log["runs"][0]
        driver = run["tool"]["driver"]
        assert driver["name"] == "hullcheck" and "informationUri" not in driver
        rules = driver["rules"]
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids))
        for rule in rules:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["help"]["text"] and rule["help"]["markdown"]
            assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
            tags = rule["properties"]["tags"]
            assert "security" in tags and len(tags) <= 20 and len(set(tags)) == len(tags)
            score = float(rule["properties"]["security-severity"])
            assert 0.0 <= score <= 10.0
        prints = []
        assert len(run["results"]) <= sarif.MAX_RESULTS
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["message"]["text"]
            assert 1 <= len(result["locations"]) <= 10
            physical = result["locations"][0]["physicalLocation"]
            uri = physical["artifactLocation"]["uri"]
            parts = urlsplit(uri)
            assert not parts.scheme and not parts.netloc and not uri.startswith("/"), uri
            if "region" in physical:
                region = physical["region"]
                assert 1 <= region["startLine"] <= region["endLine"]
            prints.append(result["partialFingerprints"][sarif.FINGERPRINT_KEY])
        assert len(prints) == len(set(prints))
        assert run["automationDetails"]["id"] in ("hullcheck/lint/", "hullcheck/scan/")


def test_levels_and_security_severity_follow_the_finding_severity() -> None:
    log = _log(lint_report())
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["HC3001"]["defaultConfiguration"]["level"] == "error"
    assert rules["HC3001"]["properties"]["security-severity"] == "9.5"
    assert rules["HC1001"]["properties"]["security-severity"] == "8.0"
    assert rules["HC2003"]["defaultConfiguration"]["level"] == "warning"
    assert rules["HC2003"]["properties"]["security-severity"] == "5.5"
    assert rules["HC7003"]["defaultConfiguration"]["level"] == "note"
    assert rules["HC7003"]["properties"]["security-severity"] == "2.0"
    assert rules["HC0001"]["properties"]["security-severity"] == "0.0"
    assert rules["HC2003"]["properties"]["tags"] == ["security", "build"]


def test_rule_catalogue_and_fix_feed_the_rule_help() -> None:
    log = _log(lint_report())
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "HC1001")
    assert rule["name"] == "PinBaseImage"
    assert rule["helpUri"] == "https://example.invalid/rules/HC1001"
    assert rule["fullDescription"]["text"].startswith("A moving tag")
    assert "Fix: Pin a version" in rule["help"]["text"]
    assert "**Fix:** Pin a version" in rule["help"]["markdown"]
    # Without a catalogue entry the title stands in, and the name is derived from it.
    other = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "HC4001")
    assert other["name"] == "LastUSERIsRoot"
    assert other["fullDescription"]["text"] == "Last USER is root"


def test_lint_location_is_the_dockerfile_span() -> None:
    log = _log(lint_report())
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "HC2003")
    physical = result["locations"][0]["physicalLocation"]
    assert physical == {
        "artifactLocation": {"uri": "Dockerfile"},
        "region": {"startLine": 5, "endLine": 7},
    }


def test_image_findings_use_the_instruction_or_the_file_in_the_image() -> None:
    results = {r["ruleId"]: r for r in _log(scan_report())["runs"][0]["results"]}
    traced = results["GHSA-9wx4-h78v-vm56"]["locations"][0]
    assert traced["physicalLocation"]["artifactLocation"]["uri"] == "Dockerfile"
    assert traced["physicalLocation"]["region"] == {"startLine": 5, "endLine": 7}
    assert traced["logicalLocations"][0]["fullyQualifiedName"].endswith("METADATA")
    untraced = results["CVE-2024-0727"]["locations"][0]
    assert untraced["physicalLocation"] == {"artifactLocation": {"uri": "var/lib/dpkg/status"}}
    assert untraced["logicalLocations"][0]["fullyQualifiedName"] == "/var/lib/dpkg/status"
    assert untraced["properties"]["layer_index"] == 0
    assert untraced["properties"]["layer"].startswith("sha256:aaaa")
    assert "in /var/lib/dpkg/status, layer 0" in results["CVE-2024-0727"]["message"]["text"]
    assert results["CVE-2024-0727"]["ruleIndex"] == 0
    rules = _log(scan_report())["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"] == "https://www.openssl.org/news/secadv/20240125.txt"
    whole_image = results["HC6001"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert whole_image["uri"] == "registry.example.com/team/app%3A1.2"


def test_line_inside_an_image_file_becomes_a_region() -> None:
    f = Finding(
        "HC5",
        Practice.SECRETS,
        Severity.HIGH,
        "t",
        "m",
        Location(layer_index=1, file="/app/.env", line=3, end_line=4),
    )
    loc = _log(Report(findings=[f], target={}))["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": "app/.env"},
        "region": {"startLine": 3, "endLine": 4},
    }


def test_fingerprints_prefer_the_finding_fingerprint_and_are_stable() -> None:
    results = _log(lint_report())["runs"][0]["results"]
    secret = next(r for r in results if r["ruleId"] == "HC3001")
    assert secret["partialFingerprints"][sarif.FINGERPRINT_KEY] == "aws-secret:5f1c2d:1"
    again = _log(lint_report())["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in results] == [r["partialFingerprints"] for r in again]


def test_fingerprint_ignores_line_moves_but_not_content() -> None:
    def one(line: int, message: str) -> str:
        f = Finding(
            "HC1", Practice.BUILD, Severity.LOW, "t", message, Location(path="D", line=line)
        )
        log = _log(Report(findings=[f]))
        value: str = log["runs"][0]["results"][0]["partialFingerprints"][sarif.FINGERPRINT_KEY]
        return value

    assert one(3, "m") == one(9, "m")
    assert one(3, "m") != one(3, "other")


def test_duplicate_findings_get_distinct_fingerprints() -> None:
    f = Finding("HC1", Practice.BUILD, Severity.LOW, "t", "m", Location(path="D", line=1))
    g = Finding("HC1", Practice.BUILD, Severity.LOW, "t", "m", Location(path="D", line=2))
    results = _log(Report(findings=[f, g]))["runs"][0]["results"]
    prints = {r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results}
    assert len(prints) == 2


def test_uris_are_relative_and_encoded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    inside = str(tmp_path / "sub dir" / "Dockerfile")
    findings = [
        Finding("HC1", Practice.BUILD, Severity.LOW, "t", "m", Location(path=inside, line=1)),
        Finding("HC2", Practice.BUILD, Severity.LOW, "t", "m", Location(path="c:x", line=1)),
        Finding("HC3", Practice.BUILD, Severity.LOW, "t", "m", Location(path="./a/D", line=1)),
    ]
    results = _log(Report(findings=findings))["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["sub%20dir/Dockerfile", "c%3Ax", "a/D"]


def test_errors_become_tool_execution_notifications() -> None:
    log = _log(lint_report())
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["message"]["text"] == "not a regular file"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "build/Dockerfile"
    )


def test_too_many_results_keep_the_worst(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    findings = [
        Finding(f"HC{i}", Practice.BUILD, sev, "t", "m", Location(path="D", line=i + 1))
        for i, sev in enumerate([Severity.LOW, Severity.CRITICAL, Severity.INFO, Severity.HIGH])
    ]
    run = _log(Report(findings=findings))["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["HC1", "HC3"]
    assert run["properties"]["truncatedResults"] == 2
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"HC1", "HC3"}


def test_markdown_help_is_escaped() -> None:
    f = Finding(
        "HC1",
        Practice.BUILD,
        Severity.LOW,
        "Title [click](https://evil.example)",
        "m",
        Location(path="D", line=1),
        fix="<img src=x onerror=alert(1)>",
    )
    rule = _log(Report(findings=[f]))["runs"][0]["tool"]["driver"]["rules"][0]
    markdown = rule["help"]["markdown"]
    assert not re.search(r"(?<!\\)\]\(", markdown), markdown  # no live link
    assert not re.search(r"(?<!\\)<", markdown), markdown  # no live HTML
    assert "\\<img" in markdown


def test_no_raw_secret_and_instruction_span_on_image_secret() -> None:
    for report in (lint_report(), scan_report()):
        assert RAW_SECRET not in sarif.render(report)
    f = Finding(
        "HC5",
        Practice.SECRETS,
        Severity.HIGH,
        "t",
        "m",
        Location(layer_index=1, file="/k", instruction=SourceSpan("Dockerfile", 4, 4)),
    )
    loc = _log(Report(findings=[f], target={}))["runs"][0]["results"][0]["locations"][0]
    assert loc["physicalLocation"]["region"] == {"startLine": 4, "endLine": 4}


def test_suppressed_findings_carry_suppressions_and_advisories_a_help_uri() -> None:
    from .ci_fixture import ci_scan_report

    log = _log(ci_scan_report())
    VALIDATOR.validate(log)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    vex = results["CVE-2023-45853"]["suppressions"]
    assert vex == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": "vex: not_affected: vulnerable_code_not_in_execute_path",
        }
    ]
    assert "suppressions" not in results["CVE-2024-0727"]
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["GHSA-9wx4-h78v-vm56"]["helpUri"] == (
        "https://github.com/advisories/GHSA-9wx4-h78v-vm56"
    )
