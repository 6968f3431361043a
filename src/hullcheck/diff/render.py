"""The diff as a table (terminal), Markdown (a pull-request comment) or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hullcheck.report.source_lines import visible

FORMATS = ("table", "markdown", "json")
MAX_ROWS = 50


def render(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, indent=2, sort_keys=False) + "\n"
    out = _Out(markdown=fmt == "markdown")
    a, b = result["a"], result["b"]
    title = f"hullcheck diff: {a['label']} ({a['kind']}) -> {b['label']} ({b['kind']})"
    out.lines.append(f"## {visible(title)}" if out.markdown else visible(title))
    for section in _SECTIONS:
        section(out, result)
    if result.get("not_compared"):
        out.head("Not compared: " + ", ".join(result["not_compared"]))
    return "\n".join(out.lines).lstrip("\n") + "\n"


class _Out:
    """The text being written: section heads, lines, and capped lists of rows."""

    def __init__(self, *, markdown: bool) -> None:
        self.markdown = markdown
        self.lines: list[str] = []

    def head(self, text: str) -> None:
        self.lines.append(f"\n### {text}\n" if self.markdown else f"\n{text}")

    def line(self, text: str) -> None:
        self.lines.append(("- " if self.markdown else "  ") + visible(text))

    def rows(self, items: list[str]) -> None:
        for item in items[:MAX_ROWS]:
            self.line(item)
        if len(items) > MAX_ROWS:
            self.line(f"... and {len(items) - MAX_ROWS} more (see --format json)")


def _base(out: _Out, result: dict[str, Any]) -> None:
    """The base: distribution, base image, shared first layers."""
    base = result["base"]
    distro = base["distro"]
    out.head("Base")
    out.line(
        f"distribution: {distro['a']} -> {distro['b']}"
        + (" (changed)" if distro["changed"] else "")
    )
    if base["base_image"]["a"] or base["base_image"]["b"]:
        out.line(f"base image: {base['base_image']['a']} -> {base['base_image']['b']}")
    if base["shared_layers"] is not None:
        out.line(f"first layers shared: {base['shared_layers']}")


def _packages(out: _Out, result: dict[str, Any]) -> None:
    """Packages added, removed and changed."""
    pk = result["packages"]
    out.head(
        f"Packages ({pk['a']} -> {pk['b']}): {len(pk['added'])} added, "
        f"{len(pk['removed'])} removed, {len(pk['changed'])} changed"
    )
    out.rows(
        [f"+ {p['name']} {p['version']} ({p['type']})" for p in pk["added"]]
        + [f"- {p['name']} {p['version']} ({p['type']})" for p in pk["removed"]]
        + [f"~ {p['name']} {p['from']} -> {p['to']} ({p['type']})" for p in pk["changed"]]
    )


def _vulnerabilities(out: _Out, result: dict[str, Any]) -> None:
    """Vulnerabilities fixed and introduced, and what could not be checked."""
    vu = result["vulnerabilities"]
    missing = vu.get("not_checked") or {}
    out.head(
        f"Vulnerabilities ({vu['a']} -> {vu['b']}): {len(vu['fixed'])} fixed, "
        f"{len(vu['introduced'])} introduced"
        + (", INCOMPLETE" if any(missing.get(k) for k in ("a", "b")) else "")
    )
    for side in ("a", "b"):
        if missing.get(side):
            counts = ", ".join(f"{eco} {n}" for eco, n in sorted(missing[side].items()))
            out.line(
                f"NOT checked in {side.upper()} (no advisories in the database): {counts} packages"
            )
    out.rows(
        [
            f"+ {v['severity']} {v['rule']} {v['package']['name']} {v['package']['version']}"
            for v in vu["introduced"]
        ]
        + [
            f"- {v['severity']} {v['rule']} {v['package']['name']} {v['package']['version']}"
            for v in vu["fixed"]
        ]
    )


def _findings(out: _Out, result: dict[str, Any]) -> None:
    """Findings new, resolved and changed."""
    fi = result["findings"]
    out.head(
        f"Findings ({fi['a']} -> {fi['b']}): {len(fi['new'])} new, {len(fi['resolved'])} "
        f"resolved, {len(fi['changed'])} changed"
    )
    out.rows(
        [f"+ {f['severity']} {f['rule']}: {f['message']}" for f in fi["new"]]
        + [f"- {f['severity']} {f['rule']}: {f['message']}" for f in fi["resolved"]]
        + [f"~ {f['severity']} {f['rule']}: {f['from']} -> {f['to']}" for f in fi["changed"]]
    )


def _config(out: _Out, result: dict[str, Any]) -> None:
    """Image configuration fields that changed."""
    if result["config"] is not None:
        out.head(f"Config: {len(result['config'])} changed")
        out.rows([f"{c['field']}: {c['a']!r} -> {c['b']!r}" for c in result["config"]])


def _layers(out: _Out, result: dict[str, Any]) -> None:
    """Layers only in one image, with sizes and waste."""
    layers = result["layers"]
    if layers["a"] is not None and layers["b"] is not None:
        out.head(
            f"Layers ({len(layers['a'])} -> {len(layers['b'])}); size {layers['size']['a']} -> "
            f"{layers['size']['b']} bytes, wasted {layers['wasted']['a']} -> "
            f"{layers['wasted']['b']} bytes"
        )
        ids_a = {r["digest"] for r in layers["a"]}
        ids_b = {r["digest"] for r in layers["b"]}
        out.rows(
            [
                f"+ layer {r['index']} {r['size']} bytes, wasted {r['bytes_wasted']}: "
                f"{(r['created_by'] or '')[:80]}"
                for r in layers["b"]
                if r["digest"] not in ids_a
            ]
            + [
                f"- layer {r['index']} {r['size']} bytes: {(r['created_by'] or '')[:80]}"
                for r in layers["a"]
                if r["digest"] not in ids_b
            ]
        )


def _files(out: _Out, result: dict[str, Any]) -> None:
    """Files added, removed and changed."""
    files = result.get("files")
    if isinstance(files, dict):
        out.head(
            f"Files: {len(files['added'])} added, {len(files['removed'])} removed, "
            f"{len(files['changed'])} changed"
        )
        out.rows(
            [f"+ {f['path']}" for f in files["added"]]
            + [f"- {f['path']}" for f in files["removed"]]
            + [f"~ {f['path']} ({', '.join(f['what'])})" for f in files["changed"]]
        )


def _reproducible(out: _Out, result: dict[str, Any]) -> None:
    """Whether two builds are bit-for-bit the same, layer by layer."""
    repro = result.get("reproducible")
    if isinstance(repro, dict):
        verdict = "bit-for-bit identical" if repro["identical"] else "NOT reproducible"
        out.head(f"Reproducible: {verdict} ({repro['layers_a']} -> {repro['layers_b']} layers)")
        for layer in repro["layers"]:
            if layer["identical"]:
                out.line(f"layer {layer['index']}: identical")
                continue
            causes = ", ".join(f"{k} {v}" for k, v in layer["causes"].items())
            out.line(f"layer {layer['index']}: {layer['files_total']} differences ({causes})")
            for item in layer["files"][:10]:
                out.line(f"    {item['path']}: {item['cause']}")


_SECTIONS: tuple[Callable[[_Out, dict[str, Any]], None], ...] = (
    _base,
    _packages,
    _vulnerabilities,
    _findings,
    _config,
    _layers,
    _files,
    _reproducible,
)
