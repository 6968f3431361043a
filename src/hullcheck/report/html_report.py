"""A self-contained HTML report: one file a manager or an auditor can open, nothing fetched.

At the top what was checked (image, digest, platform, base OS, size, user, created) and
the verdict; two inline SVG charts (findings by severity, layer sizes with the bytes later
layers waste); the layer table; the vulnerabilities in a table that sorts by any column
and filters by text and severity; every other finding grouped by practice, worst group
first, with its place, the Dockerfile lines it points at, the message and the fix; the
checks that could not run.  A lint report shows the findings and checks only.

One file: styles and the small script are inline, a Content-Security-Policy forbids any
request (``default-src 'none'``), so opening it from an artefact store leaks nothing.
Every value is HTML-escaped; secrets are redacted upstream, quoted Dockerfile lines are
masked, and a line a secrets finding points at is never quoted.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Mapping, Sequence

from hullcheck.document import Report
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.report.options import RenderOptions
from hullcheck.report.source_lines import SourceCache, dockerfile_span, mask_secrets, visible
from hullcheck.report.view import (
    SEVERITIES_WORST_FIRST,
    covers_secret,
    place,
    secret_lines,
    severity_counts,
    target_name,
    verdict,
    worst_first,
)

MAX_QUOTED_LINES = 8
COLOURS: Mapping[Severity, str] = {
    Severity.CRITICAL: "#7f1d1d",
    Severity.HIGH: "#dc2626",
    Severity.UNKNOWN: "#9333ea",
    Severity.MEDIUM: "#d97706",
    Severity.LOW: "#0891b2",
    Severity.INFO: "#6b7280",
}
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#f8fafc}
main{max-width:1200px;margin:auto;padding:1.5rem}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
.verdict{display:inline-block;padding:.35rem .8rem;border-radius:6px;color:#fff;font-weight:700}
.failed{background:#dc2626}.passed{background:#16a34a}.incomplete{background:#d97706}
dl.ident{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.8rem 0}
td code{word-break:break-all}dt{font-weight:600;color:#374151}
dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #e5e7eb;
padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f1f5f9}
th[data-sort]{cursor:pointer}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{color:#fff;border-radius:4px;padding:0 .35rem;font-size:.8rem;font-weight:700}
.finding{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:.6rem .8rem;
margin:.5rem 0}
.where{color:#4b5563;font-family:ui-monospace,monospace;font-size:.85rem}
pre{background:#0f172a;color:#e2e8f0;padding:.5rem;border-radius:4px;overflow-x:auto}
.charts{display:flex;gap:2rem;flex-wrap:wrap}.fix{color:#166534}.muted{color:#6b7280}
"""
_SCRIPT = """
(function(){
  var table=document.getElementById('vulns'); if(!table) return;
  var body=table.tBodies[0], text=document.getElementById('vuln-filter'),
      sev=document.getElementById('vuln-severity'), shown=document.getElementById('vuln-shown');
  function filter(){
    var q=text.value.toLowerCase(), s=sev.value, n=0;
    Array.prototype.forEach.call(body.rows,function(r){
      var ok=(!q||r.textContent.toLowerCase().indexOf(q)>=0)&&(!s||r.dataset.severity===s);
      r.hidden=!ok; if(ok) n++;
    });
    shown.textContent=n;
  }
  text.addEventListener('input',filter); sev.addEventListener('change',filter);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=th.dataset.dir!=='asc'; th.dataset.dir=asc?'asc':'desc';
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].dataset.key||a.cells[i].textContent,
            y=b.cells[i].dataset.key||b.cells[i].textContent;
        var c=(th.dataset.sort==='num')?(parseFloat(x)-parseFloat(y)):x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
})();
"""


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report as one HTML document with no external resources."""
    opts = options or RenderOptions()
    v = verdict(report)
    name = target_name(report)
    vulns = [f for f in report.findings if f.practice is Practice.VULNERABILITIES]
    others = [f for f in report.findings if f.practice is not Practice.VULNERABILITIES]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>hullcheck: {_e(name)}</title><style>{_STYLE}</style></head><body><main>",
        f"<h1>hullcheck report: {_e(name)}</h1>",
        f'<p><span class="verdict {v.status}" id="verdict">{_e(v.text)}</span></p>',
        _identity(report),
        _charts(report),
        _layers(report),
        _errors(report),
        _vulnerabilities(vulns),
        _findings(report, others, SourceCache(opts.sources)),
        _suppressed(report),
        f"</main><script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _e(value: object) -> str:
    return html.escape(visible(str(value)), quote=True)


def _badge(severity: Severity) -> str:
    colour = COLOURS[severity]
    return f'<span class="sev" style="background:{colour}">{severity.value.upper()}</span>'


def _identity(report: Report) -> str:
    target: Mapping[str, JSONValue] = report.target or {}
    if not target:
        return ""
    config = target.get("config")
    user = config.get("user") if isinstance(config, Mapping) else None
    base = report.summary.get("base_os")
    base_text = (
        base.get("pretty_name") or f"{base.get('id')} {base.get('version_id')}"
        if isinstance(base, Mapping)
        else target.get("base_os")
    )
    layers = _layer_rows(report)
    size = sum(_int(r.get("size")) or 0 for r in layers)
    rows = [
        ("Image", target.get("reference") or target.get("name")),
        ("Digest", target.get("digest")),
        ("Platform", target.get("platform")),
        ("Base OS", base_text),
        ("Size", _size(size) if layers else None),
        ("Layers", len(layers) or None),
        ("User", (user or "root (no USER set)") if isinstance(config, Mapping) else None),
        ("Created", target.get("created")),
    ]
    cells = "".join(f"<dt>{k}</dt><dd>{_e(v)}</dd>" for k, v in rows if v not in (None, ""))
    return f'<dl class="ident">{cells}</dl>'


def _charts(report: Report) -> str:
    counts = severity_counts(report.findings)
    bars = []
    top = max(counts.values(), default=0) or 1
    for i, severity in enumerate(SEVERITIES_WORST_FIRST):
        n = counts.get(severity, 0)
        width = round(220 * n / top)
        y = 8 + i * 24
        bars.append(
            f'<text x="0" y="{y + 13}" font-size="12">{severity.value}</text>'
            f'<rect x="70" y="{y}" width="{width}" height="16" fill="{COLOURS[severity]}"/>'
            f'<text x="{76 + width}" y="{y + 13}" font-size="12">{n}</text>'
        )
    chart = (
        "<figure><figcaption>Findings by severity</figcaption>"
        f'<svg id="chart-severity" width="330" height="{16 + 24 * 6}" role="img" '
        f'aria-label="findings by severity">{"".join(bars)}</svg></figure>'
    )
    layers = _layer_rows(report)[:40]
    if layers:
        sizes = [(_int(r.get("size")) or _int(r.get("bytes_added")) or 0) for r in layers]
        biggest = max(sizes) or 1
        rects = []
        for i, (row, size) in enumerate(zip(layers, sizes, strict=True)):
            wasted = min(_int(row.get("bytes_wasted")) or 0, size)
            width = max(round(300 * size / biggest), 1)
            waste = round(300 * wasted / biggest)
            y = 4 + i * 14
            rects.append(
                f'<text x="0" y="{y + 10}" font-size="10">{i}</text>'
                f'<rect x="24" y="{y}" width="{width}" height="11" fill="#3b82f6">'
                f"<title>layer {i}: {_size(size)}, {_size(wasted)} wasted</title></rect>"
                + (
                    f'<rect x="{24 + width - waste}" y="{y}" width="{waste}" height="11" '
                    'fill="#f97316"/>'
                    if waste
                    else ""
                )
                + f'<text x="{30 + width}" y="{y + 10}" font-size="10">{_size(size)}</text>'
            )
        chart += (
            "<figure><figcaption>Layer sizes (orange: bytes later layers waste)</figcaption>"
            f'<svg id="chart-layers" width="420" height="{8 + 14 * len(layers)}" role="img" '
            f'aria-label="layer sizes">{"".join(rects)}</svg></figure>'
        )
    return f'<div class="charts">{chart}</div>'


def _layers(report: Report) -> str:
    rows = _layer_rows(report)
    if not rows:
        return ""
    body = []
    for row in rows:
        size = _int(row.get("size"))
        if size is None:
            size = _int(row.get("bytes_added"))
        wasted = _int(row.get("bytes_wasted")) or 0
        ins = row.get("instruction")
        where = ""
        if isinstance(ins, Mapping):
            where = f"{ins.get('path')}:{ins.get('line')}"
        elif row.get("base_image"):
            where = "(base image)"
        body.append(
            f"<tr><td class=num>{_e(row.get('index'))}</td>"
            f'<td class=num data-key="{size or 0}">{_size(size or 0)}</td>'
            f'<td class=num data-key="{wasted}">{_size(wasted) if wasted else "-"}</td>'
            f"<td>{_e(where)}</td>"
            f"<td><code>{_e(str(row.get('created_by') or '')[:300])}</code></td></tr>"
        )
    return (
        '<h2>Layers</h2><table id="layers"><thead><tr><th>#</th><th>Size</th><th>Wasted</th>'
        f"<th>Dockerfile</th><th>Created by</th></tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def _vulnerabilities(vulns: list[Finding]) -> str:
    if not vulns:
        return ""
    options = "".join(
        f'<option value="{s.value}">{s.value}</option>' for s in SEVERITIES_WORST_FIRST
    )
    rows = []
    for f in worst_first(vulns):
        pkg = f.extra.get("package")
        name = version = ""
        if isinstance(pkg, Mapping):
            name, version = str(pkg.get("name", "")), str(pkg.get("version", ""))
        fixed = f.extra.get("fixed_version")
        layer = f.location.layer_index
        rows.append(
            f'<tr data-severity="{f.severity.value}">'
            f'<td data-key="{9 - f.severity.rank}{f.severity.value}">{_badge(f.severity)}</td>'
            f"<td>{_e(f.rule)}</td><td>{_e(name)}</td><td>{_e(version)}</td>"
            f"<td>{_e(fixed) if fixed else '<span class=muted>no fix</span>'}</td>"
            f'<td class=num data-key="{layer if layer is not None else -1}">'
            f"{_e(layer) if layer is not None else ''}</td><td>{_e(f.title)}</td></tr>"
        )
    return (
        f'<h2>Vulnerabilities (<span id="vuln-shown">{len(vulns)}</span> of {len(vulns)})</h2>'
        '<p><input id="vuln-filter" type="search" placeholder="filter: id, package, text"> '
        f'<select id="vuln-severity"><option value="">any severity</option>{options}</select></p>'
        '<table id="vulns"><thead><tr><th data-sort="text">Severity</th>'
        '<th data-sort="text">Advisory</th><th data-sort="text">Package</th>'
        '<th data-sort="text">Installed</th><th data-sort="text">Fixed in</th>'
        '<th data-sort="num">Layer</th><th data-sort="text">Title</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _findings(report: Report, findings: list[Finding], sources: SourceCache) -> str:
    if not findings:
        return ""
    hidden = secret_lines(report.findings)
    groups: dict[Practice, list[Finding]] = defaultdict(list)
    for f in findings:
        groups[f.practice].append(f)
    order = sorted(groups, key=lambda p: (-max(f.severity.rank for f in groups[p]), p.value))
    out = ["<h2>Findings</h2>"]
    for practice in order:
        items = worst_first(groups[practice])
        out.append(f'<h3 id="practice-{practice.value}">{practice.value} ({len(items)})</h3>')
        out.extend(_finding(f, sources, hidden) for f in items)
    return "\n".join(out)


def _finding(f: Finding, sources: SourceCache, hidden: set[tuple[str, int]]) -> str:
    path, line = place(f)
    where = []
    if f.location.layer_index is not None:
        where.append(f"layer {f.location.layer_index}")
    if f.location.file:
        where.append(f.location.file)
    span = dockerfile_span(f)
    if span is not None:
        where.append(f"{span[0]}:{span[1]}")
    elif path and line:
        where.append(f"{path}:{line}")
    parts = [
        f'<div class="finding" data-rule="{_e(f.rule)}">{_badge(f.severity)} '
        f"<strong>{_e(f.rule)}</strong> {_e(f.title)}",
    ]
    if where:
        parts.append(f'<div class="where">{_e(" · ".join(dict.fromkeys(where)))}</div>')
    if span is not None:
        parts.append(_quote(sources, span, hidden))
    if f.message:
        parts.append(f"<p>{_e(f.message)}</p>")
    if f.fix:
        parts.append(f'<p class="fix">Fix: {_e(f.fix)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _quote(sources: SourceCache, span: tuple[str, int, int], hidden: set[tuple[str, int]]) -> str:
    path, start, end = span
    quoted = sources.quote(path, start, end)
    if quoted is None:
        return ""
    if covers_secret(hidden, path, start, end):
        return '<p class="muted">(code not shown: it holds a secret)</p>'
    lines = [f"{n:>4} │ {mask_secrets(text)}" for n, text in quoted[:MAX_QUOTED_LINES]]
    return f"<pre>{_e(chr(10).join(lines))}</pre>"


def _errors(report: Report) -> str:
    shown = [d for d in report.diagnostics if d.level != "info"]
    if not shown:
        return ""
    items = "".join(
        f"<li><strong>{'not checked' if d.blocking else d.level}</strong> "
        f"[{_e(d.kind)}] {_e(d.message)}{' (' + _e(d.path) + ')' if d.path else ''}</li>"
        for d in shown
    )
    return f'<h2>Checks that could not run, and warnings</h2><ul id="diagnostics">{items}</ul>'


def _suppressed(report: Report) -> str:
    count = report.summary.get("suppressed", len(report.suppressed))
    if not count:
        return ""
    items = "".join(f"<li>{_e(f.rule)}: {_e(f.title)}</li>" for f in report.suppressed[:200])
    return f"<h2>Suppressed ({_e(count)})</h2><ul>{items}</ul>"


def _layer_rows(report: Report) -> list[Mapping[str, JSONValue]]:
    target: Mapping[str, JSONValue] = report.target or {}
    rows: dict[int, dict[str, JSONValue]] = {}
    for source in (target.get("layers"), report.summary.get("layer_table")):
        if isinstance(source, Sequence):
            for item in source:
                if isinstance(item, Mapping):
                    index = _int(item.get("index"))
                    if index is not None and index >= 0:
                        rows.setdefault(index, {}).update(item)
    return [rows[i] for i in sorted(rows)]


def _int(value: JSONValue) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _size(value: int) -> str:
    size = float(value)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{value} B"
