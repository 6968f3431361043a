"""The one document every output format renders: findings, diagnostics, what was scanned.

The JSON form is a stable contract (``schema`` 1):
``{"schema", "tool": {"name", "version"}, "findings": [...], "errors": [...],
"diagnostics": [...]}``, to which scan adds ``target``, ``packages`` and ``summary``.
``diagnostics`` lists everything the run could not do or wants said (level, kind, stage,
message, what was not examined); ``errors`` is the subset that makes the run exit 2 (the
errors nobody accepted with ``--allow-incomplete``), each ``{"message", "path"?, "kind"}``.
Later capabilities only add keys; they never rename or remove one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from hullcheck import __version__
from hullcheck.diagnostics import Diagnostic, accept
from hullcheck.model import Finding, JSONValue, Package

SCHEMA_VERSION = 1


@dataclass(slots=True)
class Report:
    """Everything one run found, in the order it should be shown."""

    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    target: Mapping[str, JSONValue] | None = None
    packages: list[Package] | None = None
    summary: dict[str, JSONValue] = field(default_factory=dict)
    suppressed: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """The diagnostics that make the run exit 2: errors nobody accepted."""
        return tuple(d for d in self.diagnostics if d.blocking)

    @property
    def complete(self) -> bool:
        """Whether everything was examined (or every loss was accepted)."""
        return not self.errors

    def accept(self, kinds: Iterable[str]) -> None:
        """Mark the errors of ``kinds`` as accepted (``--allow-incomplete``)."""
        self.diagnostics = accept(self.diagnostics, kinds)

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "schema": SCHEMA_VERSION,
            "tool": {"name": "hullcheck", "version": __version__},
        }
        if self.target is not None:
            out["target"] = dict(self.target)
        out["findings"] = [f.to_json() for f in self.findings]
        out["errors"] = [_error_json(e) for e in self.errors]
        out["diagnostics"] = [d.to_json() for d in self.diagnostics]
        if self.packages is not None:
            out["packages"] = [p.to_json() for p in self.packages]
        if self.summary:
            out["summary"] = self.summary
        if self.suppressed:
            out["suppressed"] = [f.to_json() for f in self.suppressed]
        return out


def _error_json(diagnostic: Diagnostic) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {"message": diagnostic.message, "kind": diagnostic.kind}
    if diagnostic.path is not None:
        out["path"] = diagnostic.path
    return out
