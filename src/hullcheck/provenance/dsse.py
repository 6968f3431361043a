"""DSSE envelopes: sign and verify over the Pre-Authentication Encoding.

PAE(type, body) = ``"DSSEv1" SP len(type) SP type SP len(body) SP body`` (decimal byte
lengths).  Signing over PAE rather than the payload binds the payload type: a signature
cannot be replayed on the same bytes read as another type.  ``sig`` is base64 (standard
or URL-safe alphabet, both found in the wild).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.jsondoc import json_object
from hullcheck.provenance.keys import NamedPublicKey, PrivateKey, key_id
from hullcheck.provenance.signatures import sign, verify

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
MAX_ENVELOPE = 16 * 1024 * 1024


def pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def b64decode_any(text: str) -> bytes:
    """Standard or URL-safe base64, padded or not."""
    padded = text + "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise ProvenanceError("DSSE envelope: a field is not base64") from None


@dataclass(frozen=True, slots=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: list[tuple[str, bytes]]  # (keyid, signature)

    def to_json(self) -> dict[str, Any]:
        return {
            "payloadType": self.payload_type,
            "payload": base64.b64encode(self.payload).decode(),
            "signatures": [
                {"keyid": kid, "sig": base64.b64encode(sig).decode()}
                for kid, sig in self.signatures
            ],
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode()


def parse(data: bytes | dict[str, Any], what: str = "DSSE envelope") -> Envelope:
    if isinstance(data, bytes) and len(data) > MAX_ENVELOPE:
        raise ProvenanceError(f"{what} is over {MAX_ENVELOPE} bytes")
    doc = json_object(data, what)
    ptype, payload, sigs = doc.get("payloadType"), doc.get("payload"), doc.get("signatures")
    if not isinstance(ptype, str) or not isinstance(payload, str) or not isinstance(sigs, list):
        raise ProvenanceError(f"{what} lacks payloadType, payload or signatures")
    out = []
    for item in sigs:
        if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
            raise ProvenanceError(f"{what}: a signature entry has no sig")
        out.append((str(item.get("keyid") or ""), b64decode_any(item["sig"])))
    return Envelope(ptype, b64decode_any(payload), out)


def sign_envelope(key: PrivateKey, payload_type: str, payload: bytes) -> Envelope:
    sig = sign(key, pae(payload_type, payload))
    return Envelope(payload_type, payload, [(key_id(key.public_key()), sig)])


def verify_envelope(envelope: Envelope, keys: list[NamedPublicKey]) -> NamedPublicKey | None:
    """The key among ``keys`` that signed the envelope (over PAE), or None."""
    message = pae(envelope.payload_type, envelope.payload)
    for _kid, sig in envelope.signatures:
        for key in keys:
            if verify(key.key, message, sig):
                return key
    return None
