"""The contract every image source fulfils, whatever holds the image.

A source (docker-archive, OCI layout, registry, engine socket) only has to answer three
questions: what is the manifest (or index) the reference names, what is the manifest
behind a digest, and give me the raw bytes of a blob.  Everything else (choosing a
platform, parsing manifests and configs, verifying digests, decompressing and walking
layers) is written once, on top of this protocol, and so behaves the same for every
source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Protocol, runtime_checkable

if TYPE_CHECKING:
    from hullcheck.sources.image import Image


@dataclass(frozen=True, slots=True)
class Platform:
    """An OCI platform, e.g. ``linux/amd64`` or ``linux/arm64/v8``."""

    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Read ``os/arch[/variant]``; ``ValueError`` when it has another shape."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"platform {text!r} is not os/arch[/variant]")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


@dataclass(frozen=True, slots=True)
class Manifest:
    """A manifest or index document as fetched, before it is trusted or parsed."""

    media_type: str
    body: bytes
    digest: str


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """How the user named the image and where it was read from, for reports."""

    kind: str
    reference: str
    details: Mapping[str, str] = field(default_factory=dict)


class ImageSource(Protocol):
    """Where an image's manifests and blobs come from.

    Implementations must bound everything they read into memory, raise
    ``hullcheck.errors.ImageError`` (or ``RegistryError``) with a one-line message on
    any failure, and never write outside hullcheck's cache directory.
    """

    @property
    def info(self) -> SourceInfo: ...

    def root_manifest(self) -> Manifest:
        """The manifest or image index the reference names (tag or digest)."""
        ...

    def fetch_manifest(self, digest: str) -> Manifest:
        """A manifest referenced by digest from an index."""
        ...

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        """A stream of the blob's stored (possibly compressed) bytes.

        The caller verifies the digest as it reads; a source may verify as well.
        """
        ...

    def close(self) -> None:
        """Release files, sockets and temporary state."""
        ...


@runtime_checkable
class ManifestlessSource(Protocol):
    """A source that knows its image without a manifest to resolve (a directory, a root
    filesystem tarball): one synthetic layer and no config (``has_config`` false)."""

    def image(self) -> Image: ...
