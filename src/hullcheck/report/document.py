"""The one document every output format renders: findings, errors, and what was scanned.

The JSON form is a stable contract (``schema`` 1):
``{"schema", "tool": {"name", "version"}, "findings": [...], "errors": [...]}``,
to which scan adds ``target``, ``packages`` and ``summary``.  Later capabilities only add
keys; they never rename or remove one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hullcheck import __version__
from hullcheck.model import Finding, JSONValue, Package

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ReportError:
    """Something the tool could not do for one input (the run still went on)."""

    message: str
    path: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {"message": self.message}
        if self.path is not None:
            out["path"] = self.path
        return out


@dataclass(slots=True)
class Report:
    """Everything one run found, in the order it should be shown."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)
    target: Mapping[str, JSONValue] | None = None
    packages: list[Package] | None = None
    summary: dict[str, JSONValue] = field(default_factory=dict)
    suppressed: list[Finding] = field(default_factory=list)

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "schema": SCHEMA_VERSION,
            "tool": {"name": "hullcheck", "version": __version__},
        }
        if self.target is not None:
            out["target"] = dict(self.target)
        out["findings"] = [f.to_json() for f in self.findings]
        out["errors"] = [e.to_json() for e in self.errors]
        if self.packages is not None:
            out["packages"] = [p.to_json() for p in self.packages]
        if self.summary:
            out["summary"] = self.summary
        if self.suppressed:
            out["suppressed"] = [f.to_json() for f in self.suppressed]
        return out
