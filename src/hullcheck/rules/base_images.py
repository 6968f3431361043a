"""Base images: digests, trusted registries, and heavy general-purpose images in the final stage.

HC1001 (no tag or ``latest``) lives in ``base_image_tag``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.imageref import ImageRef, parse_image_ref
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line

# -- HC1002 not pinned by digest ---------------------------------------------------------


def _check_digest(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or ref.digest or ref.tag in (None, "latest"):
            continue  # untagged/latest is HC1001's finding
        yield at_line(
            stage.from_,
            f"{ref.raw} is a tag, which its publisher can move to different content",
            fix=f"Pin the digest too: `FROM {ref.raw}@sha256:<digest>` (tools such as Renovate"
            " keep it current).",
        )


DIGEST = Rule(
    id="HC1002",
    title="Base image not pinned by digest",
    severity=Severity.LOW,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Tags are mutable: the same `FROM python:3.12-slim` yields different images from"
        " week to week, or a malicious one if the publisher's account is compromised. A"
        " digest names exactly one image."
    ),
    fix="Use `FROM image:tag@sha256:<digest>`.",
    check=_check_digest,
)


# -- HC1003 registry outside the trusted list --------------------------------------------


def trusted(ref: ImageRef, allowed: tuple[str, ...]) -> bool:
    """Whether ``ref`` comes from one of ``allowed`` (``docker.io``, ``ghcr.io/acme``...)."""
    full = f"{ref.registry}/{ref.repository}"
    for raw in allowed:
        entry = raw.strip().rstrip("/").lower()
        if entry in ("hub.docker.com", "index.docker.io", "registry-1.docker.io"):
            entry = "docker.io"
        if full.lower() == entry or full.lower().startswith(entry + "/"):
            return True
        if ref.registry == entry:
            return True
    return False


def _check_registry(ctx: RuleContext) -> Iterator[Hit]:
    allowed = ctx.trusted_registries
    if not allowed:
        return
    df = ctx.dockerfile
    for stage in df.stages:
        ref = stage.ref
        if ref is not None and not ref.has_variables and not trusted(ref, allowed):
            yield at_line(
                stage.from_,
                f"{ref.raw} comes from {ref.registry}, which is not in trusted-registries",
            )
        for ins in stage.find("COPY"):
            src = ins.flag("from")
            if not src or "$" in src or df.stage_named(src) is not None:
                continue
            if re.search(r"[:/@.]", src):
                image = parse_image_ref(src)
                if not trusted(image, allowed):
                    yield at_line(
                        ins,
                        f"COPY --from={src} pulls from {image.registry}, which is not in"
                        " trusted-registries",
                    )


REGISTRY = Rule(
    id="HC1003",
    title="Image from a registry outside the trusted list",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Your policy (`trusted-registries` in .hullcheck.yaml, or hadolint's"
        " `trustedRegistries`) names where images may come from; anything else bypasses"
        " the mirror, scanning and signing that registry gives you."
    ),
    fix="Pull the image through a trusted registry (mirror it there first).",
    check=_check_registry,
    hadolint=("DL3026",),
)


# -- HC1004 heavy general-purpose base in the final image --------------------------------

_LEAN_TAG = re.compile(r"(slim|alpine|distroless|minimal|micro|chiseled|busybox|scratch)", re.I)
_HEAVY: dict[str, str] = {
    "library/ubuntu": "a minimal image such as `gcr.io/distroless/base-debian12` or"
    " `ubuntu/...:chiseled`, or build FROM ubuntu and copy the result into one",
    "library/debian": "`debian:<release>-slim` or a distroless image",
    "library/python": "`python:<version>-slim` (or `-alpine`)",
    "library/node": "`node:<version>-slim` (or `-alpine`, or distroless nodejs)",
    "library/ruby": "`ruby:<version>-slim` (or `-alpine`)",
    "library/php": "`php:<version>-fpm-alpine` or `-cli-alpine`",
    "library/perl": "`perl:<version>-slim`",
    "library/openjdk": "a JRE image such as `eclipse-temurin:<version>-jre`",
    "library/buildpack-deps": "a slim runtime image; buildpack-deps is a build toolchain",
    "library/golang": "`gcr.io/distroless/static` or `scratch`: build with golang in an"
    " earlier stage and copy the binary",
    "library/rust": "`gcr.io/distroless/cc` or `debian:<release>-slim`: build with rust in"
    " an earlier stage and copy the binary",
    "library/gcc": "a slim runtime image: build in an earlier stage and copy the binary",
    "library/maven": "a JRE image (`eclipse-temurin:<version>-jre`): build with maven in an"
    " earlier stage and copy the jar",
    "library/gradle": "a JRE image (`eclipse-temurin:<version>-jre`): build with gradle in an"
    " earlier stage and copy the jar",
}


def _check_heavy(ctx: RuleContext) -> Iterator[Hit]:
    stage = ctx.final_stage
    if stage is None or stage.windows:
        return
    # the final image is its own FROM, or the first real image up the stage chain
    current = stage
    while current.ref is None and current.parent is not None:
        current = ctx.dockerfile.stages[current.parent]
    ref = current.ref
    if ref is None or ref.has_variables or ref.registry != "docker.io":
        return
    advice = _HEAVY.get(ref.repository)
    if advice is None or (ref.tag and _LEAN_TAG.search(ref.tag)):
        return
    if ref.repository == "library/openjdk" and ref.tag and "jre" in ref.tag:
        return
    yield at_line(
        current.from_,
        f"the final image is based on {ref.raw}, a full general-purpose image; its compilers,"
        " shells and libraries ship too (size and CVEs)",
        fix=f"Use {advice}.",
    )


HEAVY_BASE = Rule(
    id="HC1004",
    title="Final image based on a heavy general-purpose image",
    severity=Severity.LOW,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Full distribution and SDK images carry hundreds of packages the application never"
        " uses; each adds size, scan noise and exploitable tools (compilers, package"
        " managers, shells)."
    ),
    fix=(
        "Base the final stage on a slim, alpine or distroless variant, building in an"
        " earlier stage if you need the toolchain."
    ),
    check=_check_heavy,
)

RULES = (DIGEST, REGISTRY, HEAVY_BASE)
