"""The image scan pipeline: open the image, read its layers once, build the report.

Stages that analyse image content (catalogers, secrets, image rules) plug in as
``Analyser`` objects: each gives the walker its subscriptions, and after the single pass
turns what it saw (plus the merged view) into findings, packages and diagnostics.  Every
loss of coverage (a layer or file that could not be read, an analyser that raised, a
package database a cataloger could not parse, lint errors on the ``--dockerfile``) is a
``hullcheck.diagnostics`` error in the report, so the run cannot pass unchecked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from hullcheck import diagnostics as diag
from hullcheck.analysis import (
    Analyser,
    AnalyserOutput,
    Progress,
    walk_diagnostics,
    withhold_unverified,
)
from hullcheck.catalog.sbom_input import check_image_file, is_sbom_file, read_sbom
from hullcheck.diagnostics import Diagnostic
from hullcheck.document import Report
from hullcheck.errors import DockerfileError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.imagerules.packages import match_vulnerabilities
from hullcheck.imagerules.registry import analysers
from hullcheck.imagerules.secrets import redact_target
from hullcheck.lint import Linter, read_dockerfile
from hullcheck.model import Finding, JSONValue
from hullcheck.policy.config import DEFAULT as DEFAULT_CONFIG
from hullcheck.policy.config import Config
from hullcheck.secrets.places import merge_places
from hullcheck.sources.api import ImageHandle, open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.cache import BlobCache, CachingOpener
from hullcheck.sources.image import Image, Layer
from hullcheck.sources.layercache import open_layer_cache
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Subscription, Walker, WalkResult
from hullcheck.trace import annotate, merge_lint, trace_image
from hullcheck.vulns.eol import current_eol

__all__ = [  # the pass's interfaces, re-exported for callers that know them from here
    "Analyser",
    "AnalyserOutput",
    "Progress",
    "ScanRequest",
    "scan_image",
    "walk_diagnostics",
]


@dataclass(frozen=True, slots=True)
class ScanRequest:
    reference: str
    source: str | None = None
    platform: Platform | None = None
    options: SourceOptions = field(default_factory=SourceOptions)
    dockerfile: str | None = None
    """Path of the Dockerfile the image was built from: trace findings to its lines."""
    dockerfile_text: str | None = None
    """Its text (read by the caller, so ``-`` can be stdin); None: read ``dockerfile``."""
    lint: bool = True
    """With a Dockerfile, also lint it and merge its findings into the report."""
    settings: ScanSettings = field(default_factory=ScanSettings)
    progress: Progress | None = None
    lint_config: Config | None = None
    """The ``.hullcheck.yaml`` to lint the Dockerfile with (None: lint's defaults)."""
    layer_cache: bool = True
    """Reuse (and keep) per-layer results in the cache directory (``sources.layercache``)."""
    layer_cache_url: str | None = None
    """Where layer records live: a directory or a shared store (``redis://``); None:
    ``<cache>/layers``."""


class _Counting:
    """A blob stream that tells ``progress`` how many stored bytes were read."""

    def __init__(self, raw: BinaryIO, progress: Progress) -> None:
        self._raw = raw
        self._progress = progress

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._progress.advance(len(data))
        return data

    def close(self) -> None:
        self._raw.close()


def target_json(image: Image, walk: WalkResult | None) -> dict[str, JSONValue]:
    """The report's ``target``: what image was scanned, its config and its layers."""
    stats = walk.view.stats if walk is not None else []
    if not image.has_config:  # a directory: no image identity, config or history
        st0 = stats[0] if stats else None
        return {
            "source": image.source_kind,
            "path": image.reference,
            "files": st0.files if st0 is not None else None,
            "bytes": st0.bytes_added if st0 is not None else None,
        }
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
        if walk is not None and layer.index in walk.cached_layers:
            entry = layers[-1]
            assert isinstance(entry, dict)
            entry["cached"] = True  # its results came from the layer cache, not its blob
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


def _walk(
    handle: ImageHandle,
    subs: Sequence[Subscription],
    progress: Progress | None,
    layer_cache: bool = True,
    layer_cache_url: str | None = None,
) -> WalkResult:
    """``handle.walk`` with the registry blob cache and the layer cache, reporting
    progress per layer."""
    source = handle.source
    opener = None
    if handle.options.cache_dir is not None and source.info.kind == "registry":
        opener = CachingOpener(source, BlobCache(handle.options.cache_dir))
    layers = None
    if layer_cache:
        layers = open_layer_cache(layer_cache_url, handle.options.cache_dir)

    def open_blob(layer: Layer) -> BinaryIO:
        raw = (
            opener.open(layer) if opener else source.open_blob(layer.digest, layer.compressed_size)
        )
        if progress is None:
            return raw
        progress.layer(layer.index)
        return _Counting(raw, progress)  # type: ignore[return-value]

    def helped(layer: Layer) -> None:
        if progress is not None:
            progress.layer(layer.index)
            progress.advance(layer.compressed_size)

    def inflated(layer: Layer, nbytes: int) -> None:
        if progress is not None:
            progress.layer(layer.index)
            progress.advance(nbytes)

    return Walker(
        source,
        handle.image,
        subs,
        handle.options.limits,
        open_blob=open_blob,
        layer_cache=layers,
        spool_dir=handle.options.spool_dir,
        parallel=handle.options.parallel,
        on_helped=helped,
        on_inflated=inflated,
    ).run()


def _is_sbom(reference: str) -> bool:
    """Whether the target is an SBOM file; a file that is neither an SBOM nor an image
    archive is refused here, saying what it looked like."""

    path = Path(reference)
    if not path.is_file():
        return False
    if is_sbom_file(path):
        return True
    check_image_file(path)
    return False


def scan_sbom(request: ScanRequest) -> Report:
    """An SBOM file as the target: its packages, matched against the vulnerability data."""

    inventory = read_sbom(Path(request.reference))
    packages = list(inventory.packages)
    report = Report(findings=[], packages=packages)
    report.target = {
        "reference": request.reference,
        "source": "sbom",
        "name": inventory.target.name,
        "digest": inventory.target.digest,
        "platform": inventory.target.platform,
    }
    report.diagnostics.extend(inventory.diagnostics)
    report.summary = {"complete": inventory.complete, "packages": len(packages)}
    if inventory.distro is not None:
        report.summary["base_os"] = {
            "id": inventory.distro.id,
            "version_id": inventory.distro.version_id,
            "pretty_name": inventory.distro.pretty_name or None,
        }
    if request.settings.vulnerabilities:
        findings, info, losses = match_vulnerabilities(packages, inventory.distro, request.settings)
        report.findings = findings
        report.summary["vulnerability_db"] = info
        report.diagnostics.extend(losses)
    return report


def default_analysers(settings: ScanSettings) -> list[Analyser]:

    return analysers(settings)


def scan_image(request: ScanRequest, analysers: Sequence[Analyser] | None = None) -> Report:
    """Scan one image; raises ``HullcheckError`` when it cannot even be opened.

    ``analysers`` default to every image rule family (``hullcheck.imagerules``).
    """

    if request.source is None and _is_sbom(request.reference):
        return scan_sbom(request)
    if analysers is None:
        analysers = default_analysers(request.settings)
    dockerfile_text = request.dockerfile_text
    if request.dockerfile is not None and dockerfile_text is None:
        dockerfile_text = read_dockerfile(Path(request.dockerfile))
    report = Report(findings=[], packages=[])
    with open_image(
        request.reference,
        source=request.source,
        platform=request.platform,
        options=request.options,
    ) as handle:
        image = handle.image
        running, subs = _subscribe(analysers, image, report)
        walk = walk_image(
            handle, subs, request.progress, request.layer_cache, request.layer_cache_url
        )
        _describe_target(image, walk, request, report)
        summary: dict[str, JSONValue] = {"layers": len(image.layers), "complete": walk.complete}
        findings = _finish(running, image, walk, report, summary)
        if dockerfile_text is not None and request.dockerfile is not None:
            findings = _trace(findings, image, dockerfile_text, request, report, summary=summary)
            if request.lint:
                # lint reports the Dockerfile's steps on their lines: drop the history's copies
                findings = [f for f in findings if not f.extra.get("from_history")]
                findings = _lint(findings, dockerfile_text, request, report)
        findings, kept = withhold_unverified(walk, findings, report.packages or [])
        report.packages = kept
        _withhold_unverified_figures(walk, report.target, summary)
        report.findings = merge_places(findings)
        # complete: everything examined (an accepted loss still leaves the data incomplete)
        summary["complete"] = not any(d.level is diag.Level.ERROR for d in report.diagnostics)
        report.summary = summary
    return report


_LAYER_FIGURES = ("files", "bytes_added", "bytes_wasted", "empty", "efficiency")
_IMAGE_FIGURES = ("efficiency", "wasted_bytes", "bytes_added", "top_wasted")


def _withhold_unverified_figures(
    walk: WalkResult, target: Mapping[str, JSONValue] | None, summary: dict[str, JSONValue]
) -> None:
    """Figures counted from a layer whose digest never verified are not reported either:
    that layer's counts (and the image-wide ones summing them) become null."""
    bad = walk.unverified
    if not bad:
        return
    summary["unverified_layers"] = sorted(bad)
    for key in _IMAGE_FIGURES:
        if key in summary:
            summary[key] = None
    layers = target.get("layers") if target is not None else None
    for rows in (layers, summary.get("layer_table")):
        if not isinstance(rows, list):
            continue
        for row in rows:
            if isinstance(row, dict) and row.get("index") in bad:
                row.update({k: None for k in _LAYER_FIGURES if k in row})


def _subscribe(
    analysers: Sequence[Analyser], image: Image, report: Report
) -> tuple[list[Analyser], list[Subscription]]:
    """The analysers that could subscribe, and what they subscribed to."""
    subs: list[Subscription] = []
    running: list[Analyser] = []
    for analyser in analysers:
        try:
            subs.extend(analyser.subscriptions(image))
        except Exception as err:  # a buggy analyser must not stop the others
            report.diagnostics.append(_analyser_failed(analyser, err))
            continue
        running.append(analyser)
    return running, subs


def walk_image(
    handle: ImageHandle,
    subs: Sequence[Subscription],
    progress: Progress | None = None,
    layer_cache: bool = True,
    layer_cache_url: str | None = None,
) -> WalkResult:
    """One pass over the image's layers for ``subs``: through the registry blob cache and
    (``layer_cache``) the layer cache, telling ``progress`` what it reads."""
    if progress is not None:
        progress.start(
            len(handle.image.layers), sum(lay.compressed_size for lay in handle.image.layers)
        )
    try:
        return _walk(handle, subs, progress, layer_cache, layer_cache_url)
    finally:
        if progress is not None:
            progress.stop()


def _describe_target(image: Image, walk: WalkResult, request: ScanRequest, report: Report) -> None:
    """The report's ``target`` (secrets in it redacted) and what reading the image noted."""

    target = target_json(image, walk)
    redact_target(target)
    if request.settings.secrets is not None:  # the user's own rules too
        redact_target(target, request.settings.secrets)
    report.target = target
    report.diagnostics.extend(diag.warning("image-metadata", "image", w) for w in image.warnings)
    report.diagnostics.extend(walk_diagnostics(walk))
    report.diagnostics.extend(diag.warning("layer-cache", "walk", w) for w in walk.cache_warnings)


def _finish(
    running: Sequence[Analyser],
    image: Image,
    walk: WalkResult,
    report: Report,
    summary: dict[str, JSONValue],
) -> list[Finding]:
    """Every analyser's findings; its packages, diagnostics and summary go to the report."""
    findings: list[Finding] = []
    for analyser in running:
        try:
            out = analyser.finish(image, walk)
        except Exception as err:  # one buggy analyser must not stop the others
            report.diagnostics.append(_analyser_failed(analyser, err))
            continue
        findings.extend(out.findings)
        assert report.packages is not None
        report.packages.extend(out.packages)
        report.diagnostics.extend(out.diagnostics)
        summary.update(out.summary)
    return findings


def _trace(
    findings: list[Finding],
    image: Image,
    dockerfile_text: str,
    request: ScanRequest,
    report: Report,
    *,
    summary: dict[str, JSONValue],
) -> list[Finding]:
    """Findings annotated with the Dockerfile instruction that caused them, and the layer
    table with each layer's instruction; a Dockerfile that cannot be traced is a warning."""

    assert request.dockerfile is not None
    try:
        trace = trace_image(image, dockerfile_text, request.dockerfile)
    except DockerfileError as err:
        report.diagnostics.append(
            diag.warning(
                "trace-failed",
                "trace",
                f"cannot trace to the Dockerfile: {err.message}",
                request.dockerfile,
            )
        )
        return findings
    traced = trace.layer_json(image)
    summary["trace"] = {"dockerfile": request.dockerfile, "layers": list(traced)}
    report.diagnostics.extend(_untraced(traced, request.dockerfile))
    table = summary.get("layer_table")
    if isinstance(table, list):
        for row, entry in zip(table, traced, strict=False):
            if isinstance(row, dict):
                row.update({k: v for k, v in entry.items() if k != "index"})
    return annotate(findings, image, trace)


def _lint(
    findings: list[Finding], dockerfile_text: str, request: ScanRequest, report: Report
) -> list[Finding]:
    """``scan --dockerfile --lint``: the Dockerfile's lint findings merged with the image's."""

    assert request.dockerfile is not None
    config = request.lint_config
    linter = Linter(
        config=config,
        today=request.settings.now.date(),
        eol=current_eol(request.settings.db_path),
    )
    result = linter.lint_text(dockerfile_text, request.dockerfile, config or DEFAULT_CONFIG)
    report.suppressed.extend(result.suppressed)
    report.diagnostics.extend(result.diagnostics)
    return merge_lint(findings, result.findings)


def _analyser_failed(analyser: Analyser, err: Exception) -> Diagnostic:

    if os.environ.get("HULLCHECK_DEBUG"):
        raise err
    name = type(analyser).__name__
    return diag.error(
        "analyser-failed",
        "analyser",
        f"analyser {name} failed: {type(err).__name__}: {err}"[:500],
        f"every check of {name} on this image",
    )


def _untraced(traced: Sequence[dict[str, JSONValue]], dockerfile: str) -> list[Diagnostic]:
    """A warning when layers match no instruction of the ``--dockerfile``: their findings
    carry no Dockerfile line (the file may not be the one the image was built from)."""
    lost = [entry["index"] for entry in traced if entry.get("traced") is False]
    if not lost:
        return []
    total = len(traced)
    shown = ", ".join(map(str, lost[:10])) + ("..." if len(lost) > 10 else "")
    head = (
        f"none of the image's {total} layers could be traced to {dockerfile}"
        if len(lost) == total
        else f"{len(lost)} of the image's {total} layers (index {shown}) could not be traced "
        f"to {dockerfile}"
    )
    hint = (
        ": its instructions do not match the image's history (is it the Dockerfile "
        "this image was built from?)"
    )
    return [diag.warning("untraced-layers", "trace", head + hint, dockerfile)]
