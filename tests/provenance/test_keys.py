"""Keys: cosign's encrypted PEMs from real tools open; ours open the same way; bad input fails."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from hullcheck.provenance import keys
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.signatures import sign, verify

KEYS = "provenance/cosign-keys"


def test_tekton_chains_cosign_key_matches_its_pub(shared_dir: Path) -> None:
    base = shared_dir / KEYS / "tektoncd-chains"
    password = (base / "cosign.password").read_bytes()
    key = keys.load_private_key(base / "cosign.key", password)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    [pub] = keys.load_public_keys(base / "cosign.pub")
    assert keys.key_id(key.public_key()) == pub.key_id
    sig = sign(key, b"payload")
    assert verify(pub.key, b"payload", sig)
    assert not verify(pub.key, b"payload!", sig)


@pytest.mark.parametrize(
    ("name", "password", "kind"),
    [
        ("cosign_generated_encrypted_empty_private.key", b"", ec.EllipticCurvePrivateKey),
        ("ecdsa_encrypted_private.key", b"123", ec.EllipticCurvePrivateKey),
        ("rsa_encrypted_private.key", b"123", rsa.RSAPrivateKey),
        ("ed25519_encrypted_private.key", b"123", ed25519.Ed25519PrivateKey),
    ],
)
def test_sigstore_rs_keys_open_and_sign(
    shared_dir: Path, name: str, password: bytes, kind: type
) -> None:
    key = keys.load_private_key(shared_dir / KEYS / "sigstore-rs" / name, password)
    assert isinstance(key, kind)
    assert verify(key.public_key(), b"data", sign(key, b"data"))


def test_ed25519_v2_key_public_part_matches_the_embedded_one(shared_dir: Path) -> None:
    path = shared_dir / KEYS / "sigstore-rs" / "ed25519_encrypted_private.key"
    [(_, der)] = keys.pem_blocks(path.read_bytes())
    plain = keys.decrypt_cosign_key(der, b"123")
    key = keys.load_private_key(path, b"123")
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    embedded = plain[-32:]  # OneAsymmetricKey's [1] publicKey BIT STRING ends the DER
    assert key.public_key().public_bytes_raw() == embedded


def test_wrong_password_is_one_clear_error(shared_dir: Path) -> None:
    with pytest.raises(ProvenanceError, match="wrong password"):
        keys.load_private_key(shared_dir / KEYS / "tektoncd-chains" / "cosign.key", b"q")


def test_generated_key_round_trips_and_is_cosign_shaped(tmp_path: Path) -> None:
    key = keys.generate()
    pem = keys.encrypted_private_pem(key, b"s3cret")
    path = tmp_path / "k.key"
    path.write_bytes(pem)
    [(kind, der)] = keys.pem_blocks(pem)
    assert kind == "ENCRYPTED COSIGN PRIVATE KEY"
    doc = json.loads(der)
    assert doc["kdf"]["name"] == "scrypt"
    assert doc["kdf"]["params"] == {"N": 32768, "r": 8, "p": 1}
    assert len(base64.b64decode(doc["kdf"]["salt"])) == 32
    assert doc["cipher"]["name"] == "nacl/secretbox"
    assert len(base64.b64decode(doc["cipher"]["nonce"])) == 24
    again = keys.load_private_key(path, b"s3cret")
    assert keys.key_id(again.public_key()) == keys.key_id(key.public_key())
    with pytest.raises(ProvenanceError, match="wrong password"):
        keys.load_private_key(path, b"other")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "no PEM block"),
        (
            b"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\nbm90IGpzb24=\n"
            b"-----END ENCRYPTED COSIGN PRIVATE KEY-----\n",
            "not JSON",
        ),
        (
            b"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"
            + base64.b64encode(
                json.dumps(
                    {
                        "kdf": {
                            "name": "scrypt",
                            "params": {"N": 1 << 30, "r": 8, "p": 1},
                            "salt": "",
                        },
                        "cipher": {
                            "name": "nacl/secretbox",
                            "nonce": base64.b64encode(b"x" * 24).decode(),
                        },
                        "ciphertext": "",
                    }
                ).encode()
            )
            + b"\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n",
            "unsupported scrypt",
        ),
        (
            b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
            "not a private key",
        ),
    ],
)
def test_hostile_private_keys(tmp_path: Path, text: bytes, message: str) -> None:
    path = tmp_path / "bad.key"
    path.write_bytes(text)
    with pytest.raises(ProvenanceError, match=message):
        keys.load_private_key(path, b"")


def test_public_key_file_refuses_a_private_key(shared_dir: Path) -> None:
    with pytest.raises(ProvenanceError, match="is a private key"):
        keys.load_public_keys(shared_dir / KEYS / "tektoncd-chains" / "cosign.key")


def test_key_generate_cli(tmp_path: Path) -> None:
    env = {**os.environ, "COSIGN_PASSWORD": "pw", "HULLCHECK_PASSWORD": "hpw"}
    cmd = [sys.executable, "-m", "hullcheck", "key", "generate", "--output-prefix", "t"]
    done = subprocess.run(
        cmd, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "t.key").stat().st_mode & 0o777 == 0o600
    key = keys.load_private_key(tmp_path / "t.key", b"hpw")  # HULLCHECK_PASSWORD wins
    [pub] = keys.load_public_keys(tmp_path / "t.pub")
    assert pub.key_id == keys.key_id(key.public_key())
    again = subprocess.run(
        cmd, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 2 and "exists" in again.stderr
    env.pop("COSIGN_PASSWORD")
    env.pop("HULLCHECK_PASSWORD")
    nopw = subprocess.run(
        [*cmd[:-1], "u"],
        check=False,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert nopw.returncode == 2 and "HULLCHECK_PASSWORD" in nopw.stderr
    assert "Traceback" not in nopw.stderr
