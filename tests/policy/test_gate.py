"""The gate: severity overrides, the --severity filter, stable order, exit codes."""

from __future__ import annotations

import random

import pytest

from hullcheck import diagnostics as diag
from hullcheck.document import Report
from hullcheck.errors import ConfigError
from hullcheck.model import Finding, Location, Practice, Severity, SourceSpan
from hullcheck.policy import gate


def _f(
    rule: str = "HC1",
    severity: Severity = Severity.LOW,
    practice: Practice = Practice.BUILD,
    location: Location | None = None,
) -> Finding:
    return Finding(rule, practice, severity, "t", "m", location or Location(path="D", line=1))


@pytest.mark.parametrize(
    ("severities", "fail_on", "expected"),
    [
        ([], Severity.HIGH, 0),
        ([Severity.MEDIUM, Severity.LOW], Severity.HIGH, 0),
        ([Severity.LOW, Severity.HIGH], Severity.HIGH, 1),
        ([Severity.CRITICAL], Severity.HIGH, 1),
        ([Severity.INFO], Severity.INFO, 1),
        ([Severity.CRITICAL], None, 0),
    ],
)
def test_exit_code(severities: list[Severity], fail_on: Severity | None, expected: int) -> None:
    assert gate.exit_code([_f(severity=s) for s in severities], fail_on) == expected


def test_default_fail_on_is_high() -> None:
    assert gate.exit_code([_f(severity=Severity.MEDIUM)]) == 0
    assert gate.exit_code([_f(severity=Severity.HIGH)]) == 1


def test_report_errors_outrank_findings() -> None:
    clean = Report(findings=[_f(severity=Severity.LOW)])
    assert gate.report_exit_code(clean, Severity.HIGH) == 0
    assert gate.report_exit_code(Report(findings=[_f(severity=Severity.HIGH)])) == 1
    loss = diag.error("file-unreadable", "walk", "unreadable", "x", "x")
    broken = Report(findings=[], diagnostics=[loss])
    assert gate.report_exit_code(broken, None) == 2
    broken.accept(["file-unreadable"])  # accepted: reported, no longer failing
    assert gate.report_exit_code(broken, None) == 0 and broken.diagnostics[0].accepted
    warned = Report(diagnostics=[diag.warning("untraced-layers", "trace", "2 layers")])
    assert gate.report_exit_code(warned, None) == 0


def test_parse_fail_on_and_severity() -> None:
    assert gate.parse_fail_on("CRITICAL") is Severity.CRITICAL
    assert gate.parse_fail_on("none") is None and gate.parse_fail_on("never") is None
    with pytest.raises(ConfigError, match="--fail-on: unknown severity 'urgent'"):
        gate.parse_fail_on("urgent")
    assert gate.parse_severity("medium") is Severity.MEDIUM
    with pytest.raises(ConfigError, match="--severity: unknown severity"):
        gate.parse_severity("x")


def test_filter_by_severity_keeps_at_or_above() -> None:
    findings = [_f(severity=s) for s in Severity]
    kept = gate.filter_by_severity(findings, Severity.MEDIUM)
    # an unknown severity ranks as high: never filtered out below it
    assert {f.severity for f in kept} == {
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.UNKNOWN,
        Severity.MEDIUM,
    }
    assert gate.filter_by_severity(findings, None) == findings


def test_unknown_severity_gates_as_high_unless_told() -> None:
    findings = [_f(severity=Severity.UNKNOWN)]
    assert gate.exit_code(findings, Severity.HIGH) == 1
    assert gate.exit_code(findings, Severity.CRITICAL) == 0
    assert gate.exit_code(findings, Severity.CRITICAL, unknown_as=Severity.CRITICAL) == 1
    assert gate.exit_code(findings, Severity.MEDIUM, unknown_as=Severity.LOW) == 0


def test_unknown_is_not_a_grade_a_user_gives() -> None:
    with pytest.raises(ValueError, match="unknown severity 'unknown'"):
        Severity.parse("unknown")


def test_overrides_by_rule_then_practice() -> None:
    findings = [
        _f("HC1", Severity.LOW, Practice.BUILD),
        _f("hc2", Severity.LOW, Practice.SECRETS),
        _f("HC3", Severity.HIGH, Practice.SECRETS),
        _f("CVE-2024-1", Severity.HIGH, Practice.VULNERABILITIES),
    ]
    overrides = gate.parse_overrides(
        {"HC1": "critical", "secrets": "medium", "HC3": "info", "cve-2024-1": "high"}
    )
    out = gate.apply_overrides(findings, overrides)
    assert [f.severity for f in out] == [
        Severity.CRITICAL,
        Severity.MEDIUM,
        Severity.INFO,
        Severity.HIGH,
    ]
    assert out[0].extra["original_severity"] == "low"
    assert out[2].extra["original_severity"] == "high"
    assert "original_severity" not in out[3].extra  # unchanged grade, untouched finding
    assert out[3] is findings[3]
    assert findings[0].severity is Severity.LOW  # inputs are not mutated
    assert gate.apply_overrides(findings, {}) == findings


def test_bad_override_names_the_entry() -> None:
    with pytest.raises(ConfigError, match="severity override for 'HC1': unknown severity"):
        gate.parse_overrides({"HC1": "severe"})


def test_sort_is_total_stable_and_worst_first() -> None:
    findings = [
        _f("HC2", Severity.LOW, location=Location(path="b/Dockerfile", line=3)),
        _f("HC1", Severity.HIGH, location=Location(path="b/Dockerfile", line=9)),
        _f("HC3", Severity.HIGH, location=Location(path="a/Dockerfile", line=12)),
        _f("HC4", Severity.HIGH, location=Location(path="a/Dockerfile", line=2)),
        _f("HC5", Severity.CRITICAL, location=Location(layer_index=2, file="/etc/shadow")),
        _f(
            "HC6",
            Severity.CRITICAL,
            location=Location(layer_index=1, file="/x", instruction=SourceSpan("Dockerfile", 4, 4)),
        ),
    ]
    expected = ["HC5", "HC6", "HC4", "HC3", "HC1", "HC2"]
    assert [f.rule for f in gate.sort_findings(findings)] == expected
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    assert [f.rule for f in gate.sort_findings(shuffled)] == expected
