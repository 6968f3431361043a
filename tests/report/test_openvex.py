"""``scan -f openvex``: the decision on each advisory, in the shape ``scan --vex`` reads back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from hullcheck.policy.ignores import apply_ignores, load_openvex
from hullcheck.report import openvex
from hullcheck.report.options import RenderOptions

from .ci_fixture import ci_scan_report
from .conftest import NOW


def test_statements_say_what_was_decided() -> None:
    doc = json.loads(openvex.render(ci_scan_report(), RenderOptions(now=NOW)))
    assert doc["@context"] == "https://openvex.dev/ns/v0.2.0" and doc["version"] == 1
    assert doc["timestamp"] == "2026-01-01T00:00:00Z" and doc["@id"].startswith("urn:uuid:")
    by_name = {s["vulnerability"]["name"]: s for s in doc["statements"]}
    assert set(by_name) == {
        "CVE-2024-0727",
        "GHSA-9wx4-h78v-vm56",
        "CVE-2023-45853",
        "CVE-2022-37434",
    }
    vex = by_name["CVE-2023-45853"]
    assert vex["status"] == "not_affected"
    assert vex["justification"] == "vulnerable_code_not_in_execute_path"
    accepted = by_name["CVE-2022-37434"]
    assert accepted["status"] == "affected" and "SEC-12" in accepted["action_statement"]
    open_one = by_name["CVE-2024-0727"]
    assert open_one["status"] == "affected"
    assert open_one["action_statement"] == "Upgrade openssl to 3.0.13-1~deb12u1."
    product = open_one["products"][0]
    assert product["@id"] == "pkg:oci/app@sha256%3A" + "d" * 64
    assert product["subcomponents"] == [
        {"@id": "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12"}
    ]


def test_read_back_as_vex_it_takes_out_exactly_the_not_affected(tmp_path: Path) -> None:
    report = ci_scan_report()
    path = tmp_path / "hullcheck.openvex.json"
    path.write_text(openvex.render(report, RenderOptions(now=NOW)))
    statements = load_openvex(path)  # the reader `scan --vex` uses: no error
    # every advisory, open again, as a later scan of the same image would find it
    again = [*report.findings]
    for f in report.suppressed:
        extra = {k: v for k, v in f.extra.items() if k != "suppressed"}
        again.append(dataclasses.replace(f, extra=extra))
    result = apply_ignores(again, vex=statements)
    assert [s.finding.rule for s in result.suppressed] == ["CVE-2023-45853"]
    assert {f.rule for f in result.kept} >= {"CVE-2024-0727", "CVE-2022-37434"}
