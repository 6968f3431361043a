"""What several formats say the same way: the verdict, a finding's place, its fingerprint.

The CI formats (JUnit, GitLab, Markdown, HTML, SARIF) each need a stable id per finding,
the file and line to point at, and the run's verdict; deciding those here keeps the
formats agreeing with each other.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from hullcheck.document import Report
from hullcheck.model import Finding, Practice, Severity

DEFAULT_GATE = Severity.HIGH
SEVERITIES_WORST_FIRST = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.UNKNOWN,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """``status`` is ``failed``, ``incomplete`` or ``passed``; ``text`` says it to a person."""

    status: str
    text: str


def verdict(report: Report) -> Verdict:
    """The gate's answer, as the exit code gives it (1 failed, 2 incomplete, 0 passed).

    ``summary.failed`` is what the command decided with its ``--fail-on``; a report that
    lacks it (a saved one) is judged at the default gate, ``high``.
    """
    if report.errors:
        return Verdict("incomplete", f"INCOMPLETE: {len(report.errors)} check(s) could not run")
    failed = report.summary.get("failed")
    if not isinstance(failed, bool):
        failed = any(f.severity.rank >= DEFAULT_GATE.rank for f in report.findings)
    counts = severity_counts(report.findings)
    worst = ", ".join(f"{n} {s.value}" for s, n in counts.items()) or "no findings"
    if failed:
        return Verdict("failed", f"FAILED: {worst}")
    return Verdict("passed", f"PASSED: {worst}")


def severity_counts(findings: list[Finding]) -> dict[Severity, int]:
    """Findings per severity, worst first, only the severities present."""
    counts = Counter(f.severity for f in findings)
    return {s: counts[s] for s in SEVERITIES_WORST_FIRST if counts[s]}


def worst_first(findings: list[Finding]) -> list[Finding]:
    """Findings sorted by severity (worst first), then rule and message, stably."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.rule, f.message))


def place(f: Finding) -> tuple[str | None, int | None]:
    """The file (Dockerfile, or path inside the image) and line a finding points at."""
    loc = f.location
    if loc.path is not None and loc.line is not None:
        return loc.path, loc.line
    if loc.instruction is not None:
        return loc.instruction.path, loc.instruction.line
    if loc.file is not None:
        return loc.file, loc.line
    return loc.path, loc.line


def fingerprint(f: Finding, seen: dict[str, int]) -> str:
    """A print that survives edits that move lines: rule, where, what; numbered on repeats.

    A finding's own ``fingerprint`` (secrets carry one) wins.  ``seen`` counts prints
    already given in this report, so identical findings still get distinct ones.
    """
    given = f.extra.get("fingerprint")
    if isinstance(given, str) and given:
        base = given
    else:
        loc = f.location
        where = loc.path or (loc.instruction.path if loc.instruction else "") or ""
        material = "\x00".join((f.rule, where, loc.file or "", f.title, f.message))
        base = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    count = seen.get(base, 0)
    seen[base] = count + 1
    return f"{base}:{count + 1}"


def target_name(report: Report) -> str:
    """What was checked, as one line: the image reference (scan) or ``Dockerfile`` (lint)."""
    target = report.target or {}
    for key in ("reference", "name", "image", "path"):
        value = target.get(key)
        if isinstance(value, str) and value:
            return value
    return "Dockerfile"


def advisory_url(advisory: str) -> str:
    """The public page of an advisory id (NVD for CVEs, GitHub for GHSAs, else OSV)."""
    if advisory.startswith("CVE-"):
        return f"https://nvd.nist.gov/vuln/detail/{advisory}"
    if advisory.startswith("GHSA-"):
        return f"https://github.com/advisories/{advisory}"
    return f"https://osv.dev/vulnerability/{advisory}"


def suppression(f: Finding) -> tuple[str, str] | None:
    """``(by, reason)`` of a finding the policy took out, else None."""
    mark = f.extra.get("suppressed")
    if not isinstance(mark, dict):
        return None
    return str(mark.get("by") or "policy"), str(mark.get("reason") or "")


def relative_uri(path: str) -> str:
    """A relative URI for ``path``: forward slashes, relative to the working directory
    when it lies under it (CI servers match paths against the repository's), no ``./``,
    percent-encoded so ``:`` or spaces cannot turn it into a scheme or a bad reference."""
    posix = path.replace("\\", "/")
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:
            rel = path
        if not rel.startswith(".."):
            posix = rel.replace("\\", "/")
    posix = posix.removeprefix("./")
    return quote(posix, safe="/-._~!$&'()*+,;=@")


def secret_lines(findings: Iterable[Finding]) -> set[tuple[str, int]]:
    """(path, line) pairs that a secrets finding covers: never quoted, whoever points there."""
    out: set[tuple[str, int]] = set()
    for f in findings:
        if f.practice is not Practice.SECRETS and "secret" not in f.extra:
            continue
        loc = f.location
        spans = []
        if loc.path is not None and loc.line is not None:
            spans.append((loc.path, loc.line, loc.end_line or loc.line))
        if loc.instruction is not None:
            ins = loc.instruction
            spans.append((ins.path, ins.line, ins.end_line))
        for path, start, end in spans:
            out.update((path, n) for n in range(start, max(start, end) + 1))
    return out


def covers_secret(lines: set[tuple[str, int]], path: str, line: int, end: int) -> bool:
    """Whether any of lines ``line``..``end`` of ``path`` holds a secret."""
    return any((path, n) in lines for n in range(line, max(line, end) + 1))
