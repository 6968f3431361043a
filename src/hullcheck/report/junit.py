"""JUnit XML: one test suite per target, one test case per rule (or advisory) and target.

CI servers (GitLab ``artifacts:reports:junit``, Jenkins, Azure) show test results where
people already look.  A rule that found something is a failing case whose ``<failure>``
lists each finding with its place; a rule that ran and found nothing is a passing case
(the rules of the run come from ``RenderOptions.rule_help``, which the commands fill
with every rule they ran); a rule whose findings the policy took out is ``<skipped>``
with the reason; a check that could not run is an ``<error>`` case, so an incomplete
run is never a green test report.  The ``<failure>`` type is the worst severity, so a
CI view can tell a critical from an info finding.  The document follows the
Ant/Jenkins JUnit schema (tests/report/data/junit.xsd).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from hullcheck.document import Report
from hullcheck.model import Finding
from hullcheck.report.options import RenderOptions
from hullcheck.report.view import place, suppression, target_name, worst_first

_XML_BAD = {c: None for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report as a ``<testsuites>`` document (UTF-8 XML declaration, ends in newline)."""
    opts = options or RenderOptions()
    by_target: dict[str, list[Finding]] = defaultdict(list)
    default_target = target_name(report)
    for f in report.findings:
        by_target[_target(f, report, default_target)].append(f)
    skipped: dict[str, list[Finding]] = defaultdict(list)
    for f in report.suppressed:
        skipped[_target(f, report, default_target)].append(f)
    targets = sorted(set(by_target) | set(skipped)) or [default_target]
    root = ET.Element("testsuites", name="hullcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for target in targets:
        suite = _suite(target, by_target[target], skipped[target], sorted(opts.rule_help))
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name=f"{default_target} coverage")
        for d in report.errors:
            case = ET.SubElement(suite, "testcase", name=d.kind, classname="hullcheck.coverage")
            error = ET.SubElement(case, "error", message=_x(d.message), type=d.kind)
            error.text = _x(f"{d.stage}: {d.message}" + (f" ({d.path})" if d.path else ""))
        _count(suite, len(report.errors), 0, len(report.errors), 0)
        totals["tests"] += len(report.errors)
        totals["errors"] += len(report.errors)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _target(f: Finding, report: Report, default: str) -> str:
    if report.target is not None:
        return default  # a scan: one image
    path, _ = place(f)
    return path or default


def _suite(
    target: str, findings: list[Finding], skipped: list[Finding], rules: list[str]
) -> ET.Element:
    suite = ET.Element("testsuite", name=_x(target))
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule].append(f)
    skipped_by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in skipped:
        skipped_by_rule[f.rule].append(f)
    failures = skips = 0
    names = sorted(set(rules) | set(by_rule) | set(skipped_by_rule))
    for rule in names:
        case = ET.SubElement(suite, "testcase", name=_x(rule), classname=_x(_classname(target)))
        found = worst_first(by_rule.get(rule, []))
        if found:
            failures += 1
            worst = found[0]
            failure = ET.SubElement(
                case,
                "failure",
                message=_x(f"{worst.severity.value}: {worst.title}"),
                type=worst.severity.value,
            )
            failure.text = _x("\n".join(_line(f) for f in found))
        elif rule in skipped_by_rule:
            skips += 1
            mark = suppression(skipped_by_rule[rule][0]) or ("policy", "")
            why = f"suppressed by {mark[0]}" + (f": {mark[1]}" if mark[1] else "")
            ET.SubElement(case, "skipped", message=_x(why))
    _count(suite, len(names), failures, 0, skips)
    return suite


def _count(suite: ET.Element, tests: int, failures: int, errors: int, skipped: int) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", str(skipped))


def _classname(target: str) -> str:
    return "hullcheck." + target.replace(".", "_")


def _line(f: Finding) -> str:
    path, line = place(f)
    where = f"{path}:{line}" if path and line else (path or "")
    text = f"[{f.severity.value}] {f.title}: {f.message}"
    if where:
        text += f" ({where})"
    if f.fix:
        text += f"\n  fix: {f.fix}"
    return text


def _x(text: str) -> str:
    """Text XML 1.0 can carry: control characters other than tab and newlines dropped."""
    return text.translate(_XML_BAD)
