"""Base images: tags and digests, trusted registries, heavy images, end of life.

HC1001 an untagged or ``latest`` base, HC1002 a tag without a digest, HC1003 a registry
outside the trusted list, HC1004 a heavy general-purpose image in the final stage, HC1005
a release past its end of life (looked up in the dated end-of-life data the image rules
use, :func:`hullcheck.vulns.eol.current_eol`, against the lint's clock, so a release turns
into a finding the day its free support ends; a runtime tag that names its OS, such as
``python:3.12-bullseye``, is judged on both).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from hullcheck.dockerfile.imageref import ImageRef
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line
from hullcheck.rules.common import external_images
from hullcheck.vulns.eol import EolData, current_eol

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
    name="base-image-without-digest",
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
    """Whether ``ref`` comes from one of ``allowed``: a registry (``docker.io``), a
    registry and path prefix (``ghcr.io/acme``), ``*.example.com`` (any host under that
    domain, as hadolint's trustedRegistries reads it) or ``*`` (any registry)."""
    full = f"{ref.registry}/{ref.repository}".lower()
    host = ref.registry.lower()
    for raw in allowed:
        entry = raw.strip().rstrip("/").lower()
        if entry in ("hub.docker.com", "index.docker.io", "registry-1.docker.io"):
            entry = "docker.io"
        if entry == "*":
            return True
        if entry.startswith("*."):
            if host.endswith(entry[1:]) and "/" not in entry:
                return True
            continue
        if full == entry or full.startswith(entry + "/") or host == entry:
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
    for ins, how, image in external_images(df):
        if not image.has_variables and not trusted(image, allowed):
            yield at_line(
                ins, f"{how} pulls from {image.registry}, which is not in trusted-registries"
            )


REGISTRY = Rule(
    id="HC1003",
    name="untrusted-registry",
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
    name="heavy-base-image",
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


# -- HC1001 no tag or latest -------------------------------------------------------------


def _check_tag(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or not ref.is_latest_or_untagged:
            continue
        shown = ref.raw
        if ref.tag is None:
            message = f"base image {shown} has no tag: it floats to whatever `latest` is today"
            code = "DL3006"
        else:
            message = f"base image {shown} uses the moving `latest` tag"
            code = "DL3007"
        line = stage.from_.line
        yield Hit(line, line, message, extra={"hadolint": code})


UNPINNED_BASE = Rule(
    id="HC1001",
    name="unpinned-base-image",
    title="Base image not pinned to a version",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "An untagged or `latest` base image changes under you: builds are not reproducible"
        " and a bad upstream push lands in your image unnoticed."
    ),
    fix=(
        "Name an explicit version tag (`debian:12.7-slim`), ideally with its digest"
        " (`debian:12.7-slim@sha256:...`)."
    ),
    check=_check_tag,
    hadolint=("DL3006", "DL3007"),
    aliases=("CKV_DOCKER_7", "DS001", "DKL-DI-0006"),
)


# -- HC1005 base image past end of life --------------------------------------------------

_VERSION = re.compile(r"^v?(\d+(?:\.\d+)?)")
_ALPINE_TAG = re.compile(r"^alpine(\d+\.\d+)$")
# official image repository -> (product in the EOL data, is it a runtime)
_PRODUCTS = {
    "library/debian": ("debian", False),
    "library/ubuntu": ("ubuntu", False),
    "library/alpine": ("alpine", False),
    "library/centos": ("centos", False),
    "library/rockylinux": ("rocky", False),
    "library/almalinux": ("almalinux", False),
    "library/amazonlinux": ("amzn", False),
    "library/python": ("python", True),
    "library/node": ("node", True),
    "library/php": ("php", True),
    "library/ruby": ("ruby", True),
}
_OS_CODENAMES = ("debian", "ubuntu")


def _os_in_tag(data: EolData, tag: str) -> tuple[str, str] | None:
    """The (distribution, release) a tag names: ``bullseye``, ``jammy``, ``alpine3.18``."""
    for part in re.split(r"[-_]", tag.lower()):
        for distro in _OS_CODENAMES:
            key = data.codenames(distro).get(part)
            if key is not None:
                return distro, key
        alpine = _ALPINE_TAG.match(part)
        if alpine:
            return "alpine", alpine.group(1)
    return None


def end_of_life(data: EolData, repository: str, tag: str) -> tuple[str, datetime.date] | None:
    """(what, last day of free support) for an official image tag, the earliest of the
    runtime's and the OS's when the tag names both; None when unknown."""
    product = _PRODUCTS.get(repository)
    if product is None:
        return None
    name, runtime = product
    ends: list[tuple[datetime.date, str]] = []
    os_named = _os_in_tag(data, tag)
    if os_named is not None and (runtime or os_named[0] == name):
        release = data.find(os_named[0], os_named[1])
        if release is not None:
            ends.append((data.end_of_support(os_named[0], release), f"{os_named[0]} {release.key}"))
    if os_named is None or runtime:
        # the official centos image also spells its tags `centos7`, `centos7.9.2009`
        version = tag[len(name) :] if not runtime and tag.lower().startswith(name) else tag
        match = _VERSION.match(version)
        if match is not None:
            release = data.find(name, match.group(1), runtime=runtime, series=True)
            if release is not None:
                ends.append((data.end_of_support(name, release), f"{name} {release.key}"))
    if not ends:
        return None
    end, what = min(ends)
    return what, end


def _check_eol(ctx: RuleContext) -> Iterator[Hit]:
    today = ctx.today or datetime.datetime.now(datetime.UTC).date()
    data = ctx.eol or current_eol()
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or ref.registry != "docker.io" or not ref.tag:
            continue
        found = end_of_life(data, ref.repository, ref.tag)
        if found is not None and found[1] < today:
            what, end = found
            yield Hit(
                stage.from_.line,
                stage.from_.line,
                f"{ref.raw} ({what}) reached end of life on {end.isoformat()}: no security "
                "fixes since",
                extra={"eol": end.isoformat(), "eol_data_as_of": data.as_of.isoformat()},
            )


EOL_BASE = Rule(
    id="HC1005",
    name="end-of-life-base-image",
    title="Base image past end of life",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "Once a distribution release or language runtime is out of support, new"
        " vulnerabilities in it are never fixed: every rebuild ships them, and scanners"
        " report them forever."
    ),
    fix="Move to a supported release (e.g. `debian:12-slim`, `python:3.12-slim`, `node:22`).",
    check=_check_eol,
)


RULES = (UNPINNED_BASE, DIGEST, REGISTRY, HEAVY_BASE, EOL_BASE)
