"""A scan report as the CI formats meet it: packages with purls, advisories found and
advisories taken out by a VEX statement and by an ignore with its reason."""

from __future__ import annotations

import dataclasses

from hullcheck.document import Report
from hullcheck.model import Finding, Location, Package, Practice, Severity

from .conftest import scan_report

OPENSSL = Package(
    name="openssl",
    version="3.0.11-1~deb12u2",
    type="deb",
    purl="pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12",
    files=("/var/lib/dpkg/status",),
    layer_index=0,
    layer_digest="sha256:" + "a" * 64,
)
REQUESTS = Package(
    name="requests",
    version="2.25.0",
    type="pypi",
    purl="pkg:pypi/requests@2.25.0",
    files=("/app/venv/lib/python3.11/site-packages/requests-2.25.0.dist-info/METADATA",),
    layer_index=2,
    layer_digest="sha256:" + "c" * 64,
)
ZLIB = Package(
    name="zlib1g",
    version="1:1.2.13.dfsg-1",
    type="deb",
    purl="pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?distro=debian-12",
    files=("/var/lib/dpkg/status",),
    layer_index=0,
)


def _with_purl(f: Finding) -> Finding:
    pkg = f.extra.get("package")
    if not isinstance(pkg, dict):
        return f
    purl = {"openssl": OPENSSL.purl, "requests": REQUESTS.purl}[pkg["name"]]
    return dataclasses.replace(f, extra={**f.extra, "package": {**pkg, "purl": purl}})


def _zlib(rule: str, by: str, reason: str) -> Finding:
    return Finding(
        rule,
        Practice.VULNERABILITIES,
        Severity.HIGH,
        f"{rule}: zlib heap overflow",
        f"zlib1g 1:1.2.13.dfsg-1 is affected by {rule}",
        Location(layer_index=0, file="/var/lib/dpkg/status"),
        extra={
            "package": {
                "name": "zlib1g",
                "version": ZLIB.version,
                "type": "deb",
                "purl": ZLIB.purl,
            },
            "cvss": {"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "score": 9.8},
            "suppressed": {"by": by, "reason": reason, "origin": ".hullcheck.yaml"},
        },
    )


def ci_scan_report() -> Report:
    report = scan_report()
    report.findings = [_with_purl(f) for f in report.findings]
    report.packages = [OPENSSL, REQUESTS, ZLIB]
    report.summary["base_os"] = {"id": "debian", "version_id": "12", "pretty_name": "Debian 12"}
    report.suppressed = [
        *report.suppressed,
        _zlib("CVE-2023-45853", "vex", "not_affected: vulnerable_code_not_in_execute_path"),
        _zlib("CVE-2022-37434", "ignore", "only inflate of trusted data; ticket SEC-12"),
    ]
    return report
