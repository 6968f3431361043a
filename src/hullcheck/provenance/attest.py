"""cosign attestations: an in-toto Statement in a signed DSSE envelope, in ``sha256-<hex>.att``.

Each attestation is one ``application/vnd.dsse.envelope.v1+json`` layer of the image's
``.att`` manifest, annotated with its ``predicateType`` and an empty
``dev.cosignproject.cosign/signature`` (the signature lives in the envelope), as cosign
writes them.  ``check_attestation`` judges one layer: envelope signed by one of the keys
over PAE, payload an in-toto Statement, one subject naming this image's digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hullcheck.provenance import cosign, dsse, intoto
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.imagesig import append_layer, stored_layers
from hullcheck.provenance.keys import NamedPublicKey, PrivateKey, public_key_of
from hullcheck.provenance.target import Target


@dataclass(frozen=True, slots=True)
class AttestationCheck:
    layer_digest: str
    ok: bool
    reason: str
    predicate_type: str | None = None
    signer: str | None = None
    statement: intoto.Statement | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer_digest,
            "verified": self.ok,
            "reason": self.reason,
            "predicate_type": self.predicate_type,
            "signer": self.signer,
            "subjects": self.statement.subject_digests() if self.statement else [],
        }


def check_attestation(
    layer: cosign.Layer, image_digest: str, keys: list[NamedPublicKey]
) -> AttestationCheck:
    if layer.media_type != cosign.DSSE:
        return AttestationCheck(
            layer.digest, False, f"not a DSSE layer (media type {layer.media_type[:60]})"
        )
    if layer.data is None:
        return AttestationCheck(layer.digest, False, "the envelope could not be read")
    try:
        envelope = dsse.parse(layer.data)
    except ProvenanceError as err:
        return AttestationCheck(layer.digest, False, err.message)
    signer = dsse.verify_envelope(envelope, keys)
    if signer is None:
        return AttestationCheck(
            layer.digest,
            False,
            "the envelope's signature does not verify with any given key "
            "(signed by another key, or the statement was changed)",
        )
    if envelope.payload_type != dsse.INTOTO_PAYLOAD_TYPE:
        return AttestationCheck(
            layer.digest, False, f"payload type {envelope.payload_type[:60]} is not in-toto"
        )
    return statement_check(layer.digest, envelope.payload, image_digest, signer.origin)


def statement_check(
    layer_digest: str, payload: bytes, image_digest: str, signer: str
) -> AttestationCheck:
    """The end of every attestation check, once ``signer``'s signature of the envelope
    holds (by key or keyless): its in-toto statement must parse and name this image."""
    try:
        statement = intoto.parse(payload)
    except ProvenanceError as err:
        return AttestationCheck(layer_digest, False, err.message, signer=signer)
    if not statement.names_digest(image_digest):
        subjects = ", ".join(statement.subject_digests())[:200]
        return AttestationCheck(
            layer_digest,
            False,
            f"the statement is about {subjects}, not this image's {image_digest}",
            statement.predicate_type,
            signer,
            statement,
        )
    return AttestationCheck(
        layer_digest, True, "verified", statement.predicate_type, signer, statement
    )


def verify_attestations(
    target: Target, keys: list[NamedPublicKey], predicate_type: str | None = None
) -> list[AttestationCheck]:
    _, layers = stored_layers(target, "att")
    checks = [check_attestation(layer, target.digest, keys) for layer in layers]
    if predicate_type is None:
        return checks
    return [c for c in checks if c.predicate_type in (predicate_type, None)]


def attest_image(
    target: Target,
    key: PrivateKey,
    key_origin: str,
    predicate_type: str,
    predicate: Any,
) -> AttestationCheck:
    """Sign a Statement about the image and append it to the image's ``.att`` tag."""
    statement = intoto.make([(target.repository, target.digest)], predicate_type, predicate)
    envelope = dsse.sign_envelope(key, dsse.INTOTO_PAYLOAD_TYPE, statement)
    layer = cosign.Layer.of(
        cosign.DSSE,
        envelope.to_bytes(),
        {cosign.SIGNATURE_ANNOTATION: "", cosign.PREDICATE_ANNOTATION: predicate_type},
    )
    check = check_attestation(
        layer, target.digest, [NamedPublicKey(public_key_of(key), key_origin)]
    )
    if not check.ok:
        raise ProvenanceError(f"the new attestation does not verify: {check.reason}")
    append_layer(target, "att", layer)
    return check


def load_predicate(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ProvenanceError(f"{what} is not JSON") from None
