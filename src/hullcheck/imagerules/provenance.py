"""Provenance and audit: can this image be traced to its source, and what did its build leak?

Missing OCI annotations-as-labels (``org.opencontainers.image.source``, ``revision``,
``created``), an image named by a moving tag rather than a digest, and history entries
that reveal build arguments (``|2 KEY=value /bin/sh -c ...``: BuildKit and the classic
builder record every ARG in scope of a RUN, so ``docker history`` shows them).
"""

from __future__ import annotations

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import ConfigAnalyser, ImageRule, ScanSettings
from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import Practice, Severity
from hullcheck.secrets import is_secret_key
from hullcheck.sources.image import Image
from hullcheck.sources.walker import WalkResult

LABELS = ImageRule(
    id="HC8401",
    name="missing-oci-labels",
    title="Missing OCI provenance labels",
    practice=Practice.PROVENANCE,
    severity=Severity.LOW,
    explanation=(
        "Without org.opencontainers.image.source/revision/created nobody can tell which "
        "commit an image was built from, which slows every incident response."
    ),
    fix=(
        "Add LABEL org.opencontainers.image.source=<repo URL> "
        "org.opencontainers.image.revision=<commit> org.opencontainers.image.created=<date> "
        "(docker buildx and most CI actions can set them)."
    ),
)
BY_TAG = ImageRule(
    id="HC8402",
    name="image-referenced-by-tag",
    title="Image referenced by tag, not digest",
    practice=Practice.PROVENANCE,
    severity=Severity.LOW,
    explanation=(
        "A tag can be moved to another image at any time: what was scanned is not necessarily "
        "what is deployed."
    ),
    fix="Reference and deploy the image by digest (name@sha256:...).",
)
BUILD_ARGS = ImageRule(
    id="HC8501",
    name="build-args-in-history",
    title="Build arguments recorded in the image history",
    practice=Practice.AUDIT,
    severity=Severity.LOW,
    explanation=(
        "Every build argument in scope of a RUN is written into the image's history with its "
        "value (docker history shows it): never pass credentials as --build-arg."
    ),
    fix=(
        "Pass credentials with RUN --mount=type=secret; declare ARGs only in the stages and "
        "steps that need them."
    ),
    aliases=("HC8403",),
)
RULES = (LABELS, BY_TAG, BUILD_ARGS)

WANTED_LABELS = (
    "org.opencontainers.image.source",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.created",
)
REMOTE_SOURCES = frozenset({"registry", "docker", "engine", "podman", "containerd"})


class Provenance(ConfigAnalyser):
    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        if not image.has_config:
            return out  # a directory has no labels, reference digest or history
        missing = [k for k in WANTED_LABELS if not image.config.labels.get(k)]
        if missing:
            out.findings.append(
                LABELS.finding(
                    image,
                    f"Missing label{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.",
                    extra={"missing": missing},
                )
            )
        if image.source_kind in REMOTE_SOURCES and "@sha256:" not in image.reference:
            out.findings.append(
                BY_TAG.finding(
                    image,
                    f"{image.reference} names a tag; it resolved to {image.manifest_digest}.",
                    extra={"digest": image.manifest_digest},
                )
            )
        first: dict[str, int] = {}
        for i, entry in enumerate(image.config.history):
            for key, _ in parse_created_by(entry.created_by).build_args:
                first.setdefault(key, i)
        for key, i in first.items():
            entry = image.config.history[i]
            secret = is_secret_key(key)
            used = sum(
                1
                for h in image.config.history
                if key in dict(parse_created_by(h.created_by).build_args)
            )
            out.findings.append(
                BUILD_ARGS.finding(
                    image,
                    f"Build argument {key} is recorded with its value in "
                    f"{used} history entr{'y' if used == 1 else 'ies'}, first entry {i}"
                    + ("; its name says it holds a credential" if secret else "")
                    + ".",
                    layer_index=entry.layer_index,
                    severity=Severity.HIGH if secret else None,
                    history_index=i,
                    extra={"build_arg": key, "history_entries": used},
                )
            )
        return out


def analyser(settings: ScanSettings) -> Provenance:
    return Provenance(settings)
