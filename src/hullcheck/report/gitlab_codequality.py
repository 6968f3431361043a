"""GitLab Code Quality (``artifacts:reports:codequality``): every finding in the merge request.

GitLab reads a JSON array of CodeClimate-style issues: ``description``, ``check_name``,
``fingerprint`` (unique in the report; GitLab compares reports of two pipelines by it),
``severity`` (``info``, ``minor``, ``major``, ``critical``, ``blocker``) and
``location.path`` with ``location.lines.begin``.  Paths are relative to the repository
(the working directory).  An image finding traced to a Dockerfile line points there;
one that is not points at the image reference.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hullcheck.document import Report
from hullcheck.model import Finding, Severity
from hullcheck.report.options import RenderOptions
from hullcheck.report.view import fingerprint, relative_uri, target_name

SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.UNKNOWN: "critical",  # the gate counts an unknown severity as high
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report as a Code Quality JSON array (pretty, ending in a newline)."""
    del options
    seen: dict[str, int] = {}
    image = target_name(report) if report.target is not None else None
    issues = [_issue(f, seen, image) for f in report.findings]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(f: Finding, seen: dict[str, int], image: str | None) -> dict[str, Any]:
    path, line = _where(f, image)
    description = f"{f.rule}: {f.title}"
    if f.message and f.message != f.title:
        description += f" — {f.message}"
    issue: dict[str, Any] = {
        "type": "issue",
        "check_name": f.rule,
        "description": description,
        "categories": ["Security"],
        "severity": SEVERITY[f.severity],
        "fingerprint": fingerprint(f, seen),
        "location": {"path": path, "lines": {"begin": line}},
    }
    if f.fix:
        issue["content"] = {"body": f.fix}
    return issue


def _where(f: Finding, image: str | None) -> tuple[str, int]:
    loc = f.location
    if loc.path is not None and loc.line is not None:
        return relative_uri(loc.path), max(loc.line, 1)
    if loc.instruction is not None:
        return relative_uri(loc.instruction.path), max(loc.instruction.line, 1)
    if image is not None:
        return image, 1
    return relative_uri(loc.path or "Dockerfile"), 1
