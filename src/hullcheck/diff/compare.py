"""Match two snapshots: packages, vulnerabilities, findings, base, config, layers, files.

Findings are matched by a fingerprint that survives rebuilds: the finding's own
``fingerprint`` when it has one (secrets), else its rule, file and message with line
numbers, layer indexes and digests blanked.  A finding whose fingerprint is on both
sides but whose message changed (a key now deleted by a later layer, yet still in the
one below) is listed as changed.  Vulnerabilities are matched by advisory and package
name, so a version bump that leaves the package vulnerable is not "fixed".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from hullcheck.diff.files import Entry
from hullcheck.diff.snapshot import Snapshot
from hullcheck.model import JSONValue, Severity
from hullcheck.policy.baseline import fingerprint

_SECRETISH = re.compile(r"(?i)(pass|secret|token|key|credential|auth|private|cookie|session)")
CONFIG_FIELDS = (
    "user", "entrypoint", "cmd", "workdir", "exposed_ports", "volumes", "healthcheck",
    "stop_signal",
)  # fmt: skip


def _is_vuln(finding: dict[str, Any]) -> bool:
    return finding.get("practice") == "vulnerabilities" and isinstance(finding.get("package"), dict)


def _vuln_key(finding: dict[str, Any]) -> str:
    package = finding["package"]
    return f"{finding.get('rule')}|{package.get('type')}|{package.get('name')}"


def _short_finding(finding: dict[str, Any]) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {
        "rule": finding.get("rule"),
        "severity": finding.get("severity"),
        "practice": finding.get("practice"),
        "message": finding.get("message"),
    }
    if isinstance(finding.get("location"), dict):
        out["location"] = finding["location"]
    if isinstance(finding.get("package"), dict):
        pkg = finding["package"]
        out["package"] = {"name": pkg.get("name"), "version": pkg.get("version")}
    if finding.get("fixed_version"):
        out["fixed_version"] = finding.get("fixed_version")
    return out


def _packages(side: Snapshot) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for pkg in side.packages:
        key = (str(pkg.get("type", "")), str(pkg.get("name", "")))
        out.setdefault(key, set()).add(str(pkg.get("version", "")))
    return out


def compare_packages(a: Snapshot, b: Snapshot) -> dict[str, JSONValue]:
    pa, pb = _packages(a), _packages(b)
    added = [
        {"type": t, "name": n, "version": ", ".join(sorted(pb[(t, n)]))}
        for t, n in sorted(pb.keys() - pa.keys())
    ]
    removed = [
        {"type": t, "name": n, "version": ", ".join(sorted(pa[(t, n)]))}
        for t, n in sorted(pa.keys() - pb.keys())
    ]
    changed = [
        {"type": t, "name": n, "from": ", ".join(sorted(pa[(t, n)])),
         "to": ", ".join(sorted(pb[(t, n)]))}
        for t, n in sorted(pa.keys() & pb.keys())
        if pa[(t, n)] != pb[(t, n)]
    ]  # fmt: skip
    return {"added": added, "removed": removed, "changed": changed, "a": len(pa), "b": len(pb)}


def _comparable(a: Snapshot, b: Snapshot, finding: dict[str, Any]) -> bool:
    """Only what both sides could have found is compared (an SBOM finds only vulns)."""
    practice = finding.get("practice")
    return all(s.practices is None or practice in s.practices for s in (a, b))


def compare_findings(a: Snapshot, b: Snapshot) -> dict[str, JSONValue]:
    fa = [f for f in a.findings if _comparable(a, b, f)]
    fb = [f for f in b.findings if _comparable(a, b, f)]
    va = {_vuln_key(f): f for f in fa if _is_vuln(f)}
    vb = {_vuln_key(f): f for f in fb if _is_vuln(f)}
    oa = {fingerprint(f): f for f in fa if not _is_vuln(f)}
    ob = {fingerprint(f): f for f in fb if not _is_vuln(f)}
    changed: list[dict[str, Any]] = [
        {"rule": ob[k].get("rule"), "from": oa[k].get("message"), "to": ob[k].get("message"),
         "severity": ob[k].get("severity"),
         "location": ob[k].get("location") if isinstance(ob[k].get("location"), dict) else {}}
        for k in sorted(oa.keys() & ob.keys())
        if oa[k].get("message") != ob[k].get("message")
    ]  # fmt: skip
    return {
        "vulnerabilities": {
            "fixed": [_short_finding(va[k]) for k in sorted(va.keys() - vb.keys())],
            "introduced": [_short_finding(vb[k]) for k in sorted(vb.keys() - va.keys())],
            "a": len(va),
            "b": len(vb),
            "not_checked": {"a": a.unchecked, "b": b.unchecked},
        },
        "findings": {
            "new": [_short_finding(ob[k]) for k in sorted(ob.keys() - oa.keys())],
            "resolved": [_short_finding(oa[k]) for k in sorted(oa.keys() - ob.keys())],
            "changed": changed,
            "a": len(oa),
            "b": len(ob),
        },
    }


def redact_env(items: Iterable[str]) -> dict[str, str]:
    """``NAME=value`` pairs, values of secret-looking names redacted (never shown in full)."""
    out: dict[str, str] = {}
    for item in items:
        name, _sep, value = str(item).partition("=")
        if _SECRETISH.search(name) and value and not value.startswith("****"):
            value = f"****({len(value)} chars)"
        out[name] = value
    return out


def compare_config(a: Snapshot, b: Snapshot) -> list[dict[str, JSONValue]] | None:
    ca, cb = a.config, b.config
    if ca is None or cb is None:
        return None
    out: list[dict[str, JSONValue]] = []
    for name in CONFIG_FIELDS:
        if ca.get(name) != cb.get(name):
            out.append({"field": name, "a": ca.get(name), "b": cb.get(name)})
    ea, eb = redact_env(ca.get("env") or []), redact_env(cb.get("env") or [])
    for key in sorted(ea.keys() | eb.keys()):
        if ea.get(key) != eb.get(key):
            out.append({"field": f"env {key}", "a": ea.get(key), "b": eb.get(key)})
    la, lb = ca.get("labels") or {}, cb.get("labels") or {}
    for key in sorted(set(la) | set(lb)):
        if la.get(key) != lb.get(key):
            out.append({"field": f"label {key}", "a": la.get(key), "b": lb.get(key)})
    return out


def compare_base(a: Snapshot, b: Snapshot) -> dict[str, JSONValue]:
    def os_name(side: Snapshot) -> str | None:
        base = side.base_os
        if base is None:
            return None
        return str(base.get("pretty_name") or f"{base.get('id')} {base.get('version_id')}")

    def base_label(side: Snapshot) -> str | None:
        labels = (side.config or {}).get("labels") or {}
        name = labels.get("org.opencontainers.image.base.name")
        return str(name) if name else None

    shared = 0
    la, lb = a.layers, b.layers
    if la is not None and lb is not None:
        for x, y in zip(la, lb, strict=False):
            if (x.get("diff_id") or x.get("digest")) != (y.get("diff_id") or y.get("digest")):
                break
            shared += 1
    return {
        "distro": {"a": os_name(a), "b": os_name(b), "changed": os_name(a) != os_name(b)},
        "base_image": {"a": base_label(a), "b": base_label(b)},
        "shared_layers": shared if la is not None and lb is not None else None,
    }


def _layer_rows(side: Snapshot) -> list[dict[str, JSONValue]] | None:
    layers = side.layers
    if layers is None:
        return None
    return [
        {
            "index": layer.get("index"),
            "digest": layer.get("diff_id") or layer.get("digest"),
            "size": layer.get("size"),
            "bytes_wasted": layer.get("bytes_wasted"),
            "created_by": layer.get("created_by"),
        }
        for layer in layers
    ]


def compare_layers(a: Snapshot, b: Snapshot) -> dict[str, JSONValue]:
    ra, rb = _layer_rows(a), _layer_rows(b)
    return {
        "a": ra,
        "b": rb,
        "size": {"a": _total(ra, "size"), "b": _total(rb, "size")},
        "wasted": {"a": a.summary.get("wasted_bytes"), "b": b.summary.get("wasted_bytes")},
    }


def _total(rows: list[dict[str, JSONValue]] | None, key: str) -> int | None:
    if rows is None:
        return None
    return sum(int(r.get(key) or 0) for r in rows)


def compare_files(fa: dict[str, Entry], fb: dict[str, Entry]) -> dict[str, JSONValue]:
    def row(entry: Entry) -> dict[str, JSONValue]:
        return {"path": entry.path, "kind": entry.kind, "size": entry.size}

    changed: list[JSONValue] = []
    for path in sorted(fa.keys() & fb.keys()):
        x, y = fa[path], fb[path]
        if x.content() != y.content():
            what = [n for n, u, v in zip(
                ("kind", "size", "mode", "uid", "gid", "link", "content"),
                x.content(), y.content(), strict=True) if u != v]  # fmt: skip
            changed.append({"path": path, "what": what, "size": {"a": x.size, "b": y.size}})
    return {
        "added": [row(fb[p]) for p in sorted(fb.keys() - fa.keys())],
        "removed": [row(fa[p]) for p in sorted(fa.keys() - fb.keys())],
        "changed": changed,
    }


def new_at_or_above(result: dict[str, Any], threshold: Severity) -> int:
    """How many vulnerabilities and findings B adds at or above ``threshold``."""
    count = 0
    for item in (
        *result["vulnerabilities"]["introduced"],
        *result["findings"]["new"],
    ):
        try:
            severity = Severity.parse(str(item.get("severity") or "info"))
        except ValueError:
            continue
        if severity.rank >= threshold.rank:
            count += 1
    return count


def compare(a: Snapshot, b: Snapshot) -> dict[str, Any]:
    result: dict[str, Any] = {
        "a": {"label": a.label, "kind": a.kind, "digest": a.target.get("digest")},
        "b": {"label": b.label, "kind": b.kind, "digest": b.target.get("digest")},
        "packages": compare_packages(a, b),
        **compare_findings(a, b),
        "base": compare_base(a, b),
        "config": compare_config(a, b),
        "layers": compare_layers(a, b),
    }
    not_compared = []
    if result["config"] is None:
        not_compared.append("config")
    if a.layers is None or b.layers is None:
        not_compared.append("layers")
    if a.practices is not None or b.practices is not None:
        not_compared.append("findings other than vulnerabilities")
    result["not_compared"] = not_compared
    return result
