"""``hullcheck advise IMAGE|Dockerfile``: the base images worth moving to, measured.

The base's repository is asked for its tags; the candidates are the newer patch
releases of the same line and variant, the other variants of the same release
(``-slim``...) and the next release(s).  Each candidate (and the current base) is
scanned like ``hullcheck scan`` does, and measured: size, package count, known
vulnerabilities, end-of-life status of its distribution, whether it runs as root, and
whether the scan could check everything.  They are ranked by those numbers, in this
order: support status, critical+high vulnerabilities, all vulnerabilities, root,
packages, size; every rank is explained by the row it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hullcheck.dockerfile.model import Dockerfile, Stage
from hullcheck.errors import HullcheckError, InputError
from hullcheck.sources.reference import Reference

CODENAMES = {
    "buster": 10, "bullseye": 11, "bookworm": 12, "trixie": 13, "forky": 14,
    "bionic": 18, "focal": 20, "jammy": 22, "noble": 24,
}  # fmt: skip
MAX_CANDIDATES = 12
_VERSION = re.compile(r"^v?(\d+(?:\.\d+){0,3})$")
_STATUS_RANK = {"supported": 0, "extended support": 1, "unknown": 2, "end of life": 3}


@dataclass(frozen=True, slots=True)
class TagInfo:
    """A tag split into its release line and variant: ``12.5-slim`` -> (12, 5), {slim}."""

    tag: str
    version: tuple[int, ...] | None
    variant: frozenset[str]

    @property
    def major(self) -> int | None:
        return self.version[0] if self.version else None


def parse_tag(tag: str) -> TagInfo:
    version: tuple[int, ...] | None = None
    variant: set[str] = set()
    for part in tag.lower().split("-"):
        match = _VERSION.match(part)
        if match and version is None:
            version = tuple(int(x) for x in match.group(1).split("."))
        elif part in CODENAMES and version is None:
            version = (CODENAMES[part],)
        elif part and part != "latest":
            variant.add(part)
    return TagInfo(tag, version, frozenset(variant))


def candidates(current: str, tags: Sequence[str]) -> list[tuple[str, str]]:
    """``(tag, why)`` for every tag worth measuring against ``current``."""
    here = parse_tag(current)
    out: list[tuple[str, str]] = []
    if here.version is None:
        return [(t, "variant") for t in tags if t != current and parse_tag(t).version is None][
            :MAX_CANDIDATES
        ]
    for tag in tags:
        if tag == current:
            continue
        info = parse_tag(tag)
        if info.version is None or info.major is None:
            continue
        same_line = info.version[: len(here.version) - 1] == here.version[:-1]
        if info.major == here.major:
            if (
                info.variant == here.variant
                and len(info.version) == len(here.version)
                and (same_line and info.version > here.version)
            ):
                out.append((tag, "newer patch release"))
            elif info.variant != here.variant and info.version == here.version:
                out.append((tag, "another variant of this release"))
        elif (
            0 < info.major - (here.major or 0) <= 2
            and len(info.version) == 1
            and info.variant <= here.variant | {"slim"}
        ):
            out.append((tag, "next release"))
    out.sort(key=lambda item: (parse_tag(item[0]).version or (), item[0]))
    return out[:MAX_CANDIDATES]


@dataclass(slots=True)
class Measure:
    """One candidate's numbers, from a scan."""

    tag: str
    why: str
    reference: str
    size: int = 0
    packages: int = 0
    vulns: int = 0
    serious: int = 0
    """critical + high vulnerabilities."""
    distro: str | None = None
    status: str = "unknown"
    status_until: str | None = None
    root: bool = True
    complete: bool = True
    error: str | None = None
    losses: list[tuple[str, str, str]] = field(default_factory=list)
    """The scan's coverage losses: (kind, message, what was not examined)."""
    unchecked: dict[str, int] = field(default_factory=dict)
    """Packages per ecosystem/release not checked for vulnerabilities (no advisories)."""

    def key(self) -> tuple[int, ...]:
        return (
            1 if self.error else 0,
            _STATUS_RANK.get(self.status, 2),
            self.serious,
            self.vulns,
            1 if self.root else 0,
            self.packages,
            self.size,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "tag": self.tag, "why": self.why, "reference": self.reference, "size": self.size,
            "packages": self.packages, "vulnerabilities": self.vulns,
            "critical_high": self.serious, "distro": self.distro, "support": self.status,
            "support_until": self.status_until, "runs_as_root": self.root,
            "complete": self.complete, "not_checked": self.unchecked, "error": self.error,
        }  # fmt: skip


def _support(base: dict[str, Any], today: date) -> tuple[str, str | None]:
    eol = base.get("eol")
    extended = base.get("extended_support")
    if isinstance(eol, str) and eol[:10] >= today.isoformat():
        return "supported", eol[:10]
    if isinstance(extended, str) and extended[:10] >= today.isoformat():
        return "extended support", extended[:10]
    if isinstance(eol, str):
        return "end of life", eol[:10]
    return "unknown", None


def measure(tag: str, why: str, reference: str, report: dict[str, Any], today: date) -> Measure:
    """A candidate's numbers from its scan report (``hullcheck scan -f json``'s shape)."""
    m = Measure(tag, why, reference)
    target = report.get("target") or {}
    layers = target.get("layers") or []
    m.size = sum(int(layer.get("compressed_size") or layer.get("size") or 0) for layer in layers)
    m.packages = len(report.get("packages") or [])
    vulns = [f for f in report.get("findings") or [] if f.get("practice") == "vulnerabilities"]
    m.vulns = len(vulns)
    m.serious = sum(1 for f in vulns if f.get("severity") in ("critical", "high"))
    base = (report.get("summary") or {}).get("base_os") or {}
    if isinstance(base, dict) and base:
        m.distro = str(base.get("pretty_name") or f"{base.get('id')} {base.get('version_id')}")
        m.status, m.status_until = _support(base, today)
    user = str((target.get("config") or {}).get("user") or "")
    m.root = user.split(":", 1)[0] in ("", "root", "0")
    coverage = ((report.get("summary") or {}).get("vulnerability_db") or {}).get("coverage") or {}
    m.unchecked = {
        str(r.get("ecosystem")): int(r["unchecked"])
        for r in coverage.get("ecosystems") or []
        if isinstance(r, dict) and isinstance(r.get("unchecked"), int) and r["unchecked"] > 0
    }
    errors = [d for d in report.get("diagnostics") or [] if d.get("level") == "error"]
    m.complete = not errors
    m.losses = [
        (str(d.get("kind")), str(d.get("message")), str(d.get("not_examined") or ""))
        for d in errors
        if d.get("kind") in _COUNTED_LOSSES
    ]
    unread = [d for d in errors if d.get("kind") not in _COUNTED_LOSSES]
    if unread:
        # a layer or database that was not read makes every number above a guess: such a
        # candidate must not be ranked (let alone recommended) on them
        more = f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""
        m.error = f"the scan was incomplete: {unread[0].get('message')}{more}"
    return m


_COUNTED_LOSSES = frozenset({"vulnerability-coverage", "vulnerability-db", "provenance-unchecked"})
"""Losses a candidate's numbers survive: they are shown (``not_checked``, ``?``), not guessed."""


def rank(measures: list[Measure]) -> list[Measure]:
    return sorted(measures, key=lambda m: (*m.key(), m.tag))


def base_of(dockerfile: Dockerfile) -> tuple[str, Stage]:
    """The image the final stage builds on (following stage parents)."""
    stage = dockerfile.final_stage
    seen: set[int] = set()
    while stage is not None and stage.parent is not None and stage.index not in seen:
        seen.add(stage.index)
        stage = dockerfile.stages[stage.parent]
    if stage is None or stage.is_scratch or "$" in stage.image:
        raise InputError("the final stage builds on no image hullcheck can look up")
    return stage.image, stage


def from_line(stage: Stage | None, reference: str) -> str:
    """The FROM line adopting ``reference`` (flags and ``AS name`` kept)."""
    if stage is None:
        return f"FROM {reference}"
    flags = " ".join(stage.from_.flags)
    name = f" AS {stage.name}" if stage.name else ""
    return f"FROM {flags + ' ' if flags else ''}{reference}{name}"


def advise(
    ref: Reference,
    tags: Sequence[str],
    scan: Callable[[str], dict[str, Any]],
    today: date,
) -> list[Measure]:
    """Measure the current tag and its candidates (``scan`` returns a JSON report)."""
    current = ref.tag or "latest"
    rows = [(current, "current"), *candidates(current, tags)]
    out: list[Measure] = []
    for tag, why in rows:
        reference = f"{ref.name}:{tag}"
        try:
            report = scan(reference)
        except HullcheckError as err:
            failed = Measure(tag, why, reference, error=err.message)
            out.append(failed)
            continue
        out.append(measure(tag, why, reference, report, today))
    return rank(out)
