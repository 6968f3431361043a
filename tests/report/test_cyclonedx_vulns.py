"""``scan --format cyclonedx-json``: the SBOM plus vulnerabilities and their VEX analysis,
valid against the CycloneDX 1.6 schema the library ships."""

from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from hullcheck.report import cyclonedx
from hullcheck.report.options import RenderOptions

from .ci_fixture import ci_scan_report
from .conftest import NOW


def test_scan_cyclonedx_has_vulnerabilities_and_vex_and_is_valid() -> None:
    text = cyclonedx.render(ci_scan_report(), RenderOptions(now=NOW))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    refs = {c["purl"]: c["bom-ref"] for c in doc["components"] if "purl" in c}
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {
        "CVE-2024-0727",
        "GHSA-9wx4-h78v-vm56",
        "CVE-2023-45853",
        "CVE-2022-37434",
    }
    openssl = vulns["CVE-2024-0727"]
    assert openssl["affects"] == [
        {"ref": refs["pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12"]}
    ]
    assert openssl["ratings"][0]["severity"] == "medium"
    assert "analysis" not in openssl  # an open finding has no VEX decision
    vex = vulns["CVE-2023-45853"]["analysis"]
    assert vex["state"] == "not_affected" and vex["justification"] == "code_not_reachable"
    accepted = vulns["CVE-2022-37434"]["analysis"]
    assert accepted["response"] == ["will_not_fix"] and "SEC-12" in accepted["detail"]
    assert "state" not in accepted  # an ignore says nothing about exploitability
    rating = vulns["CVE-2023-45853"]["ratings"][0]
    assert rating["method"] == "CVSSv31" and rating["score"] == 9.8
    assert doc["metadata"]["timestamp"].startswith("2026-01-01")


def test_filtered_findings_and_non_advisories_stay_out() -> None:
    report = ci_scan_report()
    doc = json.loads(cyclonedx.render(report, RenderOptions(now=NOW)))
    ids = {v["id"] for v in doc["vulnerabilities"]}
    assert not ids & {"HC5002", "HC7002", "HC6001"}
