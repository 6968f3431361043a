"""Notation (Notary Project) signatures: JWS envelopes found through OCI referrers.

A Notation signature is an OCI manifest (``artifactType
application/vnd.cncf.notary.signature``) whose ``subject`` is the image and whose one
layer is the envelope.  It is found through the OCI 1.1 referrers API, or, on registries
without it (Debian's docker-registry), through the referrers *tag schema*: an image index
tagged ``sha256-<hex>`` listing the referrers.  hullcheck verifies the JWS envelope
(``application/jose+json``; JSON serialization, ``notary.x509`` signing scheme): the
signature over ``protected.payload`` with the leaf of the ``x5c`` chain (PS256/384/512 or
ES256/384/512), the chain up to a certificate of the trust store, every certificate valid
now (no timestamp authority is consulted), and the payload's ``targetArtifact`` digest
equal to the image's.  COSE envelopes (``application/cose``) are reported as unsupported.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hullcheck.errors import HullcheckError
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.target import Target
from hullcheck.sources.registry.writer import RegistryWriter

ARTIFACT_TYPE = "application/vnd.cncf.notary.signature"
JWS = "application/jose+json"
COSE = "application/cose"
PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json"
MAX_ENVELOPE = 1024 * 1024
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


@dataclass(frozen=True, slots=True)
class NotationCheck:
    manifest: str
    ok: bool
    reason: str
    signer: str | None = None
    signing_time: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "verified": self.ok,
            "reason": self.reason,
            "signer": self.signer,
            "signing_time": self.signing_time,
        }


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ProvenanceError("the JWS envelope holds a field that is not base64url") from None


def _verify_jws_signature(cert: x509.Certificate, alg: str, data: bytes, sig: bytes) -> bool:
    hash_cls = _HASHES.get(alg[2:])
    if hash_cls is None:
        return False
    key = cert.public_key()
    try:
        if alg.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            algo = hash_cls()
            key.verify(sig, data, padding.PSS(padding.MGF1(algo), algo.digest_size), hash_cls())
            return True
        if alg.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(sig) != 2 * size:
                return False
            der = encode_dss_signature(
                int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            )
            key.verify(der, data, ec.ECDSA(hash_cls()))
            return True
    except (InvalidSignature, ValueError):
        return False
    return False


def _chains_to(chain: list[x509.Certificate], trusted: list[x509.Certificate]) -> bool:
    for i, cert in enumerate(chain):
        if cert in trusted:
            return True
        issuer = chain[i + 1] if i + 1 < len(chain) else None
        candidates = [issuer] if issuer is not None else []
        candidates += [t for t in trusted if t.subject == cert.issuer]
        for cand in candidates:
            try:
                cert.verify_directly_issued_by(cand)
            except (InvalidSignature, ValueError, TypeError):
                continue
            if cand in trusted:
                return True
            break
        else:
            return False
    return False


def verify_jws(
    envelope: bytes,
    image_digest: str,
    trusted: list[x509.Certificate],
    *,
    subject: str | None = None,
    now: datetime | None = None,
    manifest: str = "",
) -> NotationCheck:
    """Judge one Notation JWS envelope against a trust store (see the module docstring)."""

    def fail(reason: str) -> NotationCheck:
        return NotationCheck(manifest, False, reason)

    try:
        doc = json.loads(envelope[:MAX_ENVELOPE])
        protected_b64, payload_b64 = doc["protected"], doc["payload"]
        header = json.loads(_b64url(protected_b64))
        sig = _b64url(doc["signature"])
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in doc["header"]["x5c"]]
        payload = json.loads(_b64url(payload_b64))
    except (ValueError, KeyError, TypeError, binascii.Error, ProvenanceError):
        return fail("not a Notation JWS envelope")
    if not chain:
        return fail("the envelope carries no certificate chain")
    alg = str(header.get("alg", ""))
    crit = header.get("crit") or []
    scheme = header.get("io.cncf.notary.signingScheme")
    if header.get("cty") != PAYLOAD_TYPE:
        return fail(f"content type {str(header.get('cty'))[:60]} is not a Notation payload")
    if "io.cncf.notary.signingScheme" not in crit or scheme not in ("notary.x509",):
        return fail(f"signing scheme {str(scheme)[:40]} is not supported")
    signed = f"{protected_b64}.{payload_b64}".encode("ascii")
    if not _verify_jws_signature(chain[0], alg, signed, sig):
        return fail(
            f"the {alg or 'unknown'} signature does not verify with the signing certificate"
        )
    moment = now or datetime.now(UTC)
    for cert in chain:
        if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
            return fail(
                f"certificate {cert.subject.rfc4514_string()[:80]} is expired or not yet valid"
            )
    if not _chains_to(chain, trusted):
        return fail("the certificate chain does not lead to the trust store")
    who = chain[0].subject.rfc4514_string()
    if subject is not None and who != subject:
        return fail(f"the signer {who} is not {subject}")
    target = payload.get("targetArtifact") if isinstance(payload, dict) else None
    digest = target.get("digest") if isinstance(target, dict) else None
    if digest != image_digest:
        return fail(f"the signature is for {str(digest)[:80]}, not this image's {image_digest}")
    return NotationCheck(manifest, True, "verified", who, header.get("io.cncf.notary.signingTime"))


def _referrers_index(target: Target) -> dict[str, Any] | None:
    found = None
    if isinstance(target.store, RegistryWriter):
        found = target.store.referrers(target.digest)
    if found is None:  # the OCI 1.1 fallback: an index tagged sha256-<hex>
        found = target.store.manifest(target.digest.replace(":", "-", 1))
    if found is None:
        return None
    try:
        doc = json.loads(found.body)
    except (ValueError, UnicodeDecodeError):
        raise ProvenanceError("the referrers index is not JSON") from None
    return doc if isinstance(doc, dict) else None


def verify_notation(
    target: Target,
    trusted: list[x509.Certificate],
    *,
    subject: str | None = None,
    now: datetime | None = None,
) -> list[NotationCheck]:
    """Every Notation signature referring to the image, judged."""
    index = _referrers_index(target)
    out: list[NotationCheck] = []
    for entry in (index or {}).get("manifests") or []:
        if not isinstance(entry, dict) or entry.get("artifactType") != ARTIFACT_TYPE:
            continue
        digest = str(entry.get("digest"))
        try:
            manifest = target.store.manifest(digest)
            doc = json.loads(manifest.body) if manifest is not None else {}
            if (doc.get("subject") or {}).get("digest") != target.digest:
                out.append(NotationCheck(digest, False, "the signature's subject is another image"))
                continue
            layer = (doc.get("layers") or [{}])[0]
            if layer.get("mediaType") == COSE:
                out.append(NotationCheck(digest, False, "COSE envelopes are not supported yet"))
                continue
            if layer.get("mediaType") != JWS:
                out.append(NotationCheck(digest, False, "not a JWS envelope"))
                continue
            envelope = target.store.read_blob(str(layer.get("digest")), MAX_ENVELOPE)
        except (HullcheckError, ValueError, AttributeError, TypeError) as err:
            out.append(NotationCheck(digest, False, f"unreadable signature: {err}"[:200]))
            continue
        out.append(
            verify_jws(envelope, target.digest, trusted, subject=subject, now=now, manifest=digest)
        )
    return out
