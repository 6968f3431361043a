"""Markdown for a pull-request comment or ``$GITHUB_STEP_SUMMARY``: the verdict first.

A heading with the verdict (passed, failed, incomplete) and what was checked, a line of
counts per severity, then the worst findings as a table (severity, rule, what, where,
fix) and the checks that could not run.  At most ``MAX_ROWS`` findings are listed and
the document stays under GitHub's 65,536-character comment limit.  Every value is
escaped so text from a Dockerfile or an image cannot add links, images, HTML or table
cells; secrets are already redacted in the findings.
"""

from __future__ import annotations

import re

from hullcheck.document import Report
from hullcheck.model import Finding
from hullcheck.report.options import RenderOptions
from hullcheck.report.source_lines import visible
from hullcheck.report.view import place, severity_counts, target_name, verdict, worst_first

MAX_ROWS = 25
MAX_CHARS = 60_000
_ICON = {"passed": "✅", "failed": "❌", "incomplete": "⚠️"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report as GitHub-flavoured Markdown, ending in a newline."""
    del options
    v = verdict(report)
    kind = "image" if report.target is not None else "Dockerfile lint"
    lines = [
        f"### {_ICON[v.status]} hullcheck: {v.status} — {kind} `{_code(target_name(report))}`",
        "",
    ]
    counts = severity_counts(report.findings)
    summary = ", ".join(f"**{n}** {s.value}" for s, n in counts.items()) or "no findings"
    lines.append(f"{len(report.findings)} findings: {summary}")
    if report.suppressed or report.summary.get("suppressed"):
        lines.append(f"({report.summary.get('suppressed', len(report.suppressed))} suppressed)")
    lines.append("")
    if report.errors:
        lines += ["**Not checked** (the verdict cannot be trusted until these run):", ""]
        lines += [f"- `{_code(d.kind)}`: {_md(d.message)}" for d in report.errors]
        lines.append("")
    findings = worst_first(report.findings)
    if findings:
        lines += ["| Severity | Rule | Finding | Where | Fix |", "|---|---|---|---|---|"]
        lines += [_row(f) for f in findings[:MAX_ROWS]]
        if len(findings) > MAX_ROWS:
            lines += ["", f"… and {len(findings) - MAX_ROWS} more (see the full report)."]
        lines.append("")
    text = "\n".join(lines)
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n… (cut to fit a comment)\n"
    return text.rstrip("\n") + "\n"


def _row(f: Finding) -> str:
    path, line = place(f)
    where = f"{path}:{line}" if path and line else (path or "")
    loc = f.location
    if loc.layer_index is not None and report_is_image(f):
        where = f"layer {loc.layer_index}" + (f" · {where}" if where else "")
    cells = (
        f"**{f.severity.value}**",
        f"`{_code(f.rule)}`",
        _md(f.title),
        f"`{_code(where)}`" if where else "",
        _md(f.fix),
    )
    return "| " + " | ".join(cells) + " |"


def report_is_image(f: Finding) -> bool:
    """Whether the finding is about an image layer (a scan finding)."""
    return f.location.layer is not None or f.location.layer_index is not None


def _md(text: str) -> str:
    """Escaped Markdown text on one line (no HTML, links, emphasis or table cells)."""
    one_line = " ".join(visible(text).split())
    return _SPECIAL.sub(r"\\\1", one_line)


def _code(text: str) -> str:
    """Text for inside a code span: one line, no backticks or pipes to break out."""
    return " ".join(visible(text).split()).replace("`", "'").replace("|", "¦")
