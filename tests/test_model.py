"""The shared model: severity order and the JSON shape of findings."""

from __future__ import annotations

import pytest

from hullcheck.model import Finding, Location, Practice, Severity, SourceSpan


def test_severity_order_and_parse() -> None:
    ranks = [s.rank for s in (Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH)]
    assert ranks == sorted(ranks) and Severity.CRITICAL.rank > Severity.HIGH.rank
    assert Severity.parse(" HIGH ") is Severity.HIGH
    with pytest.raises(ValueError, match="choose from"):
        Severity.parse("urgent")


def test_lint_finding_json_has_exactly_the_contract_keys() -> None:
    f = Finding(
        rule="HC1000",
        practice=Practice.BUILD,
        severity=Severity.LOW,
        title="t",
        message="m",
        location=Location(path="Dockerfile", line=3),
        fix="do x",
    )
    data = f.to_json()
    assert list(data) == ["rule", "practice", "severity", "title", "message", "location", "fix"]
    assert data["location"] == {"path": "Dockerfile", "line": 3, "end_line": 3}


def test_image_location_keeps_layer_and_instruction() -> None:
    loc = Location(
        layer="sha256:ab", layer_index=1, file="/x", instruction=SourceSpan("Dockerfile", 4, 5)
    )
    assert loc.to_json() == {
        "layer": "sha256:ab",
        "layer_index": 1,
        "file": "/x",
        "instruction": {"path": "Dockerfile", "line": 4, "end_line": 5},
    }
