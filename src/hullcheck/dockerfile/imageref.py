"""Image references as written in FROM: registry, repository, tag, digest.

Follows the distribution reference grammar's defaulting: no registry means Docker Hub
(``docker.io``), and a single-component Hub name lives under ``library/``.
"""

from __future__ import annotations

from dataclasses import dataclass

DOCKER_HUB = "docker.io"


@dataclass(frozen=True, slots=True)
class ImageRef:
    """``ghcr.io/org/app:1.2@sha256:...`` -> registry, repository, tag, digest.

    ``explicit_registry`` says whether the registry was written out.  ``has_variables``
    is True when the text still held ``$`` after ARG substitution (unknown at lint time).
    """

    raw: str
    registry: str
    repository: str
    tag: str | None
    digest: str | None
    explicit_registry: bool
    has_variables: bool = False

    @property
    def name(self) -> str:
        """``registry/repository`` fully qualified."""
        return f"{self.registry}/{self.repository}"

    @property
    def is_latest_or_untagged(self) -> bool:
        return self.digest is None and (self.tag is None or self.tag == "latest")


def parse_image_ref(text: str) -> ImageRef:
    """Parse a reference leniently (lint must not fail on odd but buildable names)."""
    raw = text.strip()
    rest = raw
    digest: str | None = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
    tag: str | None = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        registry, repository, explicit = first.lower(), remainder, True
    else:
        registry, repository, explicit = DOCKER_HUB, rest, False
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = DOCKER_HUB
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(
        raw=raw,
        registry=registry,
        repository=repository,
        tag=tag or None,
        digest=digest or None,
        explicit_registry=explicit,
        has_variables="$" in raw,
    )
