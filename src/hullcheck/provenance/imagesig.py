"""cosign image signatures: make one, store it as cosign does, and check them all.

``check_layer`` is the one function that judges a signature layer, whether cosign made
it (read from a registry, an OCI layout, or a containers/image ``signature-N`` file) or
hullcheck did; ``sign_image`` runs its own signature through it before storing it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from hullcheck.errors import HullcheckError
from hullcheck.provenance import cosign, simplesigning
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.keys import NamedPublicKey, PrivateKey, public_key_of
from hullcheck.provenance.signatures import sign, verify
from hullcheck.provenance.target import Target
from hullcheck.sources.base import Manifest
from hullcheck.sources.layoutwriter import LayoutStore
from hullcheck.sources.mediatypes import OCI_MANIFEST

MAX_SIG_MANIFEST = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The verdict on one signature layer; ``reason`` says why it failed."""

    layer_digest: str
    ok: bool
    reason: str
    signer: str | None = None
    docker_reference: str | None = None
    signed_digest: str | None = None
    optional: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer_digest,
            "verified": self.ok,
            "reason": self.reason,
            "signer": self.signer,
            "docker_reference": self.docker_reference,
            "signed_digest": self.signed_digest,
            "optional": self.optional,
        }


def signature_of(layer: cosign.Layer) -> tuple[bytes, bytes] | SignatureCheck:
    """The raw signature and the signed payload of a layer, or the verdict why not."""
    if layer.media_type != cosign.SIMPLESIGNING:
        return SignatureCheck(
            layer.digest, False, f"not a signature layer (media type {layer.media_type[:60]})"
        )
    data = layer.data
    if data is None:
        return SignatureCheck(layer.digest, False, "the signed payload could not be read")
    encoded = layer.annotations.get(cosign.SIGNATURE_ANNOTATION, "")
    if not encoded:
        return SignatureCheck(layer.digest, False, "the layer carries no signature annotation")
    try:
        # Go's decoder, which cosign uses, skips line breaks (openssl wraps at 64 columns)
        raw = base64.b64decode("".join(encoded.split("\n")).replace("\r", ""), validate=True)
    except binascii.Error:
        return SignatureCheck(layer.digest, False, "the signature annotation is not base64")
    return raw, data


def payload_check(
    layer: cosign.Layer, data: bytes, image_digest: str, signer: str
) -> SignatureCheck:
    """Once the signature holds: does the payload vouch for this very digest?"""
    try:
        payload = simplesigning.parse(data)
    except ProvenanceError as err:
        return SignatureCheck(layer.digest, False, err.message, signer=signer)
    if payload.manifest_digest != image_digest:
        return SignatureCheck(
            layer.digest,
            False,
            f"the signature is for {payload.manifest_digest}, not this image's {image_digest}",
            signer=signer,
            docker_reference=payload.docker_reference,
            signed_digest=payload.manifest_digest,
        )
    return SignatureCheck(
        layer.digest,
        True,
        "verified",
        signer=signer,
        docker_reference=payload.docker_reference,
        signed_digest=payload.manifest_digest,
        optional=payload.optional,
    )


def check_layer(
    layer: cosign.Layer, image_digest: str, keys: list[NamedPublicKey]
) -> SignatureCheck:
    """Judge one simple-signing layer: signature by one of ``keys``, over this digest."""
    got = signature_of(layer)
    if isinstance(got, SignatureCheck):
        return got
    raw, data = got
    signer = next((k for k in keys if verify(k.key, data, raw)), None)
    if signer is None:
        return SignatureCheck(
            layer.digest,
            False,
            "the signature does not verify with any given key "
            "(signed by another key, or the payload was changed)",
        )
    return payload_check(layer, data, image_digest, signer.origin)


def stored_layers(target: Target, suffix: str) -> tuple[str, list[cosign.Layer]]:
    """The tag cosign uses for ``suffix`` and the layers already there, blobs read."""
    tag = cosign.tag_for(target.digest, suffix)
    found = target.store.manifest(tag)
    if found is None and isinstance(target.store, LayoutStore):
        found = _cosign_save_entry(target.store, target.digest, suffix)
    if found is None:
        return tag, []
    what = f"{target.store.description}:{tag}"
    layers = cosign.layers_of(found.body, what)
    out = []
    for layer in layers:
        try:
            data = target.store.read_blob(layer.digest, simplesigning.MAX_PAYLOAD * 64)
        except HullcheckError:
            data = None  # judged as unreadable by the checker, not fatal for the others
        out.append(
            cosign.Layer(layer.media_type, layer.digest, layer.size, layer.annotations, data)
        )
    return tag, out


_SAVE_KINDS = {"sig": "dev.cosignproject.cosign/sigs", "att": "dev.cosignproject.cosign/atts"}
_SAVE_IMAGES = ("dev.cosignproject.cosign/image", "dev.cosignproject.cosign/imageIndex")


def _cosign_save_entry(store: LayoutStore, digest: str, suffix: str) -> Manifest | None:
    """``cosign save`` layouts mark entries with a ``kind`` annotation instead of tags;
    they hold one image, so its signatures belong to it only if the image is ``digest``."""
    entries = store.entries()
    kinds = {str((e.get("annotations") or {}).get("kind")): str(e.get("digest")) for e in entries}
    if not any(kinds.get(k) == digest for k in _SAVE_IMAGES):
        return None
    wanted = kinds.get(_SAVE_KINDS[suffix])
    return store.manifest(wanted) if wanted else None


def verify_image(target: Target, keys: list[NamedPublicKey]) -> list[SignatureCheck]:
    """Every signature stored for the image, judged."""
    _, layers = stored_layers(target, "sig")
    return [check_layer(layer, target.digest, keys) for layer in layers]


def append_layer(target: Target, suffix: str, layer: cosign.Layer) -> str:
    """Add ``layer`` to the image's ``.sig``/``.att`` manifest; return the manifest digest."""
    tag, layers = stored_layers(target, suffix)
    if any(old.digest == layer.digest and old.annotations == layer.annotations for old in layers):
        found = target.store.manifest(tag)
        assert found is not None
        return found.digest
    assert layer.data is not None
    target.store.put_blob(layer.data)
    kept = [old for old in layers if old.data is not None]
    new_layers = [*kept, layer]
    config = cosign.config_for(new_layers)
    target.store.put_blob(config)
    body = cosign.manifest_for(new_layers, config)
    return target.store.put_manifest(body, OCI_MANIFEST, tag)


def sign_image(
    target: Target,
    key: PrivateKey,
    key_origin: str,
    annotations: dict[str, str] | None = None,
) -> SignatureCheck:
    """Sign the image's digest and append the signature to its ``.sig`` tag."""
    payload = simplesigning.make(target.repository, target.digest, annotations or None)
    signature = sign(key, payload)
    layer = cosign.Layer.of(
        cosign.SIMPLESIGNING,
        payload,
        {cosign.SIGNATURE_ANNOTATION: base64.b64encode(signature).decode()},
    )
    check = check_layer(layer, target.digest, [NamedPublicKey(public_key_of(key), key_origin)])
    if not check.ok:  # cannot happen with a sound key: never store a signature that fails
        raise ProvenanceError(f"the new signature does not verify: {check.reason}")
    append_layer(target, "sig", layer)
    return check
