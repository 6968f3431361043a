"""Turn a diff argument into a :class:`Snapshot`: read a saved report, or scan the target."""

from __future__ import annotations

import json
from pathlib import Path

from hullcheck.diff.snapshot import SBOM_PRACTICES, Snapshot, from_report, is_report
from hullcheck.imagerules.base import ScanSettings
from hullcheck.report.json_format import render
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.open import SourceOptions


def load(reference: str, options: SourceOptions, settings: ScanSettings) -> Snapshot:
    path = Path(reference)
    if path.is_file():
        doc = is_report(path)
        if doc is not None:
            return from_report(reference, doc)
    report = scan_image(ScanRequest(reference, options=options, settings=settings))
    doc = json.loads(render(report))
    source = report.target.get("source") if isinstance(report.target, dict) else None
    losses = list(report.diagnostics)
    if source == "sbom":
        return Snapshot(
            reference, "sbom", doc, reference, practices=SBOM_PRACTICES, diagnostics=losses
        )
    return Snapshot(reference, "image", doc, reference, diagnostics=losses)
