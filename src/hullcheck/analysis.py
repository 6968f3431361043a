"""The interfaces of the single layer pass, below every pipeline that uses them.

An ``Analyser`` (the catalogers, the secrets engine, each image-rule family) gives the
walker its subscriptions and, once every layer has been read, turns what it saw into an
``AnalyserOutput``; a ``Progress`` is told how the pass advances.  ``walk_diagnostics``
says what the walk itself could not read.  The pipelines (``scan``, ``sbom``) import this
module; the analysers import it too, never the pipelines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from hullcheck import diagnostics as diag
from hullcheck.diagnostics import Diagnostic
from hullcheck.model import Finding, JSONValue, Package
from hullcheck.sources.image import Image
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
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """What the analyser could not examine (errors) or wants said (warnings)."""
    summary: dict[str, JSONValue] = field(default_factory=dict)
    """Keys merged into the report's ``summary`` (efficiency, base OS...)."""


class Progress(Protocol):
    """Told what the single pass is doing (the CLI draws a progress bar from it)."""

    def start(self, layers: int, total_bytes: int) -> None: ...

    def layer(self, index: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def stop(self) -> None: ...


def withhold_unverified(
    walk: WalkResult, findings: list[Finding], packages: list[Package]
) -> tuple[list[Finding], list[Package]]:
    """Findings and packages without those read from layers whose digest never verified
    (``WalkResult.unverified``): a tampered or cut-off layer reaches no output."""
    bad = walk.unverified
    if not bad:
        return findings, packages
    return (
        [f for f in findings if f.location.layer_index not in bad],
        [p for p in packages if p.layer_index not in bad],
    )


def walk_diagnostics(walk: WalkResult) -> list[Diagnostic]:
    """The layer walk's problems: what could not be read was not examined (errors), a
    broken entry makes the image invalid (an error), oddities read as Docker would are
    warnings."""
    out: list[Diagnostic] = [
        diag.error("image-invalid", "walk", err.message, "", err.path) for err in walk.invalid
    ]
    for err in walk.errors:
        if err.path is not None:
            out.append(diag.error("file-unreadable", "walk", err.message, err.path, err.path))
        elif err.layer_index is not None:
            lost = (
                f"every file of layer {err.layer_index} (nothing read from its unverified "
                "bytes is reported)"
                if err.layer_index in walk.unverified
                else f"the files of layer {err.layer_index} past the failure"
            )
            out.append(diag.error("layer-unreadable", "walk", err.message, lost))
        else:
            out.append(
                diag.error("layer-unreadable", "walk", err.message, "part of the image's files")
            )
    if walk.suppressed_errors:
        out.append(
            diag.error(
                "file-unreadable",
                "walk",
                f"{walk.suppressed_errors} further problems were not listed",
                f"{walk.suppressed_errors} more files or entries",
            )
        )
    out.extend(diag.warning("layer-entry", "walk", w.message, w.path) for w in walk.warnings)
    if not walk.complete and not walk.errors:
        short = [s.index for s in walk.view.stats if not s.complete]
        out.append(
            diag.error(
                "layer-unreadable",
                "walk",
                f"layers {short} were not read to the end",
                "the rest of those layers",
            )
        )
    return out
