"""The diff as a table (terminal), Markdown (a pull-request comment) or JSON."""

from __future__ import annotations

import json
from typing import Any

from hullcheck.report.source_lines import visible

FORMATS = ("table", "markdown", "json")
MAX_ROWS = 50


def render(result: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(result, indent=2, sort_keys=False) + "\n"
    md = fmt == "markdown"
    out: list[str] = []

    def head(text: str) -> None:
        out.append(f"\n### {text}\n" if md else f"\n{text}")

    def line(text: str) -> None:
        out.append(("- " if md else "  ") + visible(text))

    def rows(items: list[str]) -> None:
        for item in items[:MAX_ROWS]:
            line(item)
        if len(items) > MAX_ROWS:
            line(f"... and {len(items) - MAX_ROWS} more (see --format json)")

    a, b = result["a"], result["b"]
    title = f"hullcheck diff: {a['label']} ({a['kind']}) -> {b['label']} ({b['kind']})"
    out.append(f"## {visible(title)}" if md else visible(title))
    base = result["base"]
    distro = base["distro"]
    head("Base")
    line(
        f"distribution: {distro['a']} -> {distro['b']}"
        + (" (changed)" if distro["changed"] else "")
    )
    if base["base_image"]["a"] or base["base_image"]["b"]:
        line(f"base image: {base['base_image']['a']} -> {base['base_image']['b']}")
    if base["shared_layers"] is not None:
        line(f"first layers shared: {base['shared_layers']}")
    pk = result["packages"]
    head(
        f"Packages ({pk['a']} -> {pk['b']}): {len(pk['added'])} added, "
        f"{len(pk['removed'])} removed, {len(pk['changed'])} changed"
    )
    rows(
        [f"+ {p['name']} {p['version']} ({p['type']})" for p in pk["added"]]
        + [f"- {p['name']} {p['version']} ({p['type']})" for p in pk["removed"]]
        + [f"~ {p['name']} {p['from']} -> {p['to']} ({p['type']})" for p in pk["changed"]]
    )
    vu = result["vulnerabilities"]
    missing = vu.get("not_checked") or {}
    head(
        f"Vulnerabilities ({vu['a']} -> {vu['b']}): {len(vu['fixed'])} fixed, "
        f"{len(vu['introduced'])} introduced"
        + (", INCOMPLETE" if any(missing.get(k) for k in ("a", "b")) else "")
    )
    for side in ("a", "b"):
        if missing.get(side):
            counts = ", ".join(f"{eco} {n}" for eco, n in sorted(missing[side].items()))
            line(
                f"NOT checked in {side.upper()} (no advisories in the database): {counts} packages"
            )
    rows(
        [
            f"+ {v['severity']} {v['rule']} {v['package']['name']} {v['package']['version']}"
            for v in vu["introduced"]
        ]
        + [
            f"- {v['severity']} {v['rule']} {v['package']['name']} {v['package']['version']}"
            for v in vu["fixed"]
        ]
    )
    fi = result["findings"]
    head(
        f"Findings ({fi['a']} -> {fi['b']}): {len(fi['new'])} new, {len(fi['resolved'])} "
        f"resolved, {len(fi['changed'])} changed"
    )
    rows(
        [f"+ {f['severity']} {f['rule']}: {f['message']}" for f in fi["new"]]
        + [f"- {f['severity']} {f['rule']}: {f['message']}" for f in fi["resolved"]]
        + [f"~ {f['severity']} {f['rule']}: {f['from']} -> {f['to']}" for f in fi["changed"]]
    )
    if result["config"] is not None:
        head(f"Config: {len(result['config'])} changed")
        rows([f"{c['field']}: {c['a']!r} -> {c['b']!r}" for c in result["config"]])
    layers = result["layers"]
    if layers["a"] is not None and layers["b"] is not None:
        head(
            f"Layers ({len(layers['a'])} -> {len(layers['b'])}); size {layers['size']['a']} -> "
            f"{layers['size']['b']} bytes, wasted {layers['wasted']['a']} -> "
            f"{layers['wasted']['b']} bytes"
        )
        ids_a = {r["digest"] for r in layers["a"]}
        ids_b = {r["digest"] for r in layers["b"]}
        rows(
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
    files = result.get("files")
    if isinstance(files, dict):
        head(
            f"Files: {len(files['added'])} added, {len(files['removed'])} removed, "
            f"{len(files['changed'])} changed"
        )
        rows(
            [f"+ {f['path']}" for f in files["added"]]
            + [f"- {f['path']}" for f in files["removed"]]
            + [f"~ {f['path']} ({', '.join(f['what'])})" for f in files["changed"]]
        )
    repro = result.get("reproducible")
    if isinstance(repro, dict):
        verdict = "bit-for-bit identical" if repro["identical"] else "NOT reproducible"
        head(f"Reproducible: {verdict} ({repro['layers_a']} -> {repro['layers_b']} layers)")
        for layer in repro["layers"]:
            if layer["identical"]:
                line(f"layer {layer['index']}: identical")
                continue
            causes = ", ".join(f"{k} {v}" for k, v in layer["causes"].items())
            line(f"layer {layer['index']}: {layer['files_total']} differences ({causes})")
            for item in layer["files"][:10]:
                line(f"    {item['path']}: {item['cause']}")
    if result.get("not_compared"):
        head("Not compared: " + ", ".join(result["not_compared"]))
    return "\n".join(out).lstrip("\n") + "\n"
