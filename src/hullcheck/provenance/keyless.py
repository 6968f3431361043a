"""Certificate-based cosign signatures: keyless (Fulcio + Rekor) and bring-your-own PKI.

A cosign signature layer may carry, instead of a key's signature, the signing
certificate (``dev.sigstore.cosign/certificate``), its chain (``.../chain``) and a Rekor
bundle (``.../bundle``: the Signed Entry Timestamp over the log entry).  Verification,
all offline against roots the user gives (a sigstore ``trusted_root.json`` or PEM files):

1. the signature verifies with the certificate's key over the payload;
2. the Rekor SET verifies with the log's key, and the logged entry is this signature
   over this payload: its ``integratedTime`` is when the signature existed;
3. every certificate of the chain up to a trusted root was valid at that time (a
   Fulcio certificate lives ten minutes; without a Rekor time the time is *now*, so an
   expired certificate fails);
4. the certificate names the required identity (SAN e-mail or URI) and OIDC issuer.
Then the payload must name this image's digest, as for keyed signatures.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ObjectIdentifier

from hullcheck.provenance import cosign, dsse
from hullcheck.provenance.attest import AttestationCheck, check_attestation, statement_check
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.imagesig import (
    SignatureCheck,
    check_layer,
    payload_check,
    signature_of,
    stored_layers,
)
from hullcheck.provenance.keys import NamedPublicKey, PublicKey, pem_blocks
from hullcheck.provenance.signatures import verify
from hullcheck.provenance.target import Target

OIDC_ISSUER_V1 = ObjectIdentifier("1.3.6.1.4.1.57264.1.1")
OIDC_ISSUER_V2 = ObjectIdentifier("1.3.6.1.4.1.57264.1.8")
MAX_CHAIN = 5


@dataclass
class TrustRoots:
    """Trusted CA certificates (roots and intermediates) and transparency-log keys."""

    roots: list[x509.Certificate] = field(default_factory=list)
    intermediates: list[x509.Certificate] = field(default_factory=list)
    rekor_keys: dict[str, PublicKey] = field(default_factory=dict)

    def add_rekor_key(self, key: Any) -> None:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.rekor_keys[hashlib.sha256(der).hexdigest()] = key


def _certs(data: bytes, what: str) -> list[x509.Certificate]:
    out = []
    for kind, der in pem_blocks(data):
        if kind == "CERTIFICATE":
            try:
                out.append(x509.load_der_x509_certificate(der))
            except ValueError:
                raise ProvenanceError(f"{what}: unreadable certificate") from None
    return out


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def add_ca_file(roots: TrustRoots, path: Path) -> None:
    try:
        certs = _certs(path.read_bytes(), str(path))
    except OSError as err:
        raise ProvenanceError(f"{path}: cannot read: {err.strerror or err}") from None
    if not certs:
        raise ProvenanceError(f"{path}: no CERTIFICATE PEM block")
    for cert in certs:
        (roots.roots if _self_signed(cert) else roots.intermediates).append(cert)


def load_trusted_root(path: Path) -> TrustRoots:
    """A sigstore ``trusted_root.json``: Fulcio CA chains and Rekor log keys."""
    try:
        doc = json.loads(path.read_bytes())
    except OSError as err:
        raise ProvenanceError(f"{path}: cannot read: {err.strerror or err}") from None
    except (ValueError, UnicodeDecodeError):
        raise ProvenanceError(f"{path}: not JSON") from None
    roots = TrustRoots()
    try:
        for ca in doc.get("certificateAuthorities") or []:
            for item in ca["certChain"]["certificates"]:
                cert = x509.load_der_x509_certificate(base64.b64decode(item["rawBytes"]))
                (roots.roots if _self_signed(cert) else roots.intermediates).append(cert)
        for tlog in doc.get("tlogs") or []:
            key = serialization.load_der_public_key(base64.b64decode(tlog["publicKey"]["rawBytes"]))
            roots.add_rekor_key(key)
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise ProvenanceError(f"{path}: not a sigstore trusted root") from None
    if not roots.roots:
        raise ProvenanceError(f"{path}: holds no certificate authority")
    return roots


@dataclass(frozen=True, slots=True)
class RequiredIdentity:
    identity: str | None = None
    issuer: str | None = None


def cert_identities(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(v) for v in san.get_values_for_type(x509.RFC822Name)] + [
        str(v) for v in san.get_values_for_type(x509.UniformResourceIdentifier)
    ]


def cert_issuer(cert: x509.Certificate) -> str | None:
    """The OIDC issuer Fulcio recorded (v2 extension is a DER UTF8String, v1 raw bytes)."""
    for ext in cert.extensions:
        if ext.oid == OIDC_ISSUER_V2 and isinstance(ext.value, x509.UnrecognizedExtension):
            raw = ext.value.value
            if len(raw) >= 2 and raw[0] == 0x0C:
                length, start = raw[1], 2
                if length & 0x80:
                    count = length & 0x7F
                    length, start = int.from_bytes(raw[2 : 2 + count], "big"), 2 + count
                return raw[start : start + length].decode("utf-8", "replace")
    for ext in cert.extensions:
        if ext.oid == OIDC_ISSUER_V1 and isinstance(ext.value, x509.UnrecognizedExtension):
            return ext.value.value.decode("utf-8", "replace")
    return None


def _canonical(doc: Any) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def verify_log_entry(bundle: Any, roots: TrustRoots) -> tuple[datetime, dict[str, Any]]:
    """Check a Rekor entry's Signed Entry Timestamp; return (integrated time, entry body).

    Takes cosign's bundle (``{"SignedEntryTimestamp", "Payload": {...}}``) or the same
    entry as Docker's attestation extension writes it (``{"body", "integratedTime",
    "logID", "logIndex", "verification": {"signedEntryTimestamp"}}``).
    """
    try:
        doc = json.loads(bundle) if isinstance(bundle, str) else bundle
        if "Payload" in doc:
            entry, set_b64 = doc["Payload"], doc["SignedEntryTimestamp"]
        else:
            entry, set_b64 = doc, doc["verification"]["signedEntryTimestamp"]
        set_sig = base64.b64decode(set_b64)
        body = json.loads(base64.b64decode(entry["body"]))
        signed = _canonical(
            {
                "body": entry["body"],
                "integratedTime": entry["integratedTime"],
                "logID": entry["logID"],
                "logIndex": entry["logIndex"],
            }
        )
        when = datetime.fromtimestamp(int(entry["integratedTime"]), UTC)
        log_id = str(entry["logID"])
    except (KeyError, TypeError, ValueError, binascii.Error, OverflowError):
        raise ProvenanceError("the Rekor bundle is malformed") from None
    key = roots.rekor_keys.get(log_id)
    if key is None:
        raise ProvenanceError(f"the Rekor bundle is from log {log_id[:16]}..., not a trusted log")
    if not verify(key, signed, set_sig):
        raise ProvenanceError("the Rekor bundle's signed entry timestamp does not verify")
    if not isinstance(body, dict):
        raise ProvenanceError("the Rekor entry body is not an object")
    return when, body


def verify_set(bundle_text: str, payload: bytes, sig_b64: str, roots: TrustRoots) -> datetime:
    """Check cosign's Rekor bundle of a signature; return the entry's integrated time."""
    when, body = verify_log_entry(bundle_text, roots)
    spec = body.get("spec")
    logged_hash = str(((spec or {}).get("data") or {}).get("hash", {}).get("value", ""))
    logged_sig = str(((spec or {}).get("signature") or {}).get("content", ""))
    if logged_hash != hashlib.sha256(payload).hexdigest() or logged_sig != sig_b64:
        raise ProvenanceError("the Rekor entry is for another signature or payload")
    return when


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def verify_chain(
    leaf: x509.Certificate, chain: list[x509.Certificate], roots: TrustRoots, when: datetime
) -> None:
    """Raise unless ``leaf`` chains to a trusted root, every link valid at ``when``."""
    pool = chain + roots.intermediates + roots.roots
    current = leaf
    for _ in range(MAX_CHAIN):
        if not _valid_at(current, when):
            raise ProvenanceError(
                f"certificate {current.subject.rfc4514_string()[:80]!r} was not valid at "
                f"{when.isoformat()} (valid {current.not_valid_before_utc.isoformat()} to "
                f"{current.not_valid_after_utc.isoformat()}): expired or not yet valid"
            )
        for root in roots.roots:
            if root.subject == current.issuer and _issued_by(current, root):
                if not _valid_at(root, when):
                    raise ProvenanceError("the trusted root was not valid at signing time")
                return
        issuer = next(
            (
                c
                for c in pool
                if c.subject == current.issuer and c is not current and _issued_by(current, c)
            ),
            None,
        )
        if issuer is None:
            break
        current = issuer
    raise ProvenanceError("the certificate does not chain to a trusted root")


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def check_cert_layer(
    layer: cosign.Layer,
    image_digest: str,
    roots: TrustRoots,
    required: RequiredIdentity,
    now: datetime | None = None,
) -> SignatureCheck:
    """Judge one certificate-carrying signature layer (see the module docstring)."""
    got = signature_of(layer)
    if isinstance(got, SignatureCheck):
        return got
    raw, data = got

    def fail(reason: str) -> SignatureCheck:
        return SignatureCheck(layer.digest, False, reason)

    cert_pem = layer.annotations.get(cosign.CERTIFICATE_ANNOTATION, "")
    leaf_list = _certs(cert_pem.encode(), "the signing certificate") if cert_pem else []
    if not leaf_list:
        return fail("the signature carries no certificate (verify it with --key)")
    leaf = leaf_list[0]
    chain = _certs(layer.annotations.get(cosign.CHAIN_ANNOTATION, "").encode(), "the chain")
    leaf_key = leaf.public_key()
    if not verify(leaf_key, data, raw):  # type: ignore[arg-type]
        return fail("the signature does not verify with its certificate's key (payload changed?)")
    bundle = layer.annotations.get(cosign.BUNDLE_ANNOTATION)
    try:
        if bundle:
            sig_b64 = layer.annotations.get(cosign.SIGNATURE_ANNOTATION, "")
            when = verify_set(bundle, data, sig_b64, roots)
        else:
            when = now or datetime.now(UTC)
        verify_chain(leaf, chain, roots, when)
    except ProvenanceError as err:
        return fail(err.message)
    names = cert_identities(leaf)
    issuer = cert_issuer(leaf)
    who = names[0] if names else leaf.subject.rfc4514_string()
    if required.identity is not None and required.identity not in names:
        return fail(
            f"the certificate's identity {', '.join(names) or 'none'} is not {required.identity}"
        )
    if required.issuer is not None and issuer != required.issuer:
        return fail(f"the certificate's OIDC issuer {issuer} is not {required.issuer}")
    signer = f"{who} (issuer {issuer})" if issuer else who
    return payload_check(layer, data, image_digest, signer)


def verify_image_signatures(
    target: Target,
    keys: list[NamedPublicKey],
    roots: TrustRoots | None,
    required: RequiredIdentity,
    now: datetime | None = None,
) -> list[SignatureCheck]:
    """Every stored signature judged: by a key, or by its certificate when roots are given."""
    _, layers = stored_layers(target, "sig")
    out = []
    for layer in layers:
        if roots is not None and cosign.CERTIFICATE_ANNOTATION in layer.annotations:
            out.append(check_cert_layer(layer, target.digest, roots, required, now))
        elif keys:
            out.append(check_layer(layer, target.digest, keys))
        else:
            out.append(
                SignatureCheck(layer.digest, False, "a keyed signature, and no --key was given")
            )
    return out


def check_cert_attestation(
    layer: cosign.Layer,
    image_digest: str,
    roots: TrustRoots,
    required: RequiredIdentity,
    now: datetime | None = None,
) -> AttestationCheck:
    """A keyless cosign attestation (``.att`` DSSE layer with certificate and Rekor entry)."""

    def fail(reason: str) -> AttestationCheck:
        return AttestationCheck(layer.digest, False, reason)

    if layer.media_type != cosign.DSSE or layer.data is None:
        return fail("not a readable DSSE layer")
    leaf_list = _certs(
        layer.annotations.get(cosign.CERTIFICATE_ANNOTATION, "").encode(), "the certificate"
    )
    if not leaf_list:
        return fail("the attestation carries no certificate (verify it with --key)")
    leaf = leaf_list[0]
    chain = _certs(layer.annotations.get(cosign.CHAIN_ANNOTATION, "").encode(), "the chain")
    try:
        envelope = dsse.parse(layer.data)
    except ProvenanceError as err:
        return fail(err.message)
    signer = dsse.verify_envelope(envelope, [NamedPublicKey(leaf.public_key(), "certificate")])  # type: ignore[arg-type]
    if signer is None:
        return fail("the envelope does not verify with its certificate's key")
    bundle = layer.annotations.get(cosign.BUNDLE_ANNOTATION)
    try:
        if bundle:
            when, body = verify_log_entry(bundle, roots)
            spec = body.get("spec") or {}
            logged = (spec.get("envelopeHash") or {}).get("value")
            payload_hash = (spec.get("payloadHash") or {}).get("value")
            if logged != hashlib.sha256(layer.data).hexdigest() or payload_hash != (
                hashlib.sha256(envelope.payload).hexdigest()
            ):
                raise ProvenanceError("the Rekor entry is for another envelope")
        else:
            when = now or datetime.now(UTC)
        verify_chain(leaf, chain, roots, when)
    except ProvenanceError as err:
        return fail(err.message)
    names, issuer = cert_identities(leaf), cert_issuer(leaf)
    if required.identity is not None and required.identity not in names:
        return fail(
            f"the certificate's identity {', '.join(names) or 'none'} is not {required.identity}"
        )
    if required.issuer is not None and issuer != required.issuer:
        return fail(f"the certificate's OIDC issuer {issuer} is not {required.issuer}")
    who = f"{names[0] if names else leaf.subject.rfc4514_string()} (issuer {issuer})"
    return statement_check(layer.digest, envelope.payload, image_digest, who)


def verify_attestations(
    target: Target,
    keys: list[NamedPublicKey],
    predicate_type: str | None,
    roots: TrustRoots | None,
    required: RequiredIdentity,
    *,
    now: datetime | None = None,
) -> list[AttestationCheck]:
    """Every ``.att`` layer judged by key, or by certificate when roots are given."""
    _, layers = stored_layers(target, "att")
    checks = []
    for layer in layers:
        if roots is not None and cosign.CERTIFICATE_ANNOTATION in layer.annotations:
            checks.append(check_cert_attestation(layer, target.digest, roots, required, now))
        else:
            checks.append(check_attestation(layer, target.digest, keys))
    if predicate_type is None:
        return checks
    return [c for c in checks if c.predicate_type in (predicate_type, None)]
