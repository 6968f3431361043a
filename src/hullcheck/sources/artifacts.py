"""Reading and writing small artifacts beside an image: what signing and promotion need.

An ``ArtifactStore`` is one repository (of a registry, or an OCI layout directory) that
can give a manifest by tag or digest (``None`` when absent), read a small blob, and write
blobs and manifests.  Every read is checked against its digest; every write returns the
digest the store recorded, which the caller compares with the one it computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol

from hullcheck.sources.base import Manifest


class ArtifactStore(Protocol):
    @property
    def description(self) -> str:
        """How to name this repository in messages."""
        ...

    def manifest(self, selector: str) -> Manifest | None:
        """The manifest a tag or digest names, verified, or ``None`` if there is none."""
        ...

    def read_blob(self, digest: str, limit: int) -> bytes:
        """A whole small blob, at most ``limit`` bytes, checked against ``digest``."""
        ...

    def has_blob(self, digest: str) -> bool: ...

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        """A stream of a large blob's bytes (the caller hashes what it reads)."""
        ...

    def put_blob(self, data: bytes) -> str:
        """Store ``data`` (if not there yet); return its digest."""
        ...

    def put_blob_stream(self, digest: str, size: int, chunks: Iterable[bytes]) -> None:
        """Store a large blob from a stream; the store rejects it if the digest differs."""
        ...

    def put_manifest(self, body: bytes, media_type: str, tag: str | None) -> str:
        """Store a manifest (under ``tag`` if given); return its digest."""
        ...

    def close(self) -> None: ...
