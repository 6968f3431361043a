"""One side of a diff: the facts a scan report holds, whatever the input was.

An image reference or an SBOM file is scanned (the same pipeline as ``hullcheck scan``);
a JSON report saved by ``hullcheck scan -f json`` or ``lint -f json`` is read as is.
What a side cannot know (an SBOM has no config, layers or files) is ``None``, so the
diff says "not compared" instead of inventing a difference.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullcheck import diagnostics as diag
from hullcheck.diagnostics import Diagnostic
from hullcheck.errors import InputError
from hullcheck.model import JSONValue

MAX_REPORT_BYTES = 256 << 20
SBOM_PRACTICES = frozenset({"vulnerabilities"})
"""What a scan of an SBOM can find: only package vulnerabilities."""


@dataclass(slots=True)
class Snapshot:
    label: str
    kind: str
    """``image``, ``sbom`` or ``report`` (a saved JSON report)."""
    report: dict[str, Any]
    reference: str | None = None
    practices: frozenset[str] | None = None
    """The practices this side's findings cover (None: all)."""
    files: dict[str, tuple[JSONValue, ...]] | None = field(default=None)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """What this side's scan (or the saved report) could not check."""

    @property
    def target(self) -> dict[str, Any]:
        target = self.report.get("target")
        return target if isinstance(target, dict) else {}

    @property
    def config(self) -> dict[str, Any] | None:
        config = self.target.get("config")
        return config if isinstance(config, dict) else None

    @property
    def layers(self) -> list[dict[str, Any]] | None:
        layers = self.target.get("layers")
        if not isinstance(layers, list):
            return None
        return [layer for layer in layers if isinstance(layer, dict)]

    @property
    def packages(self) -> list[dict[str, Any]]:
        packages = self.report.get("packages")
        return [p for p in packages or [] if isinstance(p, dict)]

    @property
    def findings(self) -> list[dict[str, Any]]:
        found = self.report.get("findings")
        return [f for f in found or [] if isinstance(f, dict)]

    @property
    def summary(self) -> dict[str, Any]:
        summary = self.report.get("summary")
        return summary if isinstance(summary, dict) else {}

    @property
    def unchecked(self) -> dict[str, int] | None:
        """Packages per ecosystem/release the scan could not check for vulnerabilities
        (the database holds no advisories for them); None when the report does not say."""
        vdb = self.summary.get("vulnerability_db")
        cov = vdb.get("coverage") if isinstance(vdb, dict) else None
        rows = cov.get("ecosystems") if isinstance(cov, dict) else None
        if not isinstance(rows, list):
            return None
        return {
            str(r.get("ecosystem")): int(r.get("unchecked") or 0)
            for r in rows
            if isinstance(r, dict) and isinstance(r.get("unchecked"), int) and r["unchecked"] > 0
        }

    @property
    def base_os(self) -> dict[str, Any] | None:
        base = self.summary.get("base_os")
        return base if isinstance(base, dict) else None


def is_report(path: Path) -> dict[str, Any] | None:
    """The parsed report when ``path`` is a hullcheck JSON report, else None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
            if not head.lstrip().startswith(b"{"):
                return None
            data = head + handle.read(MAX_REPORT_BYTES)
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > MAX_REPORT_BYTES:
        raise InputError(f"{path}: larger than {MAX_REPORT_BYTES >> 20} MiB")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if isinstance(doc, dict) and "schema" in doc and "findings" in doc and "tool" in doc:
        return doc
    return None


def from_report(label: str, doc: dict[str, Any]) -> Snapshot:
    target = doc.get("target")
    source = target.get("source") if isinstance(target, dict) else None
    practices = SBOM_PRACTICES if source == "sbom" else None
    losses = [
        diag.error(
            str(d.get("kind") or "report-incomplete"),
            str(d.get("stage") or "report"),
            f"{label}: {d.get('message')}",
            str(d.get("not_examined") or "part of the saved report"),
        )
        for d in doc.get("diagnostics") or []
        if isinstance(d, dict) and d.get("level") == "error" and not d.get("accepted")
    ]
    return Snapshot(label, "report", doc, practices=practices, diagnostics=losses)
