"""The image model: what an image *is*, once its manifest and config are trusted.

Frozen, I/O-free dataclasses shared by every stage that looks at an image (catalogers,
secrets, image rules, reports).  ``hullcheck.sources.resolve.resolve_image`` builds an
``Image`` from any ``ImageSource``; ``hullcheck.sources.walker`` reads its layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hullcheck.model import JSONValue
from hullcheck.sources.base import Platform

__all__ = ["HistoryEntry", "Image", "ImageConfig", "Layer", "Platform"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One entry of the config's ``history``, and the layer it made (``None`` if empty)."""

    created: str | None
    created_by: str
    comment: str = ""
    author: str = ""
    empty_layer: bool = False
    layer_index: int | None = None

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "created": self.created,
            "created_by": self.created_by,
            "comment": self.comment,
            "empty_layer": self.empty_layer,
            "layer_index": self.layer_index,
        }


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The runtime configuration and provenance from the image config blob.

    Lists keep the config's order; ``env`` keeps the raw ``KEY=value`` strings (use
    ``env_map`` for a dict).  ``entrypoint``/``cmd`` are ``None`` when unset, which is
    not the same as empty.  ``healthcheck`` is the raw ``Healthcheck`` object.  ``raw``
    is the whole parsed config for rules that need a field not modelled here.
    """

    user: str = ""
    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    healthcheck: Mapping[str, JSONValue] | None = None
    workdir: str = ""
    stop_signal: str = ""
    shell: tuple[str, ...] | None = None
    created: str | None = None
    author: str = ""
    os: str = ""
    architecture: str = ""
    variant: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    diff_ids: tuple[str, ...] = ()
    raw: Mapping[str, JSONValue] = field(default_factory=dict)

    def env_map(self) -> dict[str, str]:
        """``env`` as a dict (a later duplicate wins, as at run time)."""
        out: dict[str, str] = {}
        for item in self.env:
            key, _, value = item.partition("=")
            out[key] = value
        return out

    def summary(self) -> dict[str, JSONValue]:
        """The fields a report shows about the runtime configuration."""
        return {
            "user": self.user,
            "env": list(self.env),
            "entrypoint": list(self.entrypoint) if self.entrypoint is not None else None,
            "cmd": list(self.cmd) if self.cmd is not None else None,
            "exposed_ports": list(self.exposed_ports),
            "volumes": list(self.volumes),
            "labels": dict(self.labels),
            "healthcheck": dict(self.healthcheck) if self.healthcheck is not None else None,
            "workdir": self.workdir,
            "stop_signal": self.stop_signal,
        }


@dataclass(frozen=True, slots=True)
class Layer:
    """One filesystem layer, in image order (``index`` 0 is the base).

    ``digest`` names the blob as stored (compressed or not); ``diff_id`` is the digest of
    the uncompressed tar from the config.  ``compressed_size`` is the blob's size; ``size``
    the uncompressed size, known up front only for uncompressed layers (the walker
    measures it otherwise).  ``created_by`` comes from the non-empty history entry
    matched to this layer (``None`` if the history does not say).
    """

    index: int
    digest: str
    diff_id: str | None
    media_type: str
    compressed_size: int
    size: int | None = None
    created_by: str | None = None
    created: str | None = None
    history_index: int | None = None

    @property
    def compression(self) -> str:
        """``gzip``, ``zstd`` or ``none``, from the media type."""
        mt = self.media_type
        if mt.endswith("gzip"):
            return "gzip"
        if mt.endswith("zstd"):
            return "zstd"
        return "none"


@dataclass(frozen=True, slots=True)
class Image:
    """A resolved single-platform image: identity, configuration and ordered layers.

    ``manifest_digest`` is the digest of the image manifest (for a docker-archive in the
    legacy layout, of the synthesised manifest: see ``synthetic_manifest``);
    ``index_digest`` the digest of the index it was chosen from, if any.
    ``warnings`` are oddities that did not stop the read (shown in the report's errors).
    """

    reference: str
    source_kind: str
    manifest_digest: str
    manifest_media_type: str
    config_digest: str
    platform: Platform
    config: ImageConfig
    layers: tuple[Layer, ...]
    index_digest: str | None = None
    synthetic_manifest: bool = False
    repo_tags: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    has_config: bool = True
    """False for a directory read as a filesystem: no user, labels, history or dates, so
    the rules about the image config have nothing to judge and skip."""

    @property
    def created(self) -> str | None:
        return self.config.created


def configless_image(reference: str, source_kind: str, layer: Layer) -> Image:
    """An image of one layer and no config (a directory, a root filesystem tarball): no
    manifest, no USER, Env or history to judge (``has_config`` false)."""
    return Image(
        reference=reference,
        source_kind=source_kind,
        manifest_digest="",
        manifest_media_type="",
        config_digest="",
        platform=Platform("linux", "unknown"),
        config=ImageConfig(),
        layers=(layer,),
        has_config=False,
    )
