"""Signing keys: cosign's encrypted private key PEM, plain PKCS#8 / SPKI PEM, key ids.

cosign's private key is a PEM block (``ENCRYPTED COSIGN PRIVATE KEY`` or, since cosign
2, ``ENCRYPTED SIGSTORE PRIVATE KEY``) whose body is JSON from go-securesystemslib's
``encrypted`` package: ``{"kdf": {"name": "scrypt", "params": {"N", "r", "p"}, "salt"},
"cipher": {"name": "nacl/secretbox", "nonce"}, "ciphertext"}``.  The secretbox key is
scrypt(password, salt, N, r, p, 32); the plaintext is a DER PKCS#8 private key.  Keys
are generated and written the same way (N=32768, r=8, p=1: cosign's parameters).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.secret
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.password import read_password

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey

COSIGN_PEM = "ENCRYPTED COSIGN PRIVATE KEY"
SIGSTORE_PEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
MAX_KEY_FILE = 256 * 1024
_MAX_SCRYPT_N = 1 << 20  # a hostile key file must not ask for gigabytes of scrypt memory
_PEM_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
# PKCS#8 v2 (OneAsymmetricKey) Ed25519 as sigstore-rs writes it: cryptography reads only
# v1, so the 32-byte seed is taken from its fixed place after this exact prefix.
_ED25519_V2_PREFIX = bytes.fromhex("3051020101300506032b657004220420")


@dataclass(frozen=True, slots=True)
class NamedPublicKey:
    """A verification key and where it came from (shown as "signed by")."""

    key: PublicKey
    origin: str

    @property
    def key_id(self) -> str:
        return key_id(self.key)


def key_id(key: PublicKey) -> str:
    """sha256 of the key's SPKI DER, hex: a stable name for a key in reports."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_KEY_FILE + 1)
    except OSError as err:
        raise ProvenanceError(f"{path}: cannot read {what}: {err.strerror or err}") from None
    if len(data) > MAX_KEY_FILE:
        raise ProvenanceError(f"{path}: over {MAX_KEY_FILE} bytes, not a key file")
    return data


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every ``(type, DER)`` PEM block in ``data``."""
    out = []
    for match in _PEM_RE.finditer(data):
        try:
            der = base64.b64decode(b"".join(match.group(2).split()), validate=True)
        except binascii.Error:
            continue
        out.append((match.group(1).decode(), der))
    return out


# -- encrypted (cosign) private keys -------------------------------------------------------


def _b64(doc: dict[str, Any], *path: str) -> bytes:
    value: Any = doc
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str):
        raise ProvenanceError(f"encrypted key: {'.'.join(path)} is missing")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ProvenanceError(f"encrypted key: {'.'.join(path)} is not base64") from None


def _scrypt_key(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    if n < 2 or n & (n - 1) or n > _MAX_SCRYPT_N or not 1 <= r <= 32 or not 1 <= p <= 16:
        raise ProvenanceError(f"encrypted key: unsupported scrypt parameters N={n} r={r} p={p}")
    return hashlib.scrypt(
        password, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=128 * r * n * p + (1 << 24)
    )


def decrypt_cosign_key(body: bytes, password: bytes) -> bytes:
    """The PKCS#8 DER inside a cosign encrypted key body (the PEM's decoded JSON)."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise ProvenanceError("encrypted key: the PEM body is not JSON") from None
    if not isinstance(doc, dict):
        raise ProvenanceError("encrypted key: the PEM body is not a JSON object")
    kdf, cipher = doc.get("kdf"), doc.get("cipher")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise ProvenanceError("encrypted key: only the scrypt KDF is supported")
    if not isinstance(cipher, dict) or cipher.get("name") != "nacl/secretbox":
        raise ProvenanceError("encrypted key: only the nacl/secretbox cipher is supported")
    params = kdf.get("params")
    if not isinstance(params, dict) or not all(
        isinstance(params.get(k), int) for k in ("N", "r", "p")
    ):
        raise ProvenanceError("encrypted key: scrypt parameters N, r, p are missing")
    salt = _b64(doc, "kdf", "salt")
    nonce = _b64(doc, "cipher", "nonce")
    ciphertext = _b64(doc, "ciphertext")
    if len(nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise ProvenanceError("encrypted key: the secretbox nonce is not 24 bytes")
    secret = _scrypt_key(password, salt, params["N"], params["r"], params["p"])
    try:
        return bytes(nacl.secret.SecretBox(secret).decrypt(ciphertext, nonce))
    except nacl.exceptions.CryptoError:
        raise ProvenanceError("wrong password for the encrypted private key") from None


def encrypt_cosign_key(der: bytes, password: bytes) -> bytes:
    """cosign's encrypted-key JSON for a PKCS#8 DER private key."""
    salt = os.urandom(32)
    nonce = os.urandom(nacl.secret.SecretBox.NONCE_SIZE)
    n, r, p = 32768, 8, 1
    secret = _scrypt_key(password, salt, n, r, p)
    box = nacl.secret.SecretBox(secret).encrypt(der, nonce)
    doc = {
        "kdf": {
            "name": "scrypt",
            "params": {"N": n, "r": r, "p": p},
            "salt": base64.b64encode(salt).decode(),
        },
        "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
        "ciphertext": base64.b64encode(box.ciphertext).decode(),
    }
    return json.dumps(doc).encode()


def _load_pkcs8(der: bytes, what: str) -> PrivateKey:
    if der.startswith(_ED25519_V2_PREFIX) and len(der) >= len(_ED25519_V2_PREFIX) + 32:
        seed = der[len(_ED25519_V2_PREFIX) : len(_ED25519_V2_PREFIX) + 32]
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ProvenanceError(f"{what}: the decrypted key is not a usable PKCS#8 key") from None
    return _check_private(key, what)


def _check_private(key: object, what: str) -> PrivateKey:
    if isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        return key
    raise ProvenanceError(f"{what}: {type(key).__name__} keys are not supported")


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    """A private key from ``path``: cosign's encrypted PEM, or plain (maybe encrypted) PKCS#8.

    ``password`` is asked for (``read_password``) only if the key is encrypted and none
    was given.
    """
    data = _read(path, "the private key")
    blocks = pem_blocks(data)
    if not blocks:
        raise ProvenanceError(f"{path}: no PEM block; not a private key file")
    kind, der = blocks[0]
    if kind in (COSIGN_PEM, SIGSTORE_PEM):
        if password is None:
            password = read_password(str(path))
        return _load_pkcs8(decrypt_cosign_key(der, password), str(path))
    if kind == "ENCRYPTED PRIVATE KEY" and password is None:
        password = read_password(str(path))
    if kind in ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        try:
            key = serialization.load_pem_private_key(
                data, password=password if kind == "ENCRYPTED PRIVATE KEY" else None
            )
        except (ValueError, TypeError, UnsupportedAlgorithm) as err:
            if kind == "ENCRYPTED PRIVATE KEY":
                raise ProvenanceError(f"{path}: wrong password or unreadable key") from None
            raise ProvenanceError(f"{path}: unreadable {kind}: {str(err)[:100]}") from None
        return _check_private(key, str(path))
    raise ProvenanceError(f"{path}: a {kind} PEM block is not a private key")


def public_key_of(key: PrivateKey) -> PublicKey:
    return key.public_key()


def _check_public(key: object, what: str) -> PublicKey:
    if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        return key
    raise ProvenanceError(f"{what}: {type(key).__name__} keys are not supported")


def load_public_keys(path: Path) -> list[NamedPublicKey]:
    """The verification keys in ``path``: SPKI ``PUBLIC KEY`` blocks or certificates.

    A cosign private key file is refused with a hint (``--key`` wants the ``.pub``).
    """
    data = _read(path, "the public key")
    out: list[NamedPublicKey] = []
    for kind, der in pem_blocks(data):
        if kind == "PUBLIC KEY":
            try:
                key: object = serialization.load_der_public_key(der)
            except (ValueError, UnsupportedAlgorithm):
                raise ProvenanceError(f"{path}: unreadable PUBLIC KEY block") from None
        elif kind == "CERTIFICATE":
            try:
                key = x509.load_der_x509_certificate(der).public_key()
            except ValueError:
                raise ProvenanceError(f"{path}: unreadable CERTIFICATE block") from None
        elif kind in (COSIGN_PEM, SIGSTORE_PEM) or "PRIVATE KEY" in kind:
            raise ProvenanceError(f"{path} is a private key; verify with the public key (.pub)")
        else:
            continue
        out.append(NamedPublicKey(_check_public(key, str(path)), str(path)))
    if not out:
        raise ProvenanceError(f"{path}: no PUBLIC KEY or CERTIFICATE PEM block")
    return out


def generate() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def encrypted_private_pem(key: PrivateKey, password: bytes) -> bytes:
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    body = base64.encodebytes(encrypt_cosign_key(der, password)).replace(b"\n", b"")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        f"-----BEGIN {COSIGN_PEM}-----\n".encode()
        + b"\n".join(lines)
        + f"\n-----END {COSIGN_PEM}-----\n".encode()
    )


def public_pem(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
