"""docker-archive tarballs as ``docker save`` (before Docker 25) and skopeo write them.

``manifest.json`` lists images as ``{"Config": file, "RepoTags": [...], "Layers":
[files]}``; layers are uncompressed tars, often reached through symlinks
(``<id>/layer.tar -> ../<hex>.tar``).  There is no registry manifest, so one is
synthesised: the config's digest is computed, each layer's digest is its ``diff_id``
from the config (an uncompressed layer's digest is its diff_id) and is verified as the
layer streams.  ``docker load`` also accepts gzip- and zstd-compressed ``layer.tar`` files;
their diff_id is then checked against the inflated bytes (``LayerReader``'s
``content_digest``).  Docker 25+ archives also carry an OCI layout; ``open.py`` prefers it.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

from hullcheck.errors import ImageError
from hullcheck.sources import mediatypes as mt
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.digest import check_digest, digest_of
from hullcheck.sources.jsondoc import parse_json_object
from hullcheck.sources.limits import Limits
from hullcheck.sources.oci import normal_tag
from hullcheck.sources.store import TarStore


def _json_list(data: bytes, what: str, limits: Limits) -> list[Any]:
    wrapped = parse_json_object(
        b'{"v":' + data + b"}", what, limits.max_manifest_bytes + 6, limits.max_json_depth
    )
    value = wrapped["v"]
    if not isinstance(value, list):
        raise ImageError(f"{what} is not a JSON list")
    return value


class DockerArchiveSource:
    """An ``ImageSource`` over a legacy docker-archive (see the module docstring)."""

    def __init__(self, store: TarStore, reference: str, tag: str | None, limits: Limits) -> None:
        self._store = store
        self._limits = limits
        data = store.read_small("manifest.json", limits.max_manifest_bytes, "manifest.json")
        images = _json_list(data, "manifest.json", limits)
        if not images or not all(isinstance(i, dict) for i in images):
            raise ImageError(f"manifest.json in {store.description} lists no images")
        entry = self._select(images, tag)
        config_name = entry.get("Config")
        layer_names = entry.get("Layers")
        if not isinstance(config_name, str) or not isinstance(layer_names, list):
            raise ImageError("manifest.json entry lacks Config or Layers")
        if len(layer_names) > limits.max_layers:
            raise ImageError(f"manifest.json lists {len(layer_names)} layers (limit)")
        config = store.read_small(config_name, limits.max_config_bytes, "image config")
        self._config_digest = digest_of(config)
        config_doc = parse_json_object(
            config, "image config", limits.max_config_bytes, limits.max_json_depth
        )
        rootfs = config_doc.get("rootfs")
        diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
        if not isinstance(diff_ids, list) or len(diff_ids) != len(layer_names):
            raise ImageError(
                "image config's rootfs.diff_ids do not match manifest.json's layers "
                f"({len(diff_ids) if isinstance(diff_ids, list) else 'none'} vs {len(layer_names)})"
            )
        self._blobs: dict[str, str] = {self._config_digest: config_name}
        layers = []
        for i, (name, diff_id) in enumerate(zip(layer_names, diff_ids, strict=True)):
            if not isinstance(name, str):
                raise ImageError(f"manifest.json layer {i} is not a file name")
            check_digest(diff_id, f"config rootfs.diff_ids[{i}]")
            size = store.size(name)
            if size is None:
                raise ImageError(f"layer {i} ({name}) is missing from {store.description}")
            self._blobs.setdefault(diff_id, name)
            layers.append({"mediaType": mt.DOCKER_LAYER_TAR, "digest": diff_id, "size": size})
        manifest = {
            "schemaVersion": 2,
            "mediaType": mt.DOCKER_MANIFEST,
            "config": {
                "mediaType": mt.DOCKER_CONFIG,
                "digest": self._config_digest,
                "size": len(config),
            },
            "layers": layers,
        }
        body = json.dumps(manifest, separators=(",", ":")).encode()
        self._manifest = Manifest(mt.DOCKER_MANIFEST, body, digest_of(body))
        tags = entry.get("RepoTags")
        repo_tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
        self._info = SourceInfo(
            kind="docker-archive",
            reference=reference,
            details={
                "path": store.description,
                "synthetic_manifest": "true",
                "repo_tags": ",".join(repo_tags),
            },
        )

    def _select(self, images: list[dict[str, Any]], tag: str | None) -> dict[str, Any]:
        def tags_of(img: dict[str, Any]) -> list[str]:
            t = img.get("RepoTags")
            return [x for x in t if isinstance(x, str)] if isinstance(t, list) else []

        all_tags = [t for img in images for t in tags_of(img)]
        if tag is None:
            if len(images) == 1:
                return images[0]
            raise ImageError(
                f"{self._store.description} holds {len(images)} images; name one as "
                f"docker-archive:{self._store.description}:TAG or :@N "
                f"(tags: {', '.join(all_tags) or 'none'})"
            )
        if tag.startswith("@") and tag[1:].isdigit():
            n = int(tag[1:])
            if n >= len(images):
                raise ImageError(f"{self._store.description} holds only {len(images)} images")
            return images[n]
        for img in images:
            if any(normal_tag(t) == normal_tag(tag) for t in tags_of(img)):
                return img
        raise ImageError(
            f"{self._store.description} has no image tagged {tag!r} "
            f"(tags: {', '.join(all_tags) or 'none'})"
        )

    @property
    def info(self) -> SourceInfo:
        return self._info

    def root_manifest(self) -> Manifest:
        return self._manifest

    def fetch_manifest(self, digest: str) -> Manifest:
        raise ImageError(f"docker-archive has no manifest {digest} (it is not an index)")

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        name = self._blobs.get(digest)
        if name is None:
            raise ImageError(f"blob {digest} is not in {self._store.description}")
        return self._store.open(name)

    def close(self) -> None:
        self._store.close()
