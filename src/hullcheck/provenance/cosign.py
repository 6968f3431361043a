"""cosign's storage scheme: signatures and attestations as OCI manifests beside the image.

For an image with manifest digest ``sha256:<hex>``, cosign keeps signatures in the tag
``sha256-<hex>.sig`` and attestations in ``sha256-<hex>.att`` of the same repository.
Each such tag holds an OCI image manifest whose layers are the signed items: a
simple-signing payload (``application/vnd.dev.cosign.simplesigning.v1+json``) with its
base64 signature in the ``dev.cosignproject.cosign/signature`` annotation, or a DSSE
envelope (``application/vnd.dsse.envelope.v1+json``, empty signature annotation,
``predicateType`` annotation).  The config is cosign's fixed empty image config listing
the layers as diff ids.  A new signature is appended as one more layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hullcheck.provenance.errors import ProvenanceError
from hullcheck.sources.digest import check_digest, digest_of
from hullcheck.sources.mediatypes import OCI_CONFIG, OCI_MANIFEST

SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
DSSE = "application/vnd.dsse.envelope.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
CERTIFICATE_ANNOTATION = "dev.sigstore.cosign/certificate"
CHAIN_ANNOTATION = "dev.sigstore.cosign/chain"
BUNDLE_ANNOTATION = "dev.sigstore.cosign/bundle"
PREDICATE_ANNOTATION = "predicateType"
MAX_LAYERS = 1000


def tag_for(digest: str, suffix: str) -> str:
    """``sha256:<hex>`` -> ``sha256-<hex>.<suffix>`` (suffix ``sig`` or ``att``)."""
    check_digest(digest, "the image")
    return digest.replace(":", "-", 1) + "." + suffix


@dataclass(frozen=True, slots=True)
class Layer:
    """One signed item: its blob's descriptor and the blob itself."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str] = field(default_factory=dict)
    data: bytes | None = None

    def descriptor(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "size": self.size,
            "digest": self.digest,
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out

    @classmethod
    def of(cls, media_type: str, data: bytes, annotations: dict[str, str]) -> Layer:
        return cls(media_type, digest_of(data), len(data), dict(annotations), data)


def config_for(layers: list[Layer]) -> bytes:
    """cosign's config: an empty image config whose diff ids are the layer digests."""
    diff_ids = ",".join(json.dumps(layer.digest) for layer in layers)
    return (
        '{"architecture":"","created":"0001-01-01T00:00:00Z",'
        '"history":[{"created":"0001-01-01T00:00:00Z"}],"os":"",'
        f'"rootfs":{{"type":"layers","diff_ids":[{diff_ids}]}},"config":{{}}}}'
    ).encode()


def manifest_for(layers: list[Layer], config: bytes) -> bytes:
    doc = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "size": len(config), "digest": digest_of(config)},
        "layers": [layer.descriptor() for layer in layers],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def layers_of(body: bytes, what: str) -> list[Layer]:
    """The layer descriptors of a ``.sig``/``.att`` manifest (blobs not yet read)."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProvenanceError(f"{what}: the manifest is not JSON") from None
    layers = doc.get("layers") if isinstance(doc, dict) else None
    if not isinstance(layers, list):
        raise ProvenanceError(f"{what}: the manifest has no layers")
    if len(layers) > MAX_LAYERS:
        raise ProvenanceError(f"{what}: more than {MAX_LAYERS} layers")
    out = []
    for desc in layers:
        if not isinstance(desc, dict):
            raise ProvenanceError(f"{what}: a layer descriptor is not an object")
        media, digest, size = desc.get("mediaType"), desc.get("digest"), desc.get("size")
        raw_ann = desc.get("annotations") or {}
        if not isinstance(media, str) or not isinstance(size, int) or size < 0:
            raise ProvenanceError(f"{what}: a layer descriptor lacks mediaType or size")
        if not isinstance(raw_ann, dict):
            raise ProvenanceError(f"{what}: layer annotations are not an object")
        check_digest(digest, f"{what}: a layer")
        ann = {str(k): str(v) for k, v in raw_ann.items() if isinstance(v, str)}
        out.append(Layer(media, str(digest), size, ann))
    return out
