"""Old build against new build: what got better, what got worse, and which line did it.

Two snapshots of the same image (two builds of one Dockerfile, or two versions of it)
are compared as ``diff`` compares them; then each change is judged (better, worse or
neutral) and given its cause: the build step of the layer that holds it.  With the
Dockerfiles (``scan --dockerfile``'s trace), a cause is a Dockerfile line; without them,
the layer's history entry (``created_by``).  What the new build adds is caused by the new
build's step, what it dropped by the old build's step that had put it there.

Vulnerability counts are only compared where both sides could be checked: a side whose
packages of some ecosystem or release the database holds no advisories for (Debian 12 in
the shipped data) says so in the coverage section, never as a silent zero.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from hullcheck.diff.compare import _comparable, _is_vuln, _vuln_key
from hullcheck.diff.snapshot import Snapshot
from hullcheck.dockerfile import parse
from hullcheck.errors import DockerfileError
from hullcheck.model import JSONValue
from hullcheck.policy.baseline import fingerprint
from hullcheck.trace import build_instructions

MAX_TEXT = 100
MAX_ROWS = 60
GROUP_OVER = 5
"""More package changes than this with one cause are shown as one line."""
_NOP = re.compile(r"^/bin/sh -c #\(nop\) +")
_CONTENT = re.compile(r"\b((?:file|dir|multi):)([0-9a-f]{64})\b")
SIZE_NOISE = 1024
"""Layer size changes smaller than this are not reported (tar padding, timestamps)."""


@dataclass(frozen=True, slots=True)
class Cause:
    """The build step behind a change."""

    side: str
    """``old`` or ``new``: whose build step it is."""
    text: str
    path: str | None = None
    line: int | None = None
    layer_index: int | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "build": self.side, "path": self.path, "line": self.line,
            "layer_index": self.layer_index, "text": self.text,
        }  # fmt: skip

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.path and self.line else None
        if where is None and self.layer_index is not None:
            where = f"{self.side} layer {self.layer_index}"
        return f"{where}: {self.text}" if where else self.text


@dataclass(frozen=True, slots=True)
class Change:
    verdict: str
    """``better``, ``worse`` or ``neutral``."""
    kind: str
    """``vulnerability``, ``finding``, ``package``, ``size``, ``wasted`` or ``config``."""
    summary: str
    cause: Cause | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "verdict": self.verdict, "kind": self.kind, "summary": self.summary,
            "cause": self.cause.to_json() if self.cause else None,
        }  # fmt: skip


class Side:
    """One build: its snapshot, and its Dockerfile (when given) to name lines with."""

    def __init__(self, name: str, snapshot: Snapshot, path: str | None, text: str | None) -> None:
        self.name = name
        self.snapshot = snapshot
        self.path = path
        self.lines = text.splitlines() if text is not None else []
        self.from_line: int | None = None
        if text is not None and path is not None:
            try:
                _steps, from_ins = build_instructions(parse(text, path))
            except DockerfileError:
                from_ins = None
            self.from_line = from_ins.line if from_ins is not None else None
        trace = snapshot.summary.get("trace")
        entries = trace.get("layers") if isinstance(trace, dict) else None
        self.trace: dict[int, dict[str, Any]] = {
            int(e["index"]): e for e in entries or [] if isinstance(e, dict) and "index" in e
        }

    def _source(self, line: int | None, end: int | None) -> str:
        if line is None or not 1 <= line <= len(self.lines):
            return ""
        last = min(end or line, len(self.lines))
        text = " ".join(part.strip().rstrip("\\").strip() for part in self.lines[line - 1 : last])
        text = " ".join(text.split())
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."

    def at_line(self, line: int | None, end: int | None, layer: int | None) -> Cause:
        return Cause(self.name, self._source(line, end), self.path, line, layer)

    def layer_cause(self, index: int | None) -> Cause | None:
        if index is None:
            return None
        entry = self.trace.get(index)
        if entry is not None:
            span = entry.get("instruction")
            if isinstance(span, dict) and isinstance(span.get("line"), int):
                return self.at_line(span["line"], span.get("end_line"), index)
            if entry.get("base_image"):
                cause = self.at_line(self.from_line, self.from_line, index)
                return Cause(self.name, f"the base image ({cause.text or 'FROM'})", self.path,
                             self.from_line, index)  # fmt: skip
        layers = self.snapshot.layers or []
        if 0 <= index < len(layers):
            created = _history_text(str(layers[index].get("created_by") or ""), abbreviate=True)
            if len(created) > MAX_TEXT:
                created = created[: MAX_TEXT - 3] + "..."
            return Cause(self.name, created or "(no history entry)", None, None, index)
        return None

    def finding_cause(self, finding: dict[str, Any]) -> Cause | None:
        location = finding.get("location")
        if not isinstance(location, dict):
            return None
        span = location.get("instruction")
        index = location.get("layer_index")
        layer = index if isinstance(index, int) else None
        if isinstance(span, dict) and isinstance(span.get("line"), int):
            return self.at_line(span["line"], span.get("end_line"), layer)
        return self.layer_cause(layer)

    def step_key(self, index: int) -> str:
        """What identifies a layer's build step across the two builds."""
        cause = self.layer_cause(index)
        if cause is not None and cause.line is not None and cause.text:
            return cause.text
        layers = self.snapshot.layers or []
        return _history_text(str(layers[index].get("created_by") or ""), abbreviate=False)


def _history_text(created_by: str, *, abbreviate: bool) -> str:
    """A history entry as the step it records: the builder's shell prefix dropped, and the
    content hash of ``ADD/COPY file:<sha256> in /dest`` shortened for display or, to match
    one build's step with the other's, left out (new content, same step)."""
    text = " ".join(created_by.split())
    text = _NOP.sub("", text)
    return _CONTENT.sub(lambda m: m.group(1) + (m.group(2)[:12] if abbreviate else "*"), text)


def _pkg_layer(pkg: dict[str, Any]) -> int | None:
    index = pkg.get("layer_index")
    return index if isinstance(index, int) else None


def _packages(side: Side) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for pkg in side.snapshot.packages:
        out.setdefault((str(pkg.get("type", "")), str(pkg.get("name", ""))), pkg)
    return out


def package_changes(old: Side, new: Side) -> list[Change]:
    po, pn = _packages(old), _packages(new)
    out: list[Change] = []
    for key in sorted(pn.keys() - po.keys()):
        pkg = pn[key]
        out.append(Change("worse", "package", f"+ {key[1]} {pkg.get('version')} ({key[0]})",
                          new.layer_cause(_pkg_layer(pkg))))  # fmt: skip
    for key in sorted(po.keys() - pn.keys()):
        pkg = po[key]
        out.append(Change("better", "package", f"- {key[1]} {pkg.get('version')} ({key[0]})",
                          old.layer_cause(_pkg_layer(pkg))))  # fmt: skip
    for key in sorted(po.keys() & pn.keys()):
        a, b = po[key], pn[key]
        if a.get("version") != b.get("version"):
            out.append(Change(
                "neutral", "package",
                f"~ {key[1]} {a.get('version')} -> {b.get('version')} ({key[0]})",
                new.layer_cause(_pkg_layer(b)),
            ))  # fmt: skip
    return out


def _vuln_text(finding: dict[str, Any]) -> str:
    pkg = finding.get("package") or {}
    return f"{finding.get('severity')} {finding.get('rule')} {pkg.get('name')} {pkg.get('version')}"


def finding_changes(old: Side, new: Side) -> list[Change]:
    a, b = old.snapshot, new.snapshot
    fa = [f for f in a.findings if _comparable(a, b, f)]
    fb = [f for f in b.findings if _comparable(a, b, f)]
    va = {_vuln_key(f): f for f in fa if _is_vuln(f)}
    vb = {_vuln_key(f): f for f in fb if _is_vuln(f)}
    oa = {fingerprint(f): f for f in fa if not _is_vuln(f)}
    ob = {fingerprint(f): f for f in fb if not _is_vuln(f)}
    out: list[Change] = []
    for k in sorted(vb.keys() - va.keys()):
        f = vb[k]
        cause = new.layer_cause(_pkg_layer(f.get("package") or {})) or new.finding_cause(f)
        out.append(Change("worse", "vulnerability", "+ " + _vuln_text(f), cause))
    for k in sorted(va.keys() - vb.keys()):
        f = va[k]
        cause = old.layer_cause(_pkg_layer(f.get("package") or {})) or old.finding_cause(f)
        out.append(Change("better", "vulnerability", "- " + _vuln_text(f), cause))
    for k in sorted(ob.keys() - oa.keys()):
        f = ob[k]
        text = f"+ {f.get('severity')} {f.get('rule')}: {f.get('message')}"
        out.append(Change("worse", "finding", text, new.finding_cause(f)))
    for k in sorted(oa.keys() - ob.keys()):
        f = oa[k]
        text = f"- {f.get('severity')} {f.get('rule')}: {f.get('message')}"
        out.append(Change("better", "finding", text, old.finding_cause(f)))
    return out


def _sizes(side: Side) -> list[tuple[str, int, int]]:
    """``(step key, size, layer index)`` of every non-empty layer, in order."""
    out = []
    for i, layer in enumerate(side.snapshot.layers or []):
        if layer.get("empty"):
            continue
        out.append((side.step_key(i), int(layer.get("size") or 0), i))
    return out


def size_changes(old: Side, new: Side) -> list[Change]:
    """Layers matched by their build step, in order; each size change with its step."""
    left = _sizes(old)
    out: list[Change] = []
    used: set[int] = set()
    for key, size, index in _sizes(new):
        match = next((j for j, (k, _s, _i) in enumerate(left) if k == key and j not in used), None)
        if match is None:
            out.append(Change("worse", "size", f"+{_mib(size)} (a new layer)",
                              new.layer_cause(index)))  # fmt: skip
            continue
        used.add(match)
        delta = size - left[match][1]
        if abs(delta) >= SIZE_NOISE:
            verdict = "worse" if delta > 0 else "better"
            sign = "+" if delta > 0 else "-"
            out.append(Change(verdict, "size",
                              f"{sign}{_mib(abs(delta))} ({_mib(left[match][1])} -> {_mib(size)})",
                              new.layer_cause(index)))  # fmt: skip
    for j, (_key, size, index) in enumerate(left):
        if j not in used:
            out.append(Change("better", "size", f"-{_mib(size)} (layer no longer built)",
                              old.layer_cause(index)))  # fmt: skip
    return out


def _mib(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1048576:
        return f"{size / 1024:.1f} KiB"
    return f"{size / 1048576:.2f} MiB"


def _coverage(side: Side) -> dict[str, JSONValue]:
    unchecked = side.snapshot.unchecked
    return {"known": unchecked is not None, "unchecked": dict(unchecked or {})}


def _total(side: Side) -> int:
    return sum(int(layer.get("size") or 0) for layer in side.snapshot.layers or [])


def _vuln_count(side: Side) -> int:
    return sum(1 for f in side.snapshot.findings if _is_vuln(f))


def advise_pair(old: Side, new: Side) -> dict[str, Any]:
    """The judged changes from ``old`` to ``new``, and the numbers they come from."""
    changes = [
        *finding_changes(old, new),
        *package_changes(old, new),
        *size_changes(old, new),
    ]
    wasted_a = old.snapshot.summary.get("wasted_bytes")
    wasted_b = new.snapshot.summary.get("wasted_bytes")
    if isinstance(wasted_a, int) and isinstance(wasted_b, int) and wasted_a != wasted_b:
        verdict = "worse" if wasted_b > wasted_a else "better"
        changes.append(Change(verdict, "wasted",
                              f"wasted bytes {_mib(wasted_a)} -> {_mib(wasted_b)}"))  # fmt: skip
    user_a = str((old.snapshot.config or {}).get("user") or "") or "root (default)"
    user_b = str((new.snapshot.config or {}).get("user") or "") or "root (default)"
    if old.snapshot.config is not None and new.snapshot.config is not None and user_a != user_b:
        changes.append(Change("neutral", "config", f"user {user_a} -> {user_b}"))
    cov_old, cov_new = _coverage(old), _coverage(new)
    missing = {**(old.snapshot.unchecked or {}), **(new.snapshot.unchecked or {})}
    known = old.snapshot.unchecked is not None and new.snapshot.unchecked is not None
    vulns: dict[str, JSONValue] = {
        "old": _vuln_count(old),
        "new": _vuln_count(new),
        "complete": known and not missing,
        "not_checked": sorted(missing),
    }
    counts = {v: sum(1 for c in changes if c.verdict == v) for v in ("better", "worse", "neutral")}
    return {
        "old": {"label": old.snapshot.label, "digest": old.snapshot.target.get("digest"),
                "dockerfile": old.path, "size": _total(old),
                "packages": len(_packages(old)), "coverage": cov_old},
        "new": {"label": new.snapshot.label, "digest": new.snapshot.target.get("digest"),
                "dockerfile": new.path, "size": _total(new),
                "packages": len(_packages(new)), "coverage": cov_new},
        "vulnerabilities": vulns,
        "counts": counts,
        "changes": [c.to_json() for c in changes],
    }  # fmt: skip


def render_table(result: dict[str, Any]) -> str:
    """The verdict for a terminal or a pull-request comment."""
    from hullcheck.report.source_lines import visible  # noqa: PLC0415

    old, new = result["old"], result["new"]
    counts = result["counts"]
    lines = [
        visible(f"hullcheck advise: {old['label']} (old) -> {new['label']} (new)"),
        f"  size {_mib(old['size'])} -> {_mib(new['size'])}; packages {old['packages']} -> "
        f"{new['packages']}; {counts['better']} better, {counts['worse']} worse, "
        f"{counts['neutral']} neutral",
    ]
    vulns = result["vulnerabilities"]
    if vulns["complete"]:
        lines.append(f"  vulnerabilities {vulns['old']} -> {vulns['new']} (every package checked)")
    elif not (old["coverage"]["known"] and new["coverage"]["known"]):
        lines.append("  vulnerabilities: not compared (a side's report says nothing of coverage)")
    else:
        lines.append(
            f"  vulnerabilities {vulns['old']} -> {vulns['new']}: INCOMPLETE, not checked:"
        )
        for label, side in (("old", old), ("new", new)):
            missing = side["coverage"]["unchecked"]
            if missing:
                text = ", ".join(f"{eco} {n} packages" for eco, n in sorted(missing.items()))
                lines.append(visible(f"    {label}: {text} (the database holds no advisories)"))
    for verdict in ("worse", "better", "neutral"):
        rows = [c for c in result["changes"] if c["verdict"] == verdict]
        if not rows:
            continue
        lines.append("")
        lines.append(f"{verdict.capitalize()} ({len(rows)})")
        for summary, cause in _grouped(rows)[:MAX_ROWS]:
            lines.append(visible(f"  {summary}"))
            if cause:
                where = (f"{cause['path']}:{cause['line']}" if cause["path"] and cause["line"]
                         else f"{cause['build']} layer {cause['layer_index']}")  # fmt: skip
                lines.append(visible(f"      <- {where}: {cause['text']}"))
        if len(_grouped(rows)) > MAX_ROWS:
            lines.append(f"  ... and {len(_grouped(rows)) - MAX_ROWS} more (see --format json)")
    return "\n".join(lines) + "\n"


def _grouped(rows: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    """Package changes sharing one cause and sign shown as one line when there are many."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        if row["kind"] == "package":
            key = (row["summary"][:1], json.dumps(row["cause"], sort_keys=True))
            groups.setdefault(key, []).append(row)
    out: list[tuple[str, dict[str, Any] | None]] = []
    shown: set[tuple[str, str]] = set()
    for row in rows:
        key = (row["summary"][:1], json.dumps(row["cause"], sort_keys=True))
        group = groups.get(key) if row["kind"] == "package" else None
        if group is None or len(group) <= GROUP_OVER:
            out.append((row["summary"], row["cause"]))
        elif key not in shown:
            shown.add(key)
            names = [g["summary"][2:].split(" ", 1)[0] for g in group]
            word = {"+": "added", "-": "removed", "~": "changed version"}[key[0]]
            more = f" and {len(names) - GROUP_OVER} more" if len(names) > GROUP_OVER else ""
            text = f"{key[0]} {len(group)} packages {word}: {', '.join(names[:GROUP_OVER])}{more}"
            out.append((text, row["cause"]))
    return out
