"""From an ``ImageSource`` to a trusted ``Image``: pick the manifest, parse the config.

Written once for every source: the root document is digest-checked, indexes (nested up
to ``Limits.max_index_depth``) are narrowed to one platform, the manifest and config are
parsed with bounded size and depth, and history entries are matched to layers (entries
marked ``empty_layer`` made no layer).
"""

from __future__ import annotations

import platform as _platform
from dataclasses import dataclass, replace
from typing import Any

from hullcheck.errors import ImageError
from hullcheck.sources import mediatypes as mt
from hullcheck.sources.base import ImageSource, Manifest, Platform
from hullcheck.sources.configtypes import check_config_types
from hullcheck.sources.digest import check_digest, new_hasher
from hullcheck.sources.image import HistoryEntry, Image, ImageConfig, Layer
from hullcheck.sources.jsondoc import parse_json_object
from hullcheck.sources.limits import Limits

_MACHINES = {
    "x86_64": ("amd64", None),
    "amd64": ("amd64", None),
    "aarch64": ("arm64", None),
    "arm64": ("arm64", None),
    "armv7l": ("arm", "v7"),
    "armv6l": ("arm", "v6"),
    "i386": ("386", None),
    "i686": ("386", None),
    "ppc64le": ("ppc64le", None),
    "s390x": ("s390x", None),
    "riscv64": ("riscv64", None),
}


def host_platform() -> Platform:
    """The platform an engine on this machine would pull (``linux/<arch>``)."""
    arch, variant = _MACHINES.get(_platform.machine().lower(), (_platform.machine().lower(), None))
    return Platform("linux", arch, variant)


def read_blob_bytes(
    source: ImageSource, digest: str, size: int | None, limit: int, what: str
) -> bytes:
    """Read a small blob whole, refusing more than ``limit`` bytes; verify its digest."""
    if size is not None and size > limit:
        raise ImageError(f"{what} is {size} bytes, over the {limit}-byte limit")
    stream = source.open_blob(digest, size)
    try:
        data = stream.read(limit + 1)
    except OSError as err:
        raise ImageError(f"cannot read {what} {digest}: {err.strerror or err}") from None
    finally:
        stream.close()
    if len(data) > limit:
        raise ImageError(f"{what} is over the {limit}-byte limit")
    if size is not None and len(data) != size:
        raise ImageError(f"{what} {digest} is {len(data)} bytes, its descriptor says {size}")
    verify_bytes(data, digest, what)
    return data


def verify_bytes(data: bytes, digest: str, what: str) -> None:
    hasher = new_hasher(digest)
    hasher.update(data)
    if f"{digest.partition(':')[0]}:{hasher.hexdigest()}" != digest:
        raise ImageError(f"{what} does not match its digest {digest}")


def _media_type(doc: dict[str, Any], declared: str) -> str:
    found = doc.get("mediaType")
    if isinstance(found, str) and found:
        return found
    if declared:
        return declared
    if "manifests" in doc:
        return mt.OCI_INDEX
    if "layers" in doc or "config" in doc:
        return mt.OCI_MANIFEST
    if doc.get("schemaVersion") == 1:
        return mt.DOCKER_SCHEMA1[0]
    return ""


@dataclass(frozen=True, slots=True)
class _Descriptor:
    media_type: str
    digest: str
    size: int | None
    platform: Platform | None
    annotations: dict[str, str]


def _descriptor(raw: object, what: str) -> _Descriptor:
    if not isinstance(raw, dict):
        raise ImageError(f"{what} is not a descriptor object")
    digest = check_digest(raw.get("digest"), what)
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ImageError(f"{what} has an invalid size {size!r}")
    media = raw.get("mediaType", "")
    if not isinstance(media, str):
        raise ImageError(f"{what} has an invalid mediaType")
    plat = None
    rp = raw.get("platform")
    if isinstance(rp, dict):
        os_, arch, var = rp.get("os"), rp.get("architecture"), rp.get("variant")
        if isinstance(os_, str) and isinstance(arch, str):
            plat = Platform(os_, arch, var if isinstance(var, str) and var else None)
    ann = raw.get("annotations")
    annotations = (
        {k: v for k, v in ann.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(ann, dict)
        else {}
    )
    return _Descriptor(media, digest, size, plat, annotations)


def _platform_matches(have: Platform, want: Platform) -> bool:
    if have.os != want.os or have.architecture != want.architecture:
        return False
    if want.variant is None:
        return True
    default = {"arm64": "v8"}.get(have.architecture)
    return (have.variant or default) == want.variant


def _is_attestation(d: _Descriptor) -> bool:
    return d.annotations.get("vnd.docker.reference.type") == "attestation-manifest" or (
        d.platform is not None and d.platform.os == "unknown"
    )


def _choose(
    descs: list[_Descriptor], want: Platform | None, explicit: bool, index_digest: str
) -> _Descriptor:
    candidates = [d for d in descs if not _is_attestation(d)]
    if not candidates:
        raise ImageError(f"index {index_digest} lists no image manifests")
    with_platform = [d for d in candidates if d.platform is not None]
    if not with_platform:
        if len(candidates) == 1:
            return candidates[0]
        raise ImageError(
            f"index {index_digest} lists {len(candidates)} manifests without platforms"
        )
    target = want or host_platform()
    matches = [d for d in with_platform if d.platform and _platform_matches(d.platform, target)]
    if matches:
        # Without a requested variant, prefer the entry whose variant is unset or default.
        matches.sort(key=lambda d: 0 if d.platform and d.platform.variant in (None, "v8") else 1)
        return matches[0]
    available = ", ".join(sorted({str(d.platform) for d in with_platform}))
    how = "requested" if explicit else "this host's"
    raise ImageError(f"image has no manifest for {how} platform {target} (available: {available})")


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _str_tuple(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return None


def parse_config(doc: dict[str, Any]) -> ImageConfig:
    """Read the fields of an image config JSON object (unknown shapes become empty)."""
    cfg = doc.get("config")
    if not isinstance(cfg, dict):
        cfg = {}
    ports = cfg.get("ExposedPorts")
    vols = cfg.get("Volumes")
    labels = cfg.get("Labels")
    health = cfg.get("Healthcheck")
    rootfs = doc.get("rootfs")
    diff_ids: tuple[str, ...] = ()
    if isinstance(rootfs, dict) and isinstance(rootfs.get("diff_ids"), list):
        diff_ids = tuple(
            check_digest(d, f"config rootfs.diff_ids[{i}]")
            for i, d in enumerate(rootfs["diff_ids"])
        )
    history: list[HistoryEntry] = []
    raw_history = doc.get("history")
    if isinstance(raw_history, list):
        for h in raw_history:
            if not isinstance(h, dict):
                continue
            created = h.get("created")
            history.append(
                HistoryEntry(
                    created=created if isinstance(created, str) else None,
                    created_by=_str(h.get("created_by")),
                    comment=_str(h.get("comment")),
                    author=_str(h.get("author")),
                    empty_layer=h.get("empty_layer") is True,
                )
            )
    created = doc.get("created")
    variant = doc.get("variant")
    return ImageConfig(
        user=_str(cfg.get("User")),
        env=_str_tuple(cfg.get("Env")) or (),
        entrypoint=_str_tuple(cfg.get("Entrypoint")),
        cmd=_str_tuple(cfg.get("Cmd")),
        exposed_ports=tuple(sorted(k for k in ports if isinstance(k, str)))
        if isinstance(ports, dict)
        else (),
        volumes=tuple(sorted(k for k in vols if isinstance(k, str)))
        if isinstance(vols, dict)
        else (),
        labels={k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(labels, dict)
        else {},
        healthcheck=health if isinstance(health, dict) else None,
        workdir=_str(cfg.get("WorkingDir")),
        stop_signal=_str(cfg.get("StopSignal")),
        shell=_str_tuple(cfg.get("Shell")),
        created=created if isinstance(created, str) else None,
        author=_str(doc.get("author")),
        os=_str(doc.get("os")),
        architecture=_str(doc.get("architecture")),
        variant=variant if isinstance(variant, str) and variant else None,
        history=tuple(history),
        diff_ids=diff_ids,
        raw=doc,
    )


def _match_history(config: ImageConfig, n_layers: int) -> tuple[ImageConfig, list[str]]:
    """Give each non-empty history entry its layer index; warn when counts disagree."""
    warnings: list[str] = []
    entries: list[HistoryEntry] = []
    layer = 0
    for h in config.history:
        if h.empty_layer or layer >= n_layers:
            entries.append(h)
            continue
        entries.append(
            HistoryEntry(h.created, h.created_by, h.comment, h.author, False, layer_index=layer)
        )
        layer += 1
    non_empty = sum(1 for h in config.history if not h.empty_layer)
    if config.history and non_empty != n_layers:
        warnings.append(
            f"config history has {non_empty} non-empty entries for {n_layers} layers; "
            "layer commands may be misattributed"
        )
    return replace(config, history=tuple(entries)), warnings


def resolve_image(
    source: ImageSource,
    platform: Platform | None = None,
    limits: Limits | None = None,
) -> Image:
    """Choose and parse the image ``source`` names, for ``platform`` (default: the host's)."""
    limits = limits or Limits()
    root = source.root_manifest()
    return resolve_from_manifest(source, root, platform, limits)


def _load(manifest: Manifest, limits: Limits, what: str) -> tuple[dict[str, Any], str]:
    check_digest(manifest.digest, what)
    doc = parse_json_object(manifest.body, what, limits.max_manifest_bytes, limits.max_json_depth)
    verify_bytes(manifest.body, manifest.digest, what)
    return doc, _media_type(doc, manifest.media_type)


def resolve_from_manifest(
    source: ImageSource, root: Manifest, platform: Platform | None, limits: Limits
) -> Image:
    """Like ``resolve_image`` from an already fetched root manifest or index."""
    doc, media = _load(root, limits, "manifest")
    index_digest: str | None = None
    depth = 0
    current = root
    while media in mt.INDEXES:
        depth += 1
        if depth > limits.max_index_depth:
            raise ImageError(f"image indexes nest deeper than {limits.max_index_depth} levels")
        if index_digest is None:
            index_digest = current.digest
        raw = doc.get("manifests")
        if not isinstance(raw, list):
            raise ImageError(f"index {current.digest} has no manifests list")
        if len(raw) > 10_000:
            raise ImageError(f"index {current.digest} lists {len(raw)} manifests (limit 10000)")
        descs = [_descriptor(d, f"index {current.digest} entry {i}") for i, d in enumerate(raw)]
        chosen = _choose(descs, platform, platform is not None, current.digest)
        if chosen.size is not None and chosen.size > limits.max_manifest_bytes:
            raise ImageError(f"manifest {chosen.digest} is {chosen.size} bytes, over the limit")
        current = source.fetch_manifest(chosen.digest)
        if current.digest != chosen.digest:
            raise ImageError(f"asked for manifest {chosen.digest}, got {current.digest}")
        doc, media = _load(current, limits, f"manifest {chosen.digest}")
        if not media and chosen.media_type:
            media = chosen.media_type
    if media in mt.DOCKER_SCHEMA1:
        raise ImageError("Docker schema 1 manifests are not supported (deprecated since 2017)")
    if media not in mt.MANIFESTS:
        raise ImageError(f"unsupported manifest media type {media!r}")
    return _image_from_manifest(
        source,
        manifest=current,
        doc=doc,
        media=media,
        index_digest=index_digest,
        platform=platform,
        limits=limits,
    )


def _image_from_manifest(
    source: ImageSource,
    *,
    manifest: Manifest,
    doc: dict[str, Any],
    media: str,
    index_digest: str | None,
    platform: Platform | None,
    limits: Limits,
) -> Image:
    config_desc = _descriptor(doc.get("config"), "manifest config")
    if config_desc.media_type and config_desc.media_type not in mt.CONFIGS:
        raise ImageError(
            f"manifest config has media type {config_desc.media_type!r}, not an image config"
        )
    raw_layers = doc.get("layers")
    if not isinstance(raw_layers, list):
        raise ImageError(f"manifest {manifest.digest} has no layers list")
    if len(raw_layers) > limits.max_layers:
        raise ImageError(f"manifest lists {len(raw_layers)} layers (limit {limits.max_layers})")
    layer_descs = [_descriptor(d, f"layer {i}") for i, d in enumerate(raw_layers)]
    for i, d in enumerate(layer_descs):
        if d.media_type not in mt.LAYERS:
            raise ImageError(f"layer {i} has media type {d.media_type!r}, not a layer tar")
        if d.size is None:
            raise ImageError(f"layer {i} descriptor has no size")
    config_bytes = read_blob_bytes(
        source, config_desc.digest, config_desc.size, limits.max_config_bytes, "image config"
    )
    config_doc = parse_json_object(
        config_bytes, "image config", limits.max_config_bytes, limits.max_json_depth
    )
    type_warnings = check_config_types(config_doc)
    config = parse_config(config_doc)
    config, warnings = _match_history(config, len(layer_descs))
    warnings = type_warnings + warnings
    if config.diff_ids and len(config.diff_ids) != len(layer_descs):
        raise ImageError(
            f"config lists {len(config.diff_ids)} diff_ids for {len(layer_descs)} layers"
        )
    by_layer = {
        h.layer_index: (i, h) for i, h in enumerate(config.history) if h.layer_index is not None
    }
    layers: list[Layer] = []
    for i, d in enumerate(layer_descs):
        hist = by_layer.get(i)
        diff_id = config.diff_ids[i] if config.diff_ids else None
        uncompressed = d.media_type.endswith(".tar") or d.media_type.endswith("diff.tar")
        layers.append(
            Layer(
                index=i,
                digest=d.digest,
                diff_id=diff_id,
                media_type=d.media_type,
                compressed_size=d.size or 0,
                size=d.size if uncompressed else None,
                created_by=hist[1].created_by if hist else None,
                created=hist[1].created if hist else None,
                history_index=hist[0] if hist else None,
            )
        )
    image_platform = Platform(
        config.os or "unknown", config.architecture or "unknown", config.variant
    )
    if (
        platform is not None
        and index_digest is None
        and not _platform_matches(image_platform, platform)
    ):
        raise ImageError(f"image is for platform {image_platform}, not the requested {platform}")
    info = source.info
    tags = info.details.get("repo_tags", "")
    return Image(
        reference=info.reference,
        source_kind=info.kind,
        manifest_digest=manifest.digest,
        manifest_media_type=media,
        config_digest=config_desc.digest,
        platform=image_platform,
        config=config,
        layers=tuple(layers),
        index_digest=index_digest,
        synthetic_manifest=info.details.get("synthetic_manifest") == "true",
        repo_tags=tuple(t for t in tags.split(",") if t),
        warnings=tuple(warnings),
    )
