"""The image scan pipeline: open the image, read its layers once, build the report.

Stages that analyse image content (catalogers, secrets, image rules) plug in as
``Analyser`` objects: each gives the walker its subscriptions, and after the single pass
turns what it saw (plus the merged view) into findings, packages and errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hullcheck.model import Finding, JSONValue, Package
from hullcheck.report.document import Report, ReportError
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.image import Image
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Subscription, WalkResult


class Analyser(Protocol):
    """Something that looks at image content during the single layer pass."""

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        """What to be offered as layers stream (called before the pass)."""
        ...

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        """Findings/packages once every layer has been read (the merged view is final)."""
        ...


@dataclass
class AnalyserOutput:
    findings: list[Finding] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ScanRequest:
    reference: str
    source: str | None = None
    platform: Platform | None = None
    options: SourceOptions = field(default_factory=SourceOptions)


def target_json(image: Image, walk: WalkResult | None) -> dict[str, JSONValue]:
    """The report's ``target``: what image was scanned, its config and its layers."""
    stats = walk.view.stats if walk is not None else []
    layers: list[JSONValue] = []
    for layer in image.layers:
        st = stats[layer.index] if layer.index < len(stats) else None
        size = layer.size
        if st is not None and st.complete:
            size = st.uncompressed_size
        layers.append(
            {
                "index": layer.index,
                "digest": layer.digest,
                "diff_id": layer.diff_id,
                "size": size,
                "compressed_size": layer.compressed_size,
                "media_type": layer.media_type,
                "created_by": layer.created_by,
                "created": layer.created,
                "empty": (st.entries == 0) if st is not None and st.complete else None,
                "files": st.files if st is not None else None,
                "bytes_added": st.bytes_added if st is not None else None,
                "bytes_wasted": st.bytes_wasted if st is not None else None,
            }
        )
    return {
        "reference": image.reference,
        "source": image.source_kind,
        "digest": image.manifest_digest,
        "manifest_media_type": image.manifest_media_type,
        "synthetic_manifest": image.synthetic_manifest,
        "index_digest": image.index_digest,
        "config_digest": image.config_digest,
        "platform": str(image.platform),
        "created": image.created,
        "repo_tags": list(image.repo_tags),
        "config": image.config.summary(),
        "history": [h.to_json() for h in image.config.history],
        "layers": layers,
    }


def scan_image(request: ScanRequest, analysers: Sequence[Analyser] = ()) -> Report:
    """Scan one image; raises ``HullcheckError`` when it cannot even be opened."""
    report = Report(findings=[], errors=[], packages=[])
    with open_image(
        request.reference,
        source=request.source,
        platform=request.platform,
        options=request.options,
    ) as handle:
        image = handle.image
        subs: list[Subscription] = []
        for analyser in analysers:
            subs.extend(analyser.subscriptions(image))
        walk = handle.walk(subs)
        report.target = target_json(image, walk)
        report.errors.extend(ReportError(w) for w in image.warnings)
        for err in walk.errors:
            report.errors.append(ReportError(err.message, err.path))
        if walk.suppressed_errors:
            report.errors.append(
                ReportError(f"{walk.suppressed_errors} further problems were not listed")
            )
        for analyser in analysers:
            out = analyser.finish(image, walk)
            report.findings.extend(out.findings)
            assert report.packages is not None
            report.packages.extend(out.packages)
            report.errors.extend(out.errors)
        report.summary = {"layers": len(image.layers), "complete": walk.complete}
    return report
