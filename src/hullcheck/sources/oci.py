"""OCI image layouts: a directory, a tar of one, or Docker 25+'s ``docker save`` output.

``index.json`` may hold several tags (``org.opencontainers.image.ref.name``, or
``io.containerd.image.name`` as Docker writes), several platforms of one tag, or one
entry that is itself an index.  A tag picks entries; without a tag a layout with one
entry (or only untagged platform entries) is read as is, and one with several tags is
refused with the list of tags.
"""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO

from hullcheck.errors import ImageError
from hullcheck.sources import mediatypes as mt
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.digest import blob_name, check_digest, digest_of
from hullcheck.sources.jsondoc import parse_json_object
from hullcheck.sources.limits import Limits
from hullcheck.sources.store import FileStore

REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"


def _names(entry: dict[str, Any]) -> list[str]:
    ann = entry.get("annotations")
    if not isinstance(ann, dict):
        return []
    out = []
    for key in (REF_NAME, CONTAINERD_NAME):
        value = ann.get(key)
        if isinstance(value, str) and value:
            out.append(value)
    return out


# what cosign stores next to an image: its signatures, attestations and SBOMs, by digest
_ARTIFACT_TAG = re.compile(r"(?:.*:)?sha256-[0-9a-f]{64}\.(?:sig|att|sbom)")


def _is_artifact(entry: dict[str, Any]) -> bool:
    """A signature or attestation, not an image: scanning the layout means the image."""
    names = _names(entry)
    return bool(entry.get("artifactType")) or (
        bool(names) and all(_ARTIFACT_TAG.fullmatch(n) for n in names)
    )


def normal_tag(tag: str) -> str:
    """``docker.io/library/foo`` and ``foo:latest`` are the same image name."""
    for prefix in ("docker.io/library/", "docker.io/"):
        if tag.startswith(prefix):
            tag = tag[len(prefix) :]
    if ":" not in tag.rpartition("/")[2] and "@" not in tag:
        tag += ":latest"
    return tag


def _tag_matches(wanted: str, names: list[str]) -> bool:
    return wanted in names or any(normal_tag(n) == normal_tag(wanted) for n in names)


class OCILayoutSource:
    """An ``ImageSource`` over an OCI layout held in a ``FileStore``."""

    def __init__(
        self, store: FileStore, reference: str, tag: str | None, kind: str, limits: Limits
    ) -> None:
        self._store = store
        self._tag = tag
        self._limits = limits
        self._info = SourceInfo(kind=kind, reference=reference, details={"path": store.description})
        raw = store.read_small("index.json", limits.max_manifest_bytes, "index.json")
        self._index_bytes = raw
        self._index = parse_json_object(
            raw, "index.json", limits.max_manifest_bytes, limits.max_json_depth
        )
        manifests = self._index.get("manifests")
        if not isinstance(manifests, list) or not all(isinstance(m, dict) for m in manifests):
            raise ImageError(f"index.json in {store.description} has no valid manifests list")
        self._entries: list[dict[str, Any]] = manifests

    @property
    def info(self) -> SourceInfo:
        return self._info

    def tags(self) -> list[str]:
        """The names the layout's index.json gives its entries."""
        seen: list[str] = []
        for entry in self._entries:
            for name in _names(entry)[:1]:
                if name not in seen:
                    seen.append(name)
        return seen

    def root_manifest(self) -> Manifest:
        entries = self._entries
        if not entries:
            raise ImageError(f"OCI layout {self._store.description} holds no images")
        if self._tag is not None:
            if self._tag.startswith("sha256:"):
                # one manifest under several tags is still one image
                chosen = [e for e in entries if e.get("digest") == self._tag][:1]
            else:
                chosen = [e for e in entries if _tag_matches(self._tag, _names(e))]
            if not chosen:
                raise ImageError(
                    f"OCI layout {self._store.description} has no image tagged "
                    f"{self._tag!r} (tags: {', '.join(self.tags()) or 'none'})"
                )
        else:
            images = [e for e in entries if not _is_artifact(e)]
            if images and len(images) < len(entries):
                entries = images
            chosen = entries
            tags = [t for t in self.tags() if not _ARTIFACT_TAG.fullmatch(t)]
            if len(entries) > 1 and len(tags) > 1:
                raise ImageError(
                    f"OCI layout {self._store.description} holds {len(tags)} images; name one "
                    f"as oci:{self._store.description}:TAG (tags: {', '.join(tags)})"
                )
        if len(chosen) == 1:
            digest = check_digest(chosen[0].get("digest"), "index.json entry")
            ann = chosen[0].get("annotations")
            name = ann.get(CONTAINERD_NAME) if isinstance(ann, dict) else None
            if isinstance(name, str) and name:  # Docker 25+ archives name the image here
                details = {**self._info.details, "repo_tags": name}
                self._info = SourceInfo(self._info.kind, self._info.reference, details)
            return self.fetch_manifest(digest)
        if chosen is self._entries:
            # several untagged entries (platforms): index.json itself is the index
            body = self._index_bytes
        else:
            body = json.dumps(
                {"schemaVersion": 2, "mediaType": mt.OCI_INDEX, "manifests": chosen},
                sort_keys=True,
            ).encode()
        return Manifest(media_type=mt.OCI_INDEX, body=body, digest=digest_of(body))

    def fetch_manifest(self, digest: str) -> Manifest:
        check_digest(digest, "manifest")
        body = self._store.read_small(
            f"blobs/{blob_name(digest)}", self._limits.max_manifest_bytes, f"manifest {digest}"
        )
        media = ""
        try:
            doc = json.loads(body)
            if isinstance(doc, dict) and isinstance(doc.get("mediaType"), str):
                media = doc["mediaType"]
        except (ValueError, RecursionError):
            pass  # resolve reports the parse error with its limits
        return Manifest(media_type=media, body=body, digest=digest)

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        check_digest(digest, "blob")
        name = f"blobs/{blob_name(digest)}"
        if not self._store.exists(name):
            raise ImageError(f"blob {digest} is missing from {self._store.description}")
        return self._store.open(name)

    def close(self) -> None:
        self._store.close()


def parse_layout_marker(store: FileStore, limits: Limits) -> None:
    """Check ``oci-layout`` when present (its absence is tolerated, as skopeo does)."""
    if not store.exists("oci-layout"):
        return
    doc = parse_json_object(
        store.read_small("oci-layout", 64 * 1024, "oci-layout"), "oci-layout", 64 * 1024, 4
    )
    version = doc.get("imageLayoutVersion")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ImageError(f"unsupported OCI layout version {version!r}")
