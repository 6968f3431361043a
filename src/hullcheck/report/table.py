"""The human-readable report for a terminal (the default format), drawn with ``rich``.

Lint reports are grouped by file, then ordered by line, each finding quoting the
Dockerfile lines it points at.  Scan reports open with what was scanned (image,
digest, base OS, size, user, age, efficiency), then group findings by practice, most
severe group first; vulnerabilities take two lines each.  Both end with the errors met
and one summary line of counts per severity.

Plain text (no ANSI codes, no trailing blanks) unless ``RenderOptions.color`` is set:
decide it with ``options.resolve_color``.  Everything shown that came from an input
goes through ``source_lines.visible`` so hostile text cannot drive the terminal, and
quoted code is masked for obvious secrets (finding values are redacted upstream).
"""

from __future__ import annotations

import io
import re
import shutil
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from hullcheck.document import Report
from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.report.columns import GUTTER, pad, width_used
from hullcheck.report.options import RenderOptions
from hullcheck.report.source_lines import SourceCache, dockerfile_span, mask_secrets, visible
from hullcheck.report.view import covers_secret, secret_lines
from hullcheck.secrets.places import describe as describe_place

DEFAULT_WIDTH = 100
MAX_QUOTED_LINES = 6
SEVERITY_STYLE: Mapping[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
    Severity.UNKNOWN: "bold magenta",
}
_SEVERITIES_WORST_FIRST = sorted(Severity, key=lambda s: -s.rank)
_INDENT = 4
_LINE_BREAKS = re.compile(r"[ \t]*\r?\n[ \t]*")


def render(report: Report, options: RenderOptions | None = None) -> str:
    """Return the report as text for a terminal (ANSI colour only if ``options.color``)."""
    opts = options or RenderOptions()
    width = opts.width or shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=max(width, 40),
        color_system="standard" if opts.color else None,
        force_terminal=opts.color,
        no_color=not opts.color,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        _environ={},  # NO_COLOR, COLUMNS... were already weighed by the caller
    )
    wrap = _Wrapper(console)
    lines: list[Text] = []
    if _is_scan(report):
        lines.extend(_scan_body(report, opts, wrap))
    else:
        lines.extend(_lint_body(report, opts, wrap))
    lines.extend(_suppressed(report, wrap))
    lines.extend(_errors(report, wrap))
    lines.extend(wrap(_summary(report)))
    if not opts.color:
        return "".join(line.plain.rstrip() + "\n" for line in lines)
    # One print of pre-wrapped lines: rich's per-renderable layout is the slow part.
    console.print(Text("\n").join(lines), soft_wrap=True)
    return buf.getvalue()


class _Wrapper:
    """Wraps one logical line into physical lines of the console width, indented."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.width = console.width

    def __call__(self, text: Text, indent: int = 0) -> list[Text]:
        room = max(self.width - indent, 20)
        pad = " " * indent
        if len(text) <= room and "\n" not in text.plain:
            return [Text(pad) + text] if indent else [text]
        return [Text(pad) + part for part in text.wrap(self.console, room)]


def _is_scan(report: Report) -> bool:
    if report.target is not None:
        return True
    return any(f.location.layer is not None or f.location.file is not None for f in report.findings)


# -- pieces shared by both layouts ------------------------------------------------------


def _severity_label(severity: Severity) -> Text:
    return Text(f" {severity.value.upper():<8} ", style=SEVERITY_STYLE[severity])


def _prose(text: str) -> str:
    """A title, message or fix as one paragraph: line breaks become spaces, then ``visible``."""
    return visible(_LINE_BREAKS.sub(" ", text.strip()))


def _headline(finding: Finding) -> Text:
    line = Text()
    line.append_text(_severity_label(finding.severity))
    line.append(" ")
    line.append(visible(finding.rule), style="bold")
    line.append("  ")
    line.append(f"[{finding.practice.value}]", style="magenta")
    line.append("  ")
    line.append(_prose(finding.title), style="bold")
    return line


def _quote(
    sources: SourceCache, path: str, line: int, end_line: int, wrap: _Wrapper, *, hidden: bool
) -> list[Text]:
    quoted = sources.quote(path, line, end_line)
    if quoted is None:
        return []
    if hidden:
        note = Text("(code not shown: it holds a secret)", style="dim italic")
        return wrap(note, _INDENT + 2)
    out: list[Text] = []
    gutter = len(str(quoted[-1][0]))
    room = max(wrap.width - _INDENT - 2 - gutter - 3, 20)
    for number, raw in quoted[:MAX_QUOTED_LINES]:
        code = visible(mask_secrets(raw))
        if len(code) > room:
            code = code[: room - 1] + "…"
        text = Text(" " * (_INDENT + 2))
        text.append(f"{number:>{gutter}} │ ", style="dim")
        text.append(code)
        out.append(text)
    if len(quoted) > MAX_QUOTED_LINES:
        more = Text(f"{'':>{gutter}} │ … {len(quoted) - MAX_QUOTED_LINES} more lines", style="dim")
        out.extend(wrap(more, _INDENT + 2))
    return out


def _message_and_fix(finding: Finding, wrap: _Wrapper) -> list[Text]:
    out: list[Text] = []
    if finding.message:
        out.extend(wrap(Text(_prose(finding.message)), _INDENT))
    if finding.fix:
        fix = Text()
        fix.append("fix: ", style="green bold")
        fix.append(_prose(finding.fix))
        out.extend(wrap(fix, _INDENT))
    return out


def _errors(report: Report, wrap: _Wrapper) -> list[Text]:
    """The diagnostics: coverage losses first (what was NOT examined), then warnings."""
    out: list[Text] = []
    errors = [d for d in report.diagnostics if d.blocking]
    accepted = [d for d in report.diagnostics if d.accepted]
    warnings = [d for d in report.diagnostics if d.level == "warning"]
    for title, style, group in (
        ("Not checked (exit 2)", "bold red", errors),
        ("Not checked (accepted with --allow-incomplete)", "bold yellow", accepted),
        ("Warnings", "bold yellow", warnings),
    ):
        if not group:
            continue
        out.append(Text(title, style=style))
        for d in group:
            line = Text("  ")
            line.append(f"[{d.kind}] ", style="dim")
            if d.path is not None:
                line.append(visible(d.path), style="bold")
                line.append(": ")
            line.append(visible(d.message.removeprefix(f"{d.path}: ") if d.path else d.message))
            out.extend(wrap(line))
            if d.not_examined and d.level == "error":
                out.extend(
                    wrap(Text(f"not examined: {visible(d.not_examined)}", style="dim"), _INDENT)
                )
        out.append(Text(""))
    return out


def _suppressed(report: Report, wrap: _Wrapper) -> list[Text]:
    """Suppressed findings (scan ``--show-suppressed``): what, where, by what and why."""
    if not report.suppressed or not _is_scan(report):
        return []
    out: list[Text] = [Text(f"Suppressed ({len(report.suppressed)})", style="bold underline")]
    for f in report.suppressed:
        out.extend(wrap(_headline(f)))
        mark = f.extra.get("suppressed")
        if isinstance(mark, dict):
            why = f"by {mark.get('by')}: {mark.get('reason')}"
            if mark.get("origin"):
                why += f" ({mark.get('origin')})"
            out.extend(wrap(Text(visible(why), style="dim"), _INDENT))
    out.append(Text(""))
    return out


def _summary(report: Report) -> Text:
    counts = {s: 0 for s in Severity}
    for f in report.findings:
        counts[f.severity] += 1
    total = len(report.findings)
    text = Text()
    if total == 0:
        text.append("No findings", style="bold green")
    else:
        text.append(f"{total} finding{'s' if total != 1 else ''}: ", style="bold")
        shown = [s for s in _SEVERITIES_WORST_FIRST if s is not Severity.UNKNOWN or counts[s]]
        for i, severity in enumerate(shown):
            if i:
                text.append(", ")
            style = SEVERITY_STYLE[severity] if counts[severity] else "dim"
            text.append(f"{counts[severity]} {severity.value}", style=style)
    counted = report.summary.get("suppressed")  # scan counts them even when not listed
    suppressed = counted if isinstance(counted, int) else len(report.suppressed)
    if suppressed:
        text.append(f"; {suppressed} suppressed", style="dim")
    if report.errors:
        n = len(report.errors)
        text.append(f"; {n} not checked (exit 2)", style="bold red")
    accepted = sum(1 for d in report.diagnostics if d.accepted)
    if accepted:
        text.append(f"; {accepted} not checked (accepted)", style="yellow")
    warned = sum(1 for d in report.diagnostics if d.level == "warning")
    if warned:
        text.append(f"; {warned} warning{'s' if warned != 1 else ''}", style="yellow")
    return text


# -- lint ---------------------------------------------------------------------------------


def _lint_body(report: Report, opts: RenderOptions, wrap: _Wrapper) -> list[Text]:
    sources = SourceCache(opts.sources)
    hidden_lines = secret_lines(report.findings)
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_file[f.location.path or ""].append(f)
    out: list[Text] = []
    for path in sorted(by_file):
        out.extend(wrap(Text(visible(path) if path else "(no file)", style="bold underline")))
        findings = sorted(
            by_file[path],
            key=lambda f: (f.location.line or 0, -f.severity.rank, f.rule, f.message),
        )
        for f in findings:
            out.extend(wrap(_headline(f)))
            loc = f.location
            if path and loc.line is not None:
                end = loc.end_line or loc.line
                where = f"{path}:{loc.line}" + (f"-{end}" if end != loc.line else "")
                out.extend(wrap(Text(visible(where), style="dim"), _INDENT))
                hidden = covers_secret(hidden_lines, path, loc.line, end)
                out.extend(_quote(sources, path, loc.line, end, wrap, hidden=hidden))
            out.extend(_message_and_fix(f, wrap))
            out.append(Text(""))
    return out


# -- scan ---------------------------------------------------------------------------------

_TARGET_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Image", ("reference", "image", "name", "path")),
    ("Tags", ("repo_tags", "tags")),
    ("Digest", ("digest", "manifest_digest")),
    ("Source", ("source",)),
    ("Platform", ("platform",)),
    ("Base OS", ("base_os", "os", "distro")),
    ("Packages from", ("packages_from",)),
    ("Size", ("size",)),
    ("Layers", ("layers", "layer_count")),
    ("User", ("user", "config.user")),
    ("Created", ("created",)),
    ("Efficiency", ("efficiency",)),
    ("Wasted", ("wasted_bytes", "wasted")),
)
"""Header rows: a label and where to look, in ``target`` then ``summary`` (dotted = nested).
Deliberately not ``config.env``: environment values often hold credentials."""


def _lookup(mapping: Mapping[str, JSONValue], dotted: str) -> JSONValue:
    current: JSONValue = mapping
    for part in dotted.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _int(value: JSONValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _derived(target: Mapping[str, JSONValue]) -> dict[str, JSONValue]:
    """Size, efficiency and waste from per-layer figures when the target has no totals."""
    layers = target.get("layers")
    if not isinstance(layers, list):
        return {}
    out: dict[str, JSONValue] = {}
    sizes = [_int(layer.get("size")) for layer in layers if isinstance(layer, Mapping)]
    if sizes and all(size is not None for size in sizes):
        out["size"] = sum(size for size in sizes if size is not None)
    added = [_int(layer.get("bytes_added")) for layer in layers if isinstance(layer, Mapping)]
    wasted = [_int(layer.get("bytes_wasted")) for layer in layers if isinstance(layer, Mapping)]
    if added and all(a is not None for a in added) and all(w is not None for w in wasted):
        total = sum(a for a in added if a is not None)
        waste = sum(w for w in wasted if w is not None)
        if total > 0:
            out["efficiency"] = max(0.0, 1 - waste / total)
            out["wasted_bytes"] = waste
    return out


def _scalar(value: JSONValue) -> bool:
    return isinstance(value, str | int | float | bool)


def _human_size(value: JSONValue) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        return str(value)
    size = float(value)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{value} B" if unit == "B" else f"{size:.1f} {unit} ({value:,} bytes)"
        size /= 1000
    return str(value)  # pragma: no cover - loop always returns


def _age(value: JSONValue, now: datetime) -> str:
    if not isinstance(value, str):
        return str(value)
    try:
        created = datetime.fromisoformat(value)
    except ValueError:
        return value
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    days = (now - created).days
    if days < 0:
        return f"{value} (in the future)"
    return f"{value} ({days} day{'s' if days != 1 else ''} ago)"


def _format_field(label: str, value: JSONValue, now: datetime) -> str | None:
    """The text of one header row, or None when the value says nothing."""
    if label == "User" and value in ("", None):
        return "(not set: root)"
    if value is None:
        return None
    if label in ("Size", "Wasted"):
        return _human_size(value)
    if label == "Created":
        return _age(value, now)
    if label == "Efficiency" and isinstance(value, int | float) and not isinstance(value, bool):
        percent = value * 100 if value <= 1 else value
        return f"{percent:.1f} %"
    if label == "Layers" and isinstance(value, list):
        return str(len(value))
    if label == "Tags" and isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    if label == "Base OS" and isinstance(value, Mapping):
        parts = [value.get(k) for k in ("pretty_name", "name", "id")]
        words = [str(p) for p in parts if p]
        version = value.get("version_id") or value.get("version")
        if not words:
            return None
        return words[0] + (
            f" {version}" if version and words[0] != value.get("pretty_name") else ""
        )
    if not _scalar(value):
        return None
    return str(value)


def _target_block(report: Report, now: datetime, wrap: _Wrapper) -> list[Text]:
    target: Mapping[str, JSONValue] = report.target or {}
    sources: list[Mapping[str, JSONValue]] = [target, report.summary, _derived(target)]
    rows: list[tuple[str, str]] = []
    for label, keys in _TARGET_FIELDS:
        value = next(
            (v for src in sources for k in keys if (v := _lookup(src, k)) is not None), None
        )
        if value is None and not (label == "User" and ("config" in target or "user" in target)):
            continue
        text = _format_field(label, value, now)
        if text is not None and not (label == "Tags" and text == target.get("reference")):
            rows.append((label, visible(text)))
    if not rows:
        return []
    column = max(len(label) for label, _ in rows) + 2
    out: list[Text] = []
    for label, value in rows:
        parts = wrap(Text(value), column)
        head = Text()  # a base style would cover the appended value too
        head.append(f"{label:<{column}}", style="bold")
        out.append(head + parts[0][column:])
        out.extend(parts[1:])
    out.append(Text(""))
    return out


MAX_LAYER_ROWS = 60
"""Layers drawn in the per-layer table; the rest are counted (JSON lists them all)."""


def _short_size(value: int | None, zero: str = "0 B") -> str:
    if value is None:
        return "?"
    if value == 0:
        return zero
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000:
            return f"{value} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _step_text(created_by: JSONValue) -> str:
    """A history ``created_by`` as a short instruction (``RUN apt-get ...``), one line."""
    if not isinstance(created_by, str) or not created_by.strip():
        return ""
    parsed = parse_created_by(created_by[:4096])
    text = f"{parsed.keyword} {parsed.text}" if parsed.keyword else parsed.text
    return " ".join(text.split())


def _dockerfile_cell(row: Mapping[str, JSONValue]) -> str:
    if row.get("base_image") is True:
        return "(base image)"
    ins = row.get("instruction")
    if isinstance(ins, Mapping):
        path, line, end = ins.get("path"), _int(ins.get("line")), _int(ins.get("end_line"))
        if isinstance(path, str) and line is not None:
            return f"{path}:{line}" + (f"-{end}" if end is not None and end != line else "")
    if row.get("traced") is False:
        return "(not traced)"
    return ""


def _layer_rows(report: Report) -> list[dict[str, JSONValue]]:
    """Per layer: ``target.layers`` (size, created_by) updated by ``summary.layer_table``
    (bytes wasted, Dockerfile trace), by index."""
    target: Mapping[str, JSONValue] = report.target or {}
    rows: dict[int, dict[str, JSONValue]] = {}
    for source in (target.get("layers"), report.summary.get("layer_table")):
        if not isinstance(source, list):
            continue
        for item in source:
            index = _int(item.get("index")) if isinstance(item, Mapping) else None
            if isinstance(item, Mapping) and index is not None and index >= 0:
                rows.setdefault(index, {}).update(item)
    return [rows[i] for i in sorted(rows)]


def _layer_table(report: Report, wrap: _Wrapper) -> list[Text]:
    """The compact per-layer table under the header: what each layer costs and wastes."""
    rows = _layer_rows(report)
    if not rows:
        return []
    cells: list[tuple[str, str, str, str, str]] = []
    for row in rows[:MAX_LAYER_ROWS]:
        size = _int(row.get("size"))
        if size is None:
            size = _int(row.get("bytes_added"))
        cells.append(
            (
                str(row.get("index")),
                _short_size(size),
                _short_size(_int(row.get("bytes_wasted")), zero="-"),
                _dockerfile_cell(row),
                _step_text(row.get("created_by")),
            )
        )
    head = ("#", "Size", "Wasted", "Dockerfile", "Created by")
    # numbers right-aligned; with no trace there is no Dockerfile column
    room = max(wrap.width - 1 - width_used(pad(head, cells, right=(0, 1, 2), drop_empty=True)), 10)
    padded = pad(head, cells, right=(0, 1, 2), drop_empty=True, last_width=room)
    traced = len(padded[0]) == len(head)

    def line(values: list[str], style: str = "") -> Text:
        text = Text(" ")
        text.append(f"{values[0]}{GUTTER}{values[1]}{GUTTER}{values[2]}{GUTTER}", style=style)
        if traced:
            text.append(f"{values[3]}{GUTTER}", style=style or "dim")
        text.append(values[-1], style=style)
        return text

    out = [line(padded[0], "bold")]
    out.extend(line(c) for c in padded[1:])
    if len(rows) > MAX_LAYER_ROWS:
        more = Text(f" … {len(rows) - MAX_LAYER_ROWS} more layers (--format json lists all)")
        more.stylize("dim")
        out.extend(wrap(more))
    out.append(Text(""))
    return out


def _where(f: Finding) -> str:
    loc = f.location
    parts: list[str] = []
    if loc.layer_index is not None:
        parts.append(f"layer {loc.layer_index}")
    elif loc.layer is not None:
        parts.append(f"layer {loc.layer[:19]}")
    if loc.file is not None:
        in_file = loc.path is None and loc.line is not None
        parts.append(f"{loc.file}:{loc.line}" if in_file else loc.file)
    if loc.instruction is not None:
        ins = loc.instruction
        span = f"{ins.line}" + (f"-{ins.end_line}" if ins.end_line != ins.line else "")
        parts.append(f"{ins.path}:{span}")
    elif loc.path is not None:
        parts.append(f"{loc.path}:{loc.line}" if loc.line is not None else loc.path)
    return " · ".join(parts)


def _package_cells(f: Finding) -> tuple[str, str, str]:
    pkg = f.extra.get("package")
    name = version = ""
    if isinstance(pkg, Mapping):
        name = str(pkg.get("name", ""))
        version = str(pkg.get("version", ""))
    elif isinstance(pkg, str):
        name = pkg
    installed = f.extra.get("installed_version", version)
    fixed = f.extra.get("fixed_version")
    if isinstance(fixed, list):
        fixed = ", ".join(str(v) for v in fixed)
    return name or (f.location.file or ""), str(installed or ""), str(fixed or "-")


def _vulnerability_lines(findings: list[Finding], wrap: _Wrapper) -> list[Text]:
    """Two lines per vulnerability: id, package, installed -> fixed, where; then the title."""
    out: list[Text] = []
    id_width = min(max(len(f.rule) for f in findings), 24)
    for f in findings:
        name, installed, fixed = _package_cells(f)
        line = Text()
        line.append_text(_severity_label(f.severity))
        line.append(" ")
        line.append(f"{visible(f.rule):<{id_width}}", style="bold")
        line.append("  ")
        line.append(visible(f"{name} {installed}".strip()))
        if fixed != "-":
            line.append(" → ")
            line.append(visible(fixed), style="green")
        else:
            line.append("  (no fix yet)", style="dim")
        where = _where_short(f)
        if where:
            line.append(f"  · {visible(where)}", style="dim")
        out.extend(wrap(line))
        title = f.title.removeprefix(f"{f.rule}: ")  # the id is already on the line above
        out.extend(wrap(Text(_prose(title)), _INDENT))
    return out


def _coverage_lines(report: Report, wrap: _Wrapper) -> list[Text]:
    """The vulnerability coverage line: packages checked and not, per ecosystem/release,
    and the data used (its age; what the embedded snapshot covers)."""
    info = report.summary.get("vulnerability_db")
    if not isinstance(info, dict):
        return []
    cov = info.get("coverage")
    if not isinstance(cov, dict):
        return []
    rows = [e for e in cov.get("ecosystems") or [] if isinstance(e, dict)]
    checked = [f"{e.get('ecosystem')} {e.get('packages')}" for e in rows if e.get("covered")]
    missing = [f"{e.get('ecosystem')} {e.get('packages')}" for e in rows if not e.get("covered")]
    total = _int(cov.get("checked")) or 0
    line = Text("vulnerability coverage: ", style="bold")
    line.append(f"{total} of {total + (_int(cov.get('unchecked')) or 0)} packages checked")
    if checked:
        line.append(f" ({', '.join(visible(c) for c in checked)})")
    if missing:
        line.append("; NOT checked: ", style="bold red")
        line.append(", ".join(visible(m) for m in missing), style="red")
    age = info.get("age_days")
    data = Text("vulnerability data: ", style="dim")
    data.append(
        f"{age:.0f} days old" if isinstance(age, int | float) else "of unknown age", style="dim"
    )
    embedded = info.get("embedded")
    if isinstance(embedded, dict):
        data.append(f"; {visible(str(embedded.get('note')))}", style="dim")
    return [*wrap(line), *wrap(data), Text("")]


def _place_lines(f: Finding, wrap: _Wrapper) -> list[Text]:
    """Every place one secret lives (file and layer, history, config, Dockerfile line)."""
    places = f.extra.get("places")
    if not isinstance(places, list) or len(places) < 2:
        return []
    out: list[Text] = []
    for p in places:
        if isinstance(p, dict):
            out.extend(wrap(Text(f"· {visible(describe_place(p))}", style="dim"), _INDENT))
    return out


def _where_short(f: Finding) -> str:
    loc = f.location
    parts: list[str] = []
    if loc.layer_index is not None:
        parts.append(f"layer {loc.layer_index}")
    if loc.instruction is not None:
        parts.append(f"{loc.instruction.path}:{loc.instruction.line}")
    return " · ".join(parts)


def _scan_body(report: Report, opts: RenderOptions, wrap: _Wrapper) -> list[Text]:
    now = opts.now or datetime.now(UTC)
    sources = SourceCache(opts.sources)
    hidden_lines = secret_lines(report.findings)
    out = _target_block(report, now, wrap)
    out.extend(_layer_table(report, wrap))
    out.extend(_coverage_lines(report, wrap))
    groups: dict[Practice, list[Finding]] = defaultdict(list)
    for f in report.findings:
        groups[f.practice].append(f)

    def group_key(practice: Practice) -> tuple[int, int, str]:
        worst = max(f.severity.rank for f in groups[practice])
        return (-worst, -len(groups[practice]), practice.value)

    for practice in sorted(groups, key=group_key):
        findings = sorted(
            groups[practice],
            key=lambda f: (
                -f.severity.rank,
                f.location.layer_index if f.location.layer_index is not None else -1,
                f.location.file or "",
                f.rule,
                f.message,
            ),
        )
        out.append(Text(f"{practice.value} ({len(findings)})", style="bold underline"))
        if practice is Practice.VULNERABILITIES:
            out.extend(_vulnerability_lines(findings, wrap))
            out.append(Text(""))
            continue
        for f in findings:
            out.extend(wrap(_headline(f)))
            where = _where(f)
            if where:
                out.extend(wrap(Text(visible(where), style="dim"), _INDENT))
            out.extend(_place_lines(f, wrap))
            span = dockerfile_span(f)
            if span is not None:
                path, start, end = span
                hidden = covers_secret(hidden_lines, path, start, end)
                out.extend(_quote(sources, path, start, end, wrap, hidden=hidden))
            out.extend(_message_and_fix(f, wrap))
            out.append(Text(""))
    return out
