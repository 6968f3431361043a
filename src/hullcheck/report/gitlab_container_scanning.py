"""GitLab container scanning (``artifacts:reports:container_scanning``), schema 15.0.7.

The vulnerabilities of a scanned image, as GitLab's security dashboard and merge-request
widget read them: one entry per advisory finding with a stable UUID (from the finding's
fingerprint, so GitLab tracks it across pipelines), the advisory ids as
``identifiers`` (the first is the primary), the package and its version, the image and
its operating system.  Coverage losses become ``scan.messages`` and set ``status``
to ``failure``: GitLab must not show an incomplete scan as clean.  Other findings
(secrets, privileges...) are not vulnerabilities of packages: the Code Quality, SARIF
and JUnit formats carry them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hullcheck import __version__
from hullcheck.document import Report
from hullcheck.model import Finding, Practice, Severity
from hullcheck.report.options import RenderOptions
from hullcheck.report.view import advisory_url, fingerprint, target_name

SCHEMA_VERSION = "15.0.7"
SCHEMA_URI = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/container-scanning-report-format.json"
)
_NAMESPACE = uuid.UUID("6f1e7c1a-5d0b-4f5e-9a55-68756c6c6368")
_MAX = {"name": 255, "description": 1_048_576, "solution": 7000}
_ANALYZER = {"id": "hullcheck", "name": "hullcheck", "vendor": {"name": "hullcheck"}}


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report's vulnerabilities in GitLab's container-scanning format."""
    opts = options or RenderOptions()
    now = (opts.now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    image = target_name(report)
    distro = _operating_system(report)
    seen: dict[str, int] = {}
    vulns = [
        _vulnerability(f, image, distro, seen)
        for f in report.findings
        if f.practice is Practice.VULNERABILITIES
    ]
    scan: dict[str, Any] = {
        "analyzer": {**_ANALYZER, "version": __version__},
        "scanner": {**_ANALYZER, "version": __version__},
        "type": "container_scanning",
        "start_time": now,
        "end_time": now,
        "status": "failure" if report.errors else "success",
    }
    messages = [
        {"level": "fatal" if d.blocking else "warn", "value": d.message or d.kind}
        for d in report.diagnostics
        if d.level != "info"
    ]
    if messages:
        scan["messages"] = messages
    doc = {"version": SCHEMA_VERSION, "schema": SCHEMA_URI, "scan": scan, "vulnerabilities": vulns}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _operating_system(report: Report) -> str:
    base = report.summary.get("base_os")
    if isinstance(base, dict) and base.get("id"):
        return f"{base.get('id')} {base.get('version_id') or ''}".strip()
    target = report.target or {}
    text = target.get("base_os")
    return text if isinstance(text, str) and text else "unknown"


def _vulnerability(f: Finding, image: str, distro: str, seen: dict[str, int]) -> dict[str, Any]:
    package = f.extra.get("package")
    name = version = ""
    if isinstance(package, dict):
        name, version = str(package.get("name", "")), str(package.get("version", ""))
    ids = [f.rule, *(a for a in f.extra.get("aliases") or [] if isinstance(a, str))]
    identifiers = [_identifier(i) for i in dict.fromkeys(ids) if i]
    links = [
        {"url": url}
        for url in f.extra.get("references") or []
        if isinstance(url, str) and url.startswith(("https://", "http://")) and " " not in url
    ]
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(_NAMESPACE, fingerprint(f, seen) + "\0" + image)),
        "name": f.title[: _MAX["name"]],
        "description": f.message[: _MAX["description"]],
        "severity": _severity(f.severity),
        "identifiers": identifiers,
        "location": {
            "dependency": {"package": {"name": name or f.rule}, "version": version or "unknown"},
            "operating_system": distro,
            "image": image,
        },
    }
    if f.fix:
        out["solution"] = f.fix[: _MAX["solution"]]
    if links:
        out["links"] = links[:20]
    cvss = f.extra.get("cvss")
    if isinstance(cvss, dict) and isinstance(cvss.get("vector"), str):
        vector = str(cvss["vector"])
        if vector.startswith(("CVSS:3.0/", "CVSS:3.1/")):
            out["cvss_vectors"] = [{"vendor": "hullcheck", "vector": vector}]
    return out


def _identifier(advisory: str) -> dict[str, str]:
    kind = advisory.split("-", 1)[0].lower() if "-" in advisory else "osv"
    return {"type": kind, "name": advisory, "value": advisory, "url": advisory_url(advisory)}


def _severity(severity: Severity) -> str:
    return "Unknown" if severity is Severity.UNKNOWN else severity.value.capitalize()
