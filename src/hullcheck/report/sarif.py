"""SARIF 2.1.0, shaped for GitHub code scanning (``upload-sarif``).

One run; ``tool.driver.rules`` holds one reportingDescriptor per rule id met, built from
the findings themselves (title, fix, practice, worst severity) and from the optional rule
catalogue passed in ``RenderOptions.rule_help``.  GitHub reads ``properties.tags`` and
``properties.security-severity`` (a numeric string; it only honours it on rules tagged
``security``) to rank alerts, ``partialFingerprints`` to track them across runs, and
``automationDetails.id`` to keep lint and scan uploads from closing each other's alerts.

Locations: a Dockerfile span is a physical location (relative URI + region).  An image
finding traced to a Dockerfile line uses that line; one that is not uses the file path
inside the image as the URI (no region) and a logical location, with the layer in
``properties``.  A finding about the image as a whole points at the image reference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from hullcheck import __version__
from hullcheck.document import Report
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.report.options import RenderOptions, RuleHelp
from hullcheck.report.view import advisory_url, fingerprint, relative_uri, suppression

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "hullcheck/v1"
MAX_RESULTS = 25_000
"""GitHub rejects a run with more results; the worst are kept (findings come sorted)."""
MAX_TAGS = 20

LEVEL: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
    Severity.UNKNOWN: "error",  # the gate treats an unknown severity as high by default
}
SECURITY_SEVERITY: Mapping[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
    Severity.UNKNOWN: "8.0",
}
_NAME_WORD = re.compile(r"[A-Za-z0-9]+")


def render(report: Report, options: RenderOptions | None = None) -> str:
    """Return the report as a SARIF 2.1.0 log (pretty JSON ending in a newline)."""
    opts = options or RenderOptions()
    log = to_sarif(report, opts.rule_help)
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: Report, rule_help: Mapping[str, RuleHelp] | None = None) -> dict[str, Any]:
    """Build the SARIF log as a dict (``render`` serialises it)."""
    catalogue = rule_help or {}
    findings = report.findings
    if len(findings) > MAX_RESULTS:
        findings = sorted(findings, key=lambda f: -f.severity.rank)[:MAX_RESULTS]
    # Suppressed findings stay in the log with ``suppressions`` (SARIF 2.1.0 §3.27.23), so
    # code scanning shows them as dismissed instead of closing and reopening alerts.
    findings = [*findings, *report.suppressed]
    rule_ids = sorted({f.rule for f in findings})
    index = {rule: i for i, rule in enumerate(rule_ids)}
    by_rule: dict[str, list[Finding]] = {rule: [] for rule in rule_ids}
    for f in findings:
        by_rule[f.rule].append(f)
    image_uri = _image_uri(report.target)
    seen: dict[str, int] = {}
    taken_out = {id(f) for f in report.suppressed}
    results = [_result(f, index[f.rule], image_uri, seen, id(f) in taken_out) for f in findings]
    kind = "scan" if report.target is not None else "lint"
    driver: dict[str, Any] = {
        "name": "hullcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(rule, by_rule[rule], catalogue.get(rule)) for rule in rule_ids],
    }
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    shown = [d for d in report.diagnostics if d.level != "info"]
    if shown:
        invocation["toolExecutionNotifications"] = [
            _notification(d.message, d.path, "error" if d.blocking else "warning", d.kind)
            for d in shown
        ]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "automationDetails": {"id": f"hullcheck/{kind}/"},
        "invocations": [invocation],
        "columnKind": "utf16CodeUnits",
        "results": results,
    }
    if len(report.findings) > MAX_RESULTS:
        run["properties"] = {"truncatedResults": len(report.findings) - MAX_RESULTS}
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule(rule: str, findings: list[Finding], help_: RuleHelp | None) -> dict[str, Any]:
    first = findings[0]
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    help_ = help_ or RuleHelp()
    title = first.title or rule
    explanation = help_.explanation or title
    fix = next((f.fix for f in findings if f.fix), "")
    text = explanation + (f"\n\nFix: {fix}" if fix else "")
    markdown = f"**{_md(title)}**"
    if explanation != title:
        markdown += f"\n\n{_md(explanation)}"
    if fix:
        markdown += f"\n\n**Fix:** {_md(fix)}"
    help_uri = help_.help_uri or _first_reference(findings)
    if not help_uri and all(f.practice is Practice.VULNERABILITIES for f in findings):
        help_uri = advisory_url(rule)
    if help_uri:
        markdown += f"\n\n[More about {_md(rule)}]({help_uri.replace(')', '%29')})"
    practices = sorted({f.practice.value for f in findings})
    tags = ["security", *practices][:MAX_TAGS]
    out: dict[str, Any] = {
        "id": rule,
        "name": help_.name or _identifier(title),
        "shortDescription": {"text": title},
        "fullDescription": {"text": explanation},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[worst]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[worst],
            "precision": "high",
        },
    }
    if help_uri:
        out["helpUri"] = help_uri
    return out


def _first_reference(findings: list[Finding]) -> str:
    """An advisory's first web reference, as the rule's help page (vulnerabilities)."""
    for f in findings:
        refs = f.extra.get("references")
        if isinstance(refs, list):
            for ref in refs:
                if isinstance(ref, str) and ref.startswith("https://") and " " not in ref:
                    return ref
    return ""


def _result(
    f: Finding, rule_index: int, image_uri: str, seen: dict[str, int], taken_out: bool
) -> dict[str, Any]:
    location, props = _location(f, image_uri)
    text = f.message or f.title
    where = _image_where(f)
    if where:
        # GitHub shows the message, not our properties: say where in the image it is.
        text = f"{text} ({where})"
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f, seen)},
    }
    properties: dict[str, JSONValue] = {"severity": f.severity.value, "practice": f.practice.value}
    properties.update(props)
    original = f.extra.get("original_severity")
    if isinstance(original, str):
        properties["original_severity"] = original
    out["properties"] = properties
    suppressed = suppression(f) or (("policy", "") if taken_out else None)
    if suppressed is not None:
        by, reason = suppressed
        kind = "inSource" if by in ("pragma", "lint") else "external"
        justification = f"{by}: {reason}" if reason else by
        out["suppressions"] = [{"kind": kind, "status": "accepted", "justification": justification}]
    return out


def _location(f: Finding, image_uri: str) -> tuple[dict[str, Any], dict[str, JSONValue]]:
    loc = f.location
    props: dict[str, JSONValue] = {}
    if loc.layer is not None:
        props["layer"] = loc.layer
    if loc.layer_index is not None:
        props["layer_index"] = loc.layer_index
    if loc.file is not None:
        props["file"] = loc.file
    physical: dict[str, Any]
    if loc.path is not None and loc.line is not None:
        physical = _physical(loc.path, loc.line, loc.end_line or loc.line)
    elif loc.instruction is not None:
        ins = loc.instruction
        physical = _physical(ins.path, ins.line, ins.end_line)
    elif loc.file is not None:
        physical = {"artifactLocation": {"uri": relative_uri(loc.file.lstrip("/") or "/")}}
        if loc.line is not None:  # a line inside a file of the image (a secret, say)
            start = max(loc.line, 1)
            end = max(loc.end_line or start, start)
            physical["region"] = {"startLine": start, "endLine": end}
    elif loc.path is not None:
        physical = {"artifactLocation": {"uri": relative_uri(loc.path)}}
    else:
        physical = {"artifactLocation": {"uri": image_uri}}
    out: dict[str, Any] = {"physicalLocation": physical}
    if loc.file is not None:
        out["logicalLocations"] = [
            {
                "name": loc.file.rsplit("/", 1)[-1] or loc.file,
                "fullyQualifiedName": loc.file,
                "kind": "resource",
            }
        ]
    if props:
        out["properties"] = dict(props)
    return out, props


def _image_where(f: Finding) -> str:
    loc = f.location
    parts = []
    if loc.file is not None:
        parts.append(f"in {loc.file}")
    if loc.layer_index is not None:
        parts.append(f"layer {loc.layer_index}")
    return ", ".join(parts)


def _physical(path: str, line: int, end_line: int) -> dict[str, Any]:
    start = max(line, 1)
    return {
        "artifactLocation": {"uri": relative_uri(path)},
        "region": {"startLine": start, "endLine": max(end_line, start)},
    }


def _image_uri(target: Mapping[str, JSONValue] | None) -> str:
    if target:
        for key in ("reference", "image", "name", "path"):
            value = target.get(key)
            if isinstance(value, str) and value:
                return quote(value.lstrip("/"), safe="/-._~")
    return "image"


def _notification(message: str, path: str | None, level: str, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message": {"text": message},
        "level": level,
        "descriptor": {"id": kind},
    }
    if path is not None:
        out["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": relative_uri(path)}}}]
    return out


def _identifier(title: str) -> str:
    words = _NAME_WORD.findall(title)
    return "".join(w[:1].upper() + w[1:] for w in words) or "Rule"


def _md(text: str) -> str:
    """Escape text for GitHub markdown so titles and messages cannot inject links or HTML."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|])", r"\\\1", text)
