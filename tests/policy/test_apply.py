"""The scan policy stage: config overrides and rules.ignore, ignore files, VEX, the
unfixed/severity filters and the fail-on threshold, applied to a report in order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.errors import ConfigError
from hullcheck.model import Finding, Location, Practice, Severity
from hullcheck.policy.apply import Policy, apply_policy, load_policy, policy_keys
from hullcheck.policy.config import Config
from hullcheck.policy.gate import exit_code

TODAY = dt.date(2026, 11, 27)


def finding(
    rule: str,
    severity: Severity,
    practice: Practice = Practice.VULNERABILITIES,
    **extra: object,
) -> Finding:
    return Finding(
        rule=rule,
        practice=practice,
        severity=severity,
        title=rule,
        message=rule,
        location=Location(layer_index=1, file="/app/x"),
        fix="",
        extra=dict(extra),  # type: ignore[arg-type]
    )


def report(*findings: Finding) -> Report:
    return Report(findings=list(findings), packages=[])


def test_unfixed_and_severity_suppress_in_order_and_are_counted() -> None:
    pkg = {"name": "requests", "purl": "pkg:pypi/requests@2.19.1"}
    fixed = finding("PYSEC-1", Severity.HIGH, package=pkg, fixed_version="2.20")
    unfixed = finding("PYSEC-2", Severity.CRITICAL, package=pkg)
    low = finding("HC8401", Severity.LOW, Practice.PROVENANCE)
    out = apply_policy(
        report(fixed, unfixed, low),
        Policy(ignore_unfixed=True, minimum=Severity.MEDIUM),
        TODAY,
    )
    assert [f.rule for f in out.findings] == ["PYSEC-1"]
    assert out.summary["suppressed"] == 2
    assert out.summary["suppressed_by"] == {"unfixed": 1, "severity": 1}
    marks = {f.rule: f.extra["suppressed"] for f in out.suppressed}
    assert marks["PYSEC-2"]["by"] == "unfixed"  # type: ignore[index]
    assert marks["HC8401"]["reason"] == "low is below medium"  # type: ignore[index]
    # the gate only sees what was kept: the unfixed critical no longer fails --fail-on critical
    assert exit_code(out.findings, Severity.CRITICAL) == 0
    assert exit_code(out.findings, Severity.HIGH) == 1


def test_config_overrides_and_ignores_image_and_secret_ids() -> None:
    key = finding("private-key", Severity.HIGH, Practice.SECRETS)
    env = finding("secret-in-variable", Severity.HIGH, Practice.SECRETS)
    root = finding("HC8001", Severity.HIGH, Practice.PRIVILEGES)
    age = finding("HC8302", Severity.MEDIUM, Practice.BASE_IMAGE)
    config = Config(
        path="/p/.hullcheck.yaml",
        ignored=frozenset({"HC8302", "SECRET:SECRET-IN-VARIABLE"}),
        severity={"HC8001": Severity.LOW, "SECRET:PRIVATE-KEY": Severity.CRITICAL},
    )
    assert policy_keys(key) == ("PRIVATE-KEY", "SECRET:PRIVATE-KEY")
    out = apply_policy(report(key, env, root, age), Policy(config=config), TODAY)
    graded = {f.rule: (f.severity, f.extra.get("original_severity")) for f in out.findings}
    assert graded == {
        "private-key": (Severity.CRITICAL, "high"),
        "HC8001": (Severity.LOW, "high"),
    }
    reasons = sorted(str(f.extra["suppressed"]) for f in out.suppressed)
    assert "rules.ignore: secret:secret-in-variable" in reasons[1]
    assert "rules.ignore: HC8302" in reasons[0]


def test_load_policy_reads_config_ignores_file_and_resolves_fail_on(tmp_path: Path) -> None:
    (tmp_path / ".hullcheck.yaml").write_text(
        "fail-on: critical\nignores:\n  - {id: CVE-1, reason: accepted, expires: 2026-01-01}\n"
    )
    sub = tmp_path / "app"
    sub.mkdir()
    (sub / ".hullcheckignore").write_text("- {id: GHSA-x, package: lodash, reason: dev only}\n")
    policy = load_policy(starts=[sub])
    assert policy.fail_on is Severity.CRITICAL
    assert [r.id for r in policy.ignores] == ["CVE-1", "GHSA-x"]
    assert policy.sources["ignore_file"] == str(sub / ".hullcheckignore")
    assert load_policy(starts=[sub], fail_on=None).fail_on is None  # --fail-on none
    assert load_policy(starts=[sub], fail_on=Severity.LOW).fail_on is Severity.LOW
    # the expired rule stops applying, and the report says so
    old = finding("PYSEC-9", Severity.HIGH, aliases=["CVE-1"])
    out = apply_policy(report(old), policy, TODAY)
    assert [f.rule for f in out.findings] == ["PYSEC-9"]
    assert out.findings[0].extra["ignore_expired"]["id"] == "CVE-1"  # type: ignore[index]
    assert [r["id"] for r in out.summary["ignores_expired"]] == ["CVE-1"]  # type: ignore[index,union-attr]
    assert apply_policy(report(old), policy, dt.date(2025, 12, 31)).findings == []


def test_bad_policy_inputs_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("ignores:\n  - {id: CVE-1}\n")
    with pytest.raises(ConfigError, match="reason"):
        load_policy(config_file=bad)
    with pytest.raises(ConfigError, match="no such ignore file"):
        load_policy(ignore_file=tmp_path / "missing")
    vex = tmp_path / "v.json"
    vex.write_text(
        '{"statements": [{"vulnerability": "CVE-1", "status": "not_affected",'
        ' "products": ["pkg:pypi/x"]}]}'
    )
    with pytest.raises(ConfigError, match="justification"):
        load_policy(vex_files=[vex])
    secrets = tmp_path / "s.yaml"
    secrets.write_text("secrets:\n  bogus: 1\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_policy(config_file=secrets)
