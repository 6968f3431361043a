"""Ignore rules (reasons, expiry), OpenVEX, and the unfixed/severity filters: suppressed
findings are counted and listed, never dropped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hullcheck.errors import ConfigError
from hullcheck.model import Finding, Location, Practice, Severity
from hullcheck.policy.ignores import (
    apply_ignores,
    load_ignore_file,
    load_openvex,
    suppress_below,
    suppress_unfixed,
)

TODAY = dt.date(2026, 11, 27)


def vuln(
    rule: str,
    name: str,
    version: str,
    *,
    aliases: tuple[str, ...] = (),
    fixed: str | None = "9.9",
    severity: Severity = Severity.HIGH,
    file: str = "/app/venv/lib/python3.11/site-packages/x/METADATA",
) -> Finding:
    return Finding(
        rule=rule,
        practice=Practice.VULNERABILITIES,
        severity=severity,
        title=rule,
        message=f"{name} {version} is affected by {rule}",
        location=Location(file=file, layer_index=1),
        extra={
            "aliases": list(aliases),
            "package": {
                "name": name,
                "version": version,
                "type": "pypi",
                "purl": f"pkg:pypi/{name}@{version}",
            },
            "fixed_version": fixed,
        },
    )


FINDINGS = [
    vuln("PYSEC-2018-28", "requests", "2.19.1", aliases=("CVE-2018-18074",)),
    vuln("PYSEC-2023-74", "requests", "2.19.1", aliases=("CVE-2023-32681",)),
    vuln(
        "PYSEC-2020-96",
        "pyyaml",
        "5.3",
        aliases=("CVE-2020-1747",),
        fixed=None,
        severity=Severity.LOW,
        file="/opt/other/pyyaml/METADATA",
    ),
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_ignore_by_alias_package_path_with_expiry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ".hullcheckignore",
        """
- id: CVE-2018-18074
  package: requests
  path: /app/venv/**
  reason: no cross-host redirects in this service
  expires: 2026-12-31
- id: PYSEC-2023-74
  reason: accepted until the upgrade
  expires: 2026-11-26
- id: PYSEC-2020-96
  package: pkg:pypi/pyyaml@5.2
  reason: other version only
""",
    )
    rules = load_ignore_file(path)
    assert [r.expires for r in rules] == [dt.date(2026, 12, 31), dt.date(2026, 11, 26), None]
    result = apply_ignores(FINDINGS, rules, today=TODAY)
    assert [s.finding.rule for s in result.suppressed] == ["PYSEC-2018-28"]
    assert result.suppressed[0].reason == "no cross-host redirects in this service"
    assert result.suppressed[0].origin.endswith(".hullcheckignore#1")
    # the expired rule no longer applies, and the finding says so
    assert [f.rule for f in result.kept] == ["PYSEC-2023-74", "PYSEC-2020-96"]
    assert result.kept[0].extra["ignore_expired"]["expires"] == "2026-11-26"
    assert [r.id for r in result.expired] == ["PYSEC-2023-74"]
    assert result.counts() == {"ignore": 1}
    # on its expiry day a rule still applies
    same_day = apply_ignores(FINDINGS, rules, today=dt.date(2026, 11, 26))
    assert {s.finding.rule for s in same_day.suppressed} == {"PYSEC-2018-28", "PYSEC-2023-74"}


def test_path_must_match(tmp_path: Path) -> None:
    path = write(tmp_path, "i.yaml", "ignores:\n- {id: PYSEC-2020-96, path: /app/**, reason: r}\n")
    result = apply_ignores(FINDINGS, load_ignore_file(path), today=TODAY)
    assert result.suppressed == []


def test_config_file_ignores_key(tmp_path: Path) -> None:
    path = write(
        tmp_path, ".hullcheck.yaml", "fail_on: high\nignores:\n- id: HC1001\n  reason: ok\n"
    )
    [rule] = load_ignore_file(path)
    assert rule.id == "HC1001"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- id: CVE-1\n", "reason"),
        ("- reason: why\n", "'id'"),
        ("- {id: CVE-1, reason: r, expires: tomorrow}\n", "date"),
        ("- {id: CVE-1, reason: r, until: 2020-01-01}\n", "unknown key"),
        ("ignores: CVE-1\n", "list"),
        ("- [\n", "YAML"),
    ],
)
def test_bad_ignore_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_ignore_file(write(tmp_path, "bad.yaml", text))


def openvex(statements: list[dict[str, object]]) -> str:
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.com/vex/1",
            "author": "sec team",
            "timestamp": "2026-11-01T00:00:00Z",
            "version": 1,
            "statements": statements,
        }
    )


def test_openvex_not_affected_and_newest_statement_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vex.json",
        openvex(
            [
                {
                    "vulnerability": {"name": "CVE-2018-18074"},
                    "products": [
                        {
                            "@id": "pkg:oci/app@sha256:abc",
                            "subcomponents": [{"@id": "pkg:pypi/requests@2.19.1"}],
                        }
                    ],
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_in_execute_path",
                },
                {
                    "vulnerability": {"name": "PYSEC-2023-74"},
                    "products": [{"@id": "pkg:pypi/requests"}],
                    "status": "not_affected",
                    "justification": "vulnerable_code_not_present",
                    "timestamp": "2026-10-01T00:00:00Z",
                },
                {
                    "vulnerability": {"name": "PYSEC-2023-74"},
                    "products": [{"@id": "pkg:pypi/requests"}],
                    "status": "affected",
                    "timestamp": "2026-11-20T00:00:00Z",
                },
                {
                    "vulnerability": "CVE-2020-1747",
                    "products": ["pkg:pypi/pyyaml@5.4"],
                    "status": "not_affected",
                    "impact_statement": "other version",
                },
            ]
        ),
    )
    statements = load_openvex(path)
    result = apply_ignores(FINDINGS, (), statements, today=TODAY)
    assert [(s.finding.rule, s.by) for s in result.suppressed] == [("PYSEC-2018-28", "vex")]
    assert "vulnerable_code_not_in_execute_path" in result.suppressed[0].reason
    assert [f.rule for f in result.kept] == ["PYSEC-2023-74", "PYSEC-2020-96"]
    assert result.suppressed[0].to_json()["suppressed"]["by"] == "vex"


def test_openvex_image_level_product(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "vex.json",
        openvex(
            [
                {
                    "vulnerability": {"name": "CVE-2020-1747"},
                    "products": [{"@id": "pkg:oci/app"}],
                    "status": "fixed",
                }
            ]
        ),
    )
    result = apply_ignores(FINDINGS, (), load_openvex(path), today=TODAY)
    assert [s.finding.rule for s in result.suppressed] == ["PYSEC-2020-96"]


@pytest.mark.parametrize(
    "statement",
    [
        {"vulnerability": {"name": "CVE-1"}, "products": ["pkg:pypi/a"], "status": "not_affected"},
        {
            "vulnerability": {"name": "CVE-1"},
            "products": ["pkg:pypi/a"],
            "status": "not_affected",
            "justification": "because",
        },
        {"vulnerability": {"name": "CVE-1"}, "status": "fixed"},
        {"products": ["pkg:pypi/a"], "status": "fixed"},
    ],
)
def test_bad_openvex(tmp_path: Path, statement: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        load_openvex(write(tmp_path, "vex.json", openvex([statement])))


def test_unfixed_and_severity_filters_count_what_they_remove() -> None:
    unfixed = suppress_unfixed(FINDINGS)
    assert [s.finding.rule for s in unfixed.suppressed] == ["PYSEC-2020-96"]
    assert unfixed.counts() == {"unfixed": 1}
    chained = unfixed.then(suppress_below(unfixed.kept, Severity.CRITICAL))
    assert chained.kept == []
    assert chained.counts() == {"unfixed": 1, "severity": 2}
    assert len(chained.suppressed) == len(FINDINGS)
