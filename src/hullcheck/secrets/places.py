"""One finding per secret: the same value found in a layer's file, a history entry, the
image config and the Dockerfile is one problem, reported once with every place it lives.

Findings are grouped by the value hash at the end of their fingerprint
(``path:rule:line:valuehash``); a name-only finding (a key file found by its name) joins
the group of a value found in that same file and layer.  The kept finding is the one in
a layer's file (else the image config or history, else the Dockerfile): its location and
fingerprint are unchanged, so the report contract only grows, with ``extra.places`` (every
place, each saying whether a later layer deleted it), ``extra.fingerprints`` and
``extra.also_found_by`` (the other rules that saw it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hullcheck.model import Finding, JSONValue, Practice

MAX_PLACES = 50


def value_hash(finding: Finding) -> str | None:
    """The secret's value hash, or None for a finding that holds no value (a file name)."""
    fingerprint = str(finding.extra.get("fingerprint", ""))
    if fingerprint.count(":") < 3:
        return None
    value = fingerprint.rsplit(":", 1)[-1]
    return value or None


def _kind(f: Finding) -> str:
    loc = f.location
    if loc.path is not None and loc.file is None:
        return "dockerfile"
    where = loc.file or ""
    if where.startswith("history["):
        return "history"
    if where.startswith("config:"):
        return "config"
    return "file"


_ORDER = {"file": 0, "config": 1, "history": 2, "dockerfile": 3}


def place(f: Finding) -> dict[str, JSONValue]:
    """Where one finding of a secret sits, as ``extra.places`` lists it."""
    loc = f.location
    kind = _kind(f)
    out: dict[str, JSONValue] = {"kind": kind, "rule": f.rule}
    if kind == "dockerfile":
        out.update(path=loc.path, line=loc.line)
    else:
        out.update(layer_index=loc.layer_index, layer=loc.layer, file=loc.file, line=loc.line)
        if kind == "history":
            out["history_index"] = f.extra.get("history_index")
    if kind == "file":
        hidden = f.extra.get("hidden_by_layer")
        out["deleted"] = hidden is not None
        if hidden is not None:
            out.update(hidden_by_layer=hidden, hidden_how=f.extra.get("hidden_how"))
    if loc.instruction is not None and kind != "dockerfile":
        out["instruction"] = {"path": loc.instruction.path, "line": loc.instruction.line}
    fingerprint = f.extra.get("fingerprint")
    if isinstance(fingerprint, str):
        out["fingerprint"] = fingerprint
    return out


def describe(p: dict[str, JSONValue]) -> str:
    """One place in words: ``/app/.env:1 in layer 0 (deleted by layer 2)``."""
    if p["kind"] == "dockerfile":
        return f"Dockerfile {p.get('path')}:{p.get('line')}"
    text = str(p.get("file"))
    if p.get("line") is not None and p["kind"] == "file":
        text += f":{p['line']}"
    if p.get("layer_index") is not None:
        text += f" in layer {p['layer_index']}"
    if p.get("deleted"):
        text += f" ({p.get('hidden_how') or 'deleted'} by layer {p.get('hidden_by_layer')})"
    return text


def merge_places(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` with each secret's findings folded into one (other findings untouched,
    order kept: the merged finding takes the place of its group's first member)."""
    groups: dict[str, list[int]] = {}
    by_file: dict[tuple[object, object], str] = {}
    for i, f in enumerate(findings):
        if f.practice is not Practice.SECRETS:
            continue
        value = value_hash(f)
        if value is not None:
            groups.setdefault(value, []).append(i)
            if _kind(f) == "file":
                by_file.setdefault((f.location.layer_index, f.location.file), value)
    for i, f in enumerate(findings):
        if f.practice is Practice.SECRETS and value_hash(f) is None and _kind(f) == "file":
            value = by_file.get((f.location.layer_index, f.location.file))
            if value is not None:
                groups[value].append(i)
    merged: dict[int, Finding] = {}
    dropped: set[int] = set()
    for members in groups.values():
        group = [findings[i] for i in members]
        with_value = [f for f in group if value_hash(f) is not None]
        primary = min(with_value, key=lambda f: _ORDER[_kind(f)])
        ordered = sorted(group, key=lambda f: (_ORDER[_kind(f)], f is not primary))
        places = [place(f) for f in ordered][:MAX_PLACES]
        others = [describe(p) for p in places[1:]]
        worst = max(group, key=lambda f: f.severity.rank).severity
        extra = dict(primary.extra)
        extra["places"] = places
        extra["fingerprints"] = list(
            dict.fromkeys(str(f.extra["fingerprint"]) for f in ordered if "fingerprint" in f.extra)
        )
        rules = [f.rule for f in ordered if f.rule != primary.rule]
        if rules:
            extra["also_found_by"] = ", ".join(dict.fromkeys(rules))
        if others:
            message = f"{primary.message}; the same secret is also in {'; '.join(others)}"
        else:
            message = primary.message
        first = min(members)
        merged[first] = replace(primary, severity=worst, message=message, extra=extra)
        if len(members) == 1:
            merged[first] = replace(primary, extra=extra)
        dropped.update(i for i in members if i != first)
    return [merged.get(i, f) for i, f in enumerate(findings) if i not in dropped]
