"""``promote``: copy a verified, policy-passing image into a trusted repository.

Order matters for safety: every blob, then every platform manifest, then the index are
pushed *by digest* (untagged, so nothing points at them yet), each digest checked
against the source; only when the whole image is in place is the tag written.  An
interrupted promotion leaves unreferenced blobs at worst, never a tag on a partial
image.  Within one registry blobs are mounted across repositories (no bytes move);
across registries they are streamed through, hashed on the way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hullcheck.errors import ImageError
from hullcheck.provenance.target import Target
from hullcheck.sources.artifacts import ArtifactStore
from hullcheck.sources.base import Manifest
from hullcheck.sources.digest import check_digest, digest_of
from hullcheck.sources.mediatypes import INDEXES, MANIFESTS
from hullcheck.sources.registry.writer import RegistryWriter

CHUNK = 1 << 20
MAX_CHILDREN = 256


@dataclass
class CopyStats:
    manifests: int = 0
    blobs_mounted: int = 0
    blobs_copied: int = 0
    blobs_present: int = 0
    bytes_copied: int = 0
    platforms: list[str] = field(default_factory=list)


def _doc(manifest: Manifest) -> dict[str, Any]:
    try:
        doc = json.loads(manifest.body)
    except (ValueError, UnicodeDecodeError):
        raise ImageError(f"manifest {manifest.digest[:19]} is not JSON") from None
    if not isinstance(doc, dict):
        raise ImageError(f"manifest {manifest.digest[:19]} is not a JSON object")
    return doc


def _media_type(manifest: Manifest, doc: dict[str, Any]) -> str:
    media = manifest.media_type or str(doc.get("mediaType") or "")
    if media not in INDEXES and media not in MANIFESTS:
        if isinstance(doc.get("manifests"), list):
            return "application/vnd.oci.image.index.v1+json"
        return "application/vnd.oci.image.manifest.v1+json"
    return media


def _hashed(stream: Any, digest: str, size: int, stats: CopyStats) -> Iterator[bytes]:
    hasher = hashlib.sha256()
    total = 0
    with stream:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            total += len(chunk)
            if total > size:
                raise ImageError(f"blob {digest[:19]} is longer than its {size} bytes")
            yield chunk
    if f"sha256:{hasher.hexdigest()}" != digest:
        raise ImageError(f"blob {digest[:19]}: the bytes read hash to something else")
    stats.bytes_copied += total


class Copier:
    def __init__(self, src: ArtifactStore, dst: ArtifactStore, stats: CopyStats) -> None:
        self.src, self.dst, self.stats = src, dst, stats
        self.same_registry = (
            isinstance(src, RegistryWriter)
            and isinstance(dst, RegistryWriter)
            and src.ref.domain == dst.ref.domain
        )

    def blob(self, desc: Any) -> None:
        if not isinstance(desc, dict) or not isinstance(desc.get("size"), int):
            raise ImageError("a descriptor lacks a size")
        digest = check_digest(desc.get("digest"), "a blob")
        size = int(desc["size"])
        if self.dst.has_blob(digest):
            self.stats.blobs_present += 1
            return
        if self.same_registry:
            assert isinstance(self.src, RegistryWriter)
            if self.dst.mount_blob(digest, self.src.ref.path):  # type: ignore[attr-defined]
                self.stats.blobs_mounted += 1
                return
        if not digest.startswith("sha256:"):
            raise ImageError(f"blob {digest[:19]}: only sha256 blobs can be copied")
        stream = self.src.open_blob(digest, size)
        self.dst.put_blob_stream(digest, size, _hashed(stream, digest, size, self.stats))
        self.stats.blobs_copied += 1

    def manifest(self, manifest: Manifest, depth: int = 0) -> None:
        """Copy one manifest (and, for an index, its children) by digest."""
        if depth > 2:
            raise ImageError("image indexes nested too deep")
        doc = _doc(manifest)
        media = _media_type(manifest, doc)
        if media in INDEXES or isinstance(doc.get("manifests"), list):
            children = doc.get("manifests") or []
            if len(children) > MAX_CHILDREN:
                raise ImageError(f"index {manifest.digest[:19]} has over {MAX_CHILDREN} entries")
            for entry in children:
                digest = check_digest(
                    entry.get("digest") if isinstance(entry, dict) else None, "an index entry"
                )
                child = self.src.manifest(digest)
                if child is None:
                    raise ImageError(f"platform manifest {digest[:19]} is missing from the source")
                platform = entry.get("platform") if isinstance(entry, dict) else None
                if isinstance(platform, dict) and platform.get("os") not in (None, "unknown"):
                    self.stats.platforms.append(
                        "/".join(
                            str(platform[k])
                            for k in ("os", "architecture", "variant")
                            if platform.get(k)
                        )
                    )
                self.manifest(child, depth + 1)
        else:
            self.blob(doc.get("config"))
            layers = doc.get("layers")
            if not isinstance(layers, list):
                raise ImageError(f"manifest {manifest.digest[:19]} has no layers list")
            for layer in layers:
                self.blob(layer)
        pushed = self.dst.put_manifest(manifest.body, media, None)
        if pushed != manifest.digest:
            raise ImageError(
                f"manifest {manifest.digest[:19]} was stored as {pushed[:19]} at the destination"
            )
        self.stats.manifests += 1


def copy_image(source: Target, dest: ArtifactStore, tag: str | None) -> CopyStats:
    """Copy the whole image (every platform) by digest, then tag it; return what moved."""
    stats = CopyStats()
    subject = source.subject
    if digest_of(subject.body, subject.digest.split(":", 1)[0]) != subject.digest:
        raise ImageError("the source manifest does not match its digest")
    Copier(source.store, dest, stats).manifest(subject)
    check = dest.manifest(subject.digest)
    if check is None or check.body != subject.body:
        raise ImageError("the destination does not hold the copied image after the copy")
    if tag is not None:
        dest.put_manifest(subject.body, _media_type(subject, _doc(subject)), tag)
    return stats


ScanGate = Callable[[str], tuple[int, dict[str, Any]]]
"""Scan one platform of the source image: (exit code as ``scan`` gives it, JSON report)."""
