"""Raw signatures over bytes, as cosign makes them: the one place keys sign and verify.

ECDSA signs the SHA-2 digest that suits the curve (P-256 -> SHA-256, P-384 -> SHA-384,
P-521 -> SHA-512) and yields DER; RSA is PKCS#1 v1.5 with SHA-256; Ed25519 is pure.
Verification also accepts a raw ``r||s`` ECDSA signature (DSSE's own test vector and
some KMS signers use it).  Every signature hullcheck makes is checked by ``verify`` too,
the very function that checks cosign's.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hullcheck.provenance.keys import PrivateKey, PublicKey


def _ec_hash(curve: ec.EllipticCurve) -> hashes.HashAlgorithm:
    if curve.key_size > 384:
        return hashes.SHA512()
    if curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def sign(key: PrivateKey, data: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(_ec_hash(key.curve)))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data)


def _raw_to_der(sig: bytes, key: ec.EllipticCurvePublicKey) -> bytes | None:
    size = (key.curve.key_size + 7) // 8
    if len(sig) != 2 * size:
        return None
    r = int.from_bytes(sig[:size], "big")
    s = int.from_bytes(sig[size:], "big")
    return encode_dss_signature(r, s)


def verify(key: PublicKey, data: bytes, sig: bytes) -> bool:
    """Whether ``sig`` is ``key``'s signature over ``data``."""
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            algo = ec.ECDSA(_ec_hash(key.curve))
            try:
                key.verify(sig, data, algo)
                return True
            except (InvalidSignature, ValueError):
                der = _raw_to_der(sig, key)
                if der is None:
                    return False
                key.verify(der, data, algo)
                return True
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(sig, data)
            return True
    except (InvalidSignature, ValueError):
        return False
    return False
