"""OSV records: reading them (JSON or YAML) from hostile bytes, checking them against the
OSV schema, and turning them into small typed objects the matcher uses.

``check_record`` is a hand-written check of the parts of OSV schema 1.7 that matching relies
on (required ``id``/``modified``, timestamps, ``affected[].package``, range types and events,
``last_affected``/``fixed`` exclusivity, GIT commit hashes, severity types and vectors).  A
record that fails it is skipped and counted by the importer, never half-used.  It is a
fraction of the cost of ``jsonschema`` (tests check that both agree on real records).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from hullcheck.errors import DatabaseError

MAX_RECORD_BYTES = 8 * 1024 * 1024
MAX_NODES = 500_000

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+-]{0,199}$")
_TIMESTAMP = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$")
_COMMIT = re.compile(r"^(0|[a-f0-9]{40}|[a-f0-9]{64})$")
_RANGE_TYPES = frozenset({"GIT", "SEMVER", "ECOSYSTEM"})
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
_SEVERITY_TYPES = frozenset({"CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"})
_UBUNTU_SCORES = frozenset({"negligible", "low", "medium", "high", "critical"})
_CVSS3 = re.compile(r"^CVSS:3[.][01]/[A-Za-z]+:[A-Za-z]+(/[A-Za-z]+:[A-Za-z]+)*$")
_CVSS4 = re.compile(r"^CVSS:4[.]0/AV:[NALP]/AC:[LH]/AT:[NP]/PR:[NLH]/UI:[NPA]/VC:[HLN]/VI:[HLN]/")
_CVSS2 = re.compile(r"^[A-Za-z]+:[A-Za-z]+(/[A-Za-z]+:[A-Za-z]+)*$")


class _StringLoader(yaml.CSafeLoader):
    """Safe YAML with every scalar kept as a string: ``fixed: 1.10`` must not become 1.1."""


_StringLoader.yaml_implicit_resolvers = {}


def _bounded(value: Any, budget: list[int]) -> None:
    """Walk ``value``, failing past MAX_NODES nodes: YAML aliases can make a small file huge."""
    budget[0] -= 1
    if budget[0] < 0:
        raise DatabaseError("advisory record is too large (too many nodes)")
    if isinstance(value, dict):
        for key, item in value.items():
            _bounded(key, budget)
            _bounded(item, budget)
    elif isinstance(value, list):
        for item in value:
            _bounded(item, budget)


def load_record(data: bytes, name: str) -> Any:
    """Decode one OSV record from JSON (or YAML when ``name`` ends in .yaml/.yml)."""
    if len(data) > MAX_RECORD_BYTES:
        raise DatabaseError(f"{name}: advisory record larger than {MAX_RECORD_BYTES} bytes")
    try:
        if name.endswith((".yaml", ".yml")):
            value = yaml.load(data, Loader=_StringLoader)  # noqa: S506 - a safe loader
        else:
            value = json.loads(data)
    except (ValueError, yaml.YAMLError, RecursionError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise DatabaseError(f"{name}: not valid JSON/YAML: {first}") from None
    try:
        _bounded(value, [MAX_NODES])
    except RecursionError:
        raise DatabaseError(f"{name}: advisory record nested too deeply") from None
    return value


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def check_record(rec: Any) -> str | None:
    """Why ``rec`` violates the OSV schema, or ``None`` when it conforms (as far as we use it)."""
    if not isinstance(rec, dict):
        return "record is not an object"
    rid = rec.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        return "missing or malformed 'id'"
    for key in ("modified", "published", "withdrawn"):
        if key in rec and not (isinstance(rec[key], str) and _TIMESTAMP.match(rec[key])):
            return f"{rid}: '{key}' is not an RFC 3339 UTC timestamp"
    if "modified" not in rec:
        return f"{rid}: missing 'modified'"
    for key in ("aliases", "related", "upstream"):
        if key in rec and rec[key] is not None and not _str_list(rec[key]):
            return f"{rid}: '{key}' is not a list of strings"
    for key in ("summary", "details", "schema_version"):
        if key in rec and not isinstance(rec[key], str):
            return f"{rid}: '{key}' is not a string"
    reason = _check_severity(rec.get("severity"))
    if reason:
        return f"{rid}: {reason}"
    refs = rec.get("references", [])
    if refs is not None and not (
        isinstance(refs, list)
        and all(isinstance(r, dict) and isinstance(r.get("url"), str) for r in refs)
    ):
        return f"{rid}: 'references' malformed"
    affected = rec.get("affected", [])
    if affected is None:
        affected = []
    if not isinstance(affected, list):
        return f"{rid}: 'affected' is not a list"
    for item in affected:
        reason = _check_affected(item, top_severity="severity" in rec and rec["severity"])
        if reason:
            return f"{rid}: {reason}"
    return None


def _check_severity(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return "'severity' is not a list"
    for sev in value:
        if not isinstance(sev, dict):
            return "'severity' entry is not an object"
        kind, score = sev.get("type"), sev.get("score")
        if kind not in _SEVERITY_TYPES or not isinstance(score, str):
            return f"unknown severity type {str(kind)[:30]!r} or missing score"
        pattern = {"CVSS_V3": _CVSS3, "CVSS_V4": _CVSS4, "CVSS_V2": _CVSS2}.get(kind)
        if pattern is not None and not pattern.match(score):
            return f"malformed {kind} vector"
        if kind == "Ubuntu" and score not in _UBUNTU_SCORES:
            return "malformed Ubuntu severity"
    return None


def _check_affected(item: Any, top_severity: Any) -> str | None:
    if not isinstance(item, dict):
        return "'affected' entry is not an object"
    pkg = item.get("package")
    if pkg is not None:
        if not isinstance(pkg, dict):
            return "'package' is not an object"
        if not isinstance(pkg.get("ecosystem"), str) or not pkg["ecosystem"]:
            return "'package.ecosystem' missing"
        if not isinstance(pkg.get("name"), str) or not pkg["name"]:
            return "'package.name' missing"
    if "severity" in item and item["severity"] is not None:
        if top_severity:
            return "severity set both on the record and on 'affected'"
        reason = _check_severity(item["severity"])
        if reason:
            return reason
    if "versions" in item and not _str_list(item["versions"]):
        return "'versions' is not a list of strings"
    ranges = item.get("ranges", [])
    if not isinstance(ranges, list):
        return "'ranges' is not a list"
    for rng in ranges:
        reason = _check_range(rng)
        if reason:
            return reason
    return None


def _check_range(rng: Any) -> str | None:
    if not isinstance(rng, dict) or rng.get("type") not in _RANGE_TYPES:
        return "range without a valid 'type'"
    events = rng.get("events")
    if not isinstance(events, list) or not events:
        return "range without events"
    kinds: set[str] = set()
    for event in events:
        if not isinstance(event, dict):
            return "range event is not an object"
        keys = [k for k in _EVENT_KINDS if k in event]
        if len(keys) != 1 or not isinstance(event[keys[0]], str):
            return "range event must hold exactly one of introduced/fixed/last_affected/limit"
        if rng["type"] == "GIT" and not _COMMIT.match(event[keys[0]]):
            return "GIT range event is not a full commit hash"
        kinds.add(keys[0])
    if "introduced" not in kinds:
        return "range without an 'introduced' event"
    if "fixed" in kinds and "last_affected" in kinds:
        return "range mixes 'fixed' and 'last_affected'"
    if rng["type"] == "GIT" and not isinstance(rng.get("repo"), str):
        return "GIT range without 'repo'"
    return None


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # introduced | fixed | last_affected | limit
    version: str


@dataclass(frozen=True, slots=True)
class Range:
    type: str  # SEMVER | ECOSYSTEM | GIT
    events: tuple[Event, ...]


@dataclass(frozen=True, slots=True)
class Affected:
    ecosystem: str
    name: str
    purl: str | None
    ranges: tuple[Range, ...]
    versions: frozenset[str]
    severity: tuple[tuple[str, str], ...]
    specific_severity: str | None  # ecosystem_specific/database_specific "severity" text


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    modified: str
    published: str | None
    withdrawn: str | None
    aliases: tuple[str, ...]
    upstream: tuple[str, ...]
    summary: str
    details: str
    severity: tuple[tuple[str, str], ...]
    database_severity: str | None
    affected: tuple[Affected, ...]
    references: tuple[str, ...]


def _severity(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    return tuple((s["type"], s["score"]) for s in value if isinstance(s, dict))


def _specific_severity(*blocks: Any) -> str | None:
    """A severity word a database puts in its own block: GHSA's ``severity``, Debian's
    ``urgency`` (DEBIAN-CVE records), Red Hat's ``impact``."""
    for block in blocks:
        if isinstance(block, Mapping):
            for key in ("severity", "urgency", "impact"):
                sev = block.get(key)
                if isinstance(sev, str) and sev.strip():
                    return sev.strip()[:40]
    return None


def parse_affected(item: Mapping[str, Any]) -> Affected:
    """Typed view of one ``affected`` entry of a checked record."""
    pkg = item.get("package") or {}
    ranges = tuple(
        Range(
            r["type"],
            tuple(Event(k, e[k]) for e in r["events"] for k in _EVENT_KINDS if k in e),
        )
        for r in item.get("ranges") or ()
    )
    return Affected(
        ecosystem=pkg.get("ecosystem", ""),
        name=pkg.get("name", ""),
        purl=pkg.get("purl"),
        ranges=ranges,
        versions=frozenset(item.get("versions") or ()),
        severity=_severity(item.get("severity")),
        specific_severity=_specific_severity(
            item.get("ecosystem_specific"), item.get("database_specific")
        ),
    )


def advisory_head(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a checked record a report needs, without the (large) affected list:
    what the store keeps beside each record so that matching never parses whole records."""
    db_sev = _specific_severity(rec.get("database_specific"))
    return {
        "id": rec["id"],
        "modified": rec["modified"],
        "published": rec.get("published"),
        "withdrawn": rec.get("withdrawn"),
        "aliases": list(rec.get("aliases") or ()),
        "upstream": list(rec.get("upstream") or ()),
        "summary": rec.get("summary") or "",
        "details": (rec.get("details") or "")[:400],
        "severity": rec.get("severity") or [],
        "database_specific": {"severity": db_sev} if db_sev else {},
        "references": [r for r in rec.get("references") or () if "url" in r][:20],
    }


def parse_advisory(
    rec: Mapping[str, Any], affected: Sequence[Mapping[str, Any]] | None = None
) -> Advisory:
    """Typed view of a record that passed :func:`check_record` (or of its
    :func:`advisory_head`, with ``affected`` the entries wanted)."""
    items = rec.get("affected") or () if affected is None else affected
    return Advisory(
        id=rec["id"],
        modified=rec["modified"],
        published=rec.get("published"),
        withdrawn=rec.get("withdrawn"),
        aliases=tuple(rec.get("aliases") or ()),
        upstream=tuple(rec.get("upstream") or ()),
        summary=rec.get("summary") or "",
        details=rec.get("details") or "",
        severity=_severity(rec.get("severity")),
        database_severity=_specific_severity(rec.get("database_specific")),
        affected=tuple(parse_affected(item) for item in items),
        references=tuple(r["url"] for r in rec.get("references") or () if "url" in r),
    )
