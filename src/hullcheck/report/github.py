"""GitHub Actions annotations: each finding shown on its Dockerfile line in a pull request.

Printed to the job's log, the workflow commands ``::error``, ``::warning`` and ``::notice``
become annotations on the file and line they name, with no SARIF upload and no code
scanning licence.  A finding's severity picks the command (critical, high and unknown are
errors, medium and low warnings, info notices); a finding with no file (an image finding
not traced to a Dockerfile line) is annotated on the run.  Every check that could not run
is an ``::error`` of its own, and a last line gives the verdict, so a log that shows no
annotations can still be told from one whose checks failed.  Values are escaped as the
runner requires (``%``, CR and LF everywhere; ``:`` and ``,`` in properties), so text from
a Dockerfile or an image cannot start a command of its own; secrets are already redacted
in the findings.  GitHub shows at most 10 annotations of each kind per step; the rest stay
in the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from hullcheck.document import Report
from hullcheck.model import Finding, Severity
from hullcheck.report.options import RenderOptions
from hullcheck.report.view import relative_uri, target_name, verdict, worst_first

COMMAND: Mapping[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.UNKNOWN: "error",  # the gate counts an unknown severity as high
    Severity.MEDIUM: "warning",
    Severity.LOW: "warning",
    Severity.INFO: "notice",
}


def render(report: Report, options: RenderOptions | None = None) -> str:
    """One workflow command per finding and per check that could not run, then the verdict."""
    del options
    lines = [_finding(f) for f in worst_first(report.findings)]
    lines += [
        f"::error title={_property('hullcheck: not checked')}::{_data(f'{d.kind}: {d.message}')}"
        for d in report.errors
    ]
    v = verdict(report)
    command = "notice" if v.status == "passed" else "error"
    what = f"hullcheck {v.status}: {target_name(report)}, {len(report.findings)} findings"
    lines.append(f"::{command} title={_property('hullcheck verdict')}::{_data(what)}")
    return "\n".join(lines) + "\n"


def _finding(f: Finding) -> str:
    properties = []
    path, line = _source_line(f)
    if path is not None:
        properties.append(f"file={_property(unquote(relative_uri(path)))}")  # a path, not a URI
        properties.append(f"line={max(line or 1, 1)}")
    title = f.title if f.title.startswith(f.rule) else f"{f.rule} {f.title}"
    properties.append(f"title={_property(title)}")
    message = f.message if f.message and f.message != f.title else f.title
    if path is None and f.location.file is not None:
        message += f" (in the image: {f.location.file})"
    if f.fix:
        message += f"\nfix: {f.fix}"
    return f"::{COMMAND[f.severity]} {','.join(properties)}::{_data(message)}"


def _source_line(f: Finding) -> tuple[str | None, int | None]:
    """A file of the repository (a Dockerfile) and line, never a path inside the image."""
    loc = f.location
    if loc.instruction is not None:
        return loc.instruction.path, loc.instruction.line
    if loc.path is not None and loc.file is None:
        return loc.path, loc.line
    return None, None


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
