"""A real Notation JWS signature (notation-go's test data), found through the OCI referrers
tag schema and verified unchanged; trust store, target, payload and expiry tampering fail."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from hullcheck.cli.main import main
from hullcheck.provenance.notation import ARTIFACT_TYPE, JWS, verify_jws
from hullcheck.sources.digest import digest_of

DATA = Path(__file__).resolve().parents[1] / "data" / "notation"
TARGET = "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0"


def envelope() -> bytes:
    return (DATA / "jws_signature.sig").read_bytes()


def signer_cert() -> x509.Certificate:
    doc = json.loads(envelope())
    return x509.load_der_x509_certificate(base64.b64decode(doc["header"]["x5c"][0]))


def test_fixture_is_what_upstream_named() -> None:
    assert digest_of((DATA / "manifest.json").read_bytes()) == TARGET


def test_real_notation_signature_verifies() -> None:
    check = verify_jws(envelope(), TARGET, [signer_cert()])
    assert check.ok, check.reason
    assert check.signer == "CN=alpine,O=Notary,L=Seattle,ST=WA,C=US"
    assert check.signing_time == "2023-03-14T16:10:02+08:00"


def test_notation_tamper_cases() -> None:
    trusted = [signer_cert()]
    other = verify_jws(envelope(), "sha256:" + "1" * 64, trusted)
    assert not other.ok and "the signature is for sha256:19dbd2e4" in other.reason
    assert "does not lead to the trust store" in verify_jws(envelope(), TARGET, []).reason
    doc = json.loads(envelope())
    payload = json.loads(base64.urlsafe_b64decode(doc["payload"] + "=="))
    payload["targetArtifact"]["digest"] = "sha256:" + "2" * 64
    doc["payload"] = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    changed = verify_jws(json.dumps(doc).encode(), "sha256:" + "2" * 64, trusted)
    assert not changed.ok and "does not verify with the signing certificate" in changed.reason
    later = verify_jws(envelope(), TARGET, trusted, now=datetime(2124, 1, 1, tzinfo=UTC))
    assert not later.ok and "expired" in later.reason
    wrong = verify_jws(envelope(), TARGET, trusted, subject="CN=someone else")
    assert not wrong.ok and "is not CN=someone else" in wrong.reason


def _layout(root: Path) -> None:
    """The image and its Notation signature, stored by the OCI 1.1 referrers tag schema."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    manifest = (DATA / "manifest.json").read_bytes()
    env = envelope()
    empty = b"{}"
    sig_manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": ARTIFACT_TYPE,
            "config": {
                "mediaType": "application/vnd.oci.empty.v1+json",
                "digest": digest_of(empty),
                "size": 2,
            },
            "layers": [{"mediaType": JWS, "digest": digest_of(env), "size": len(env)}],
            "subject": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": TARGET,
                "size": len(manifest),
            },
        }
    ).encode()
    referrers = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": digest_of(sig_manifest),
                    "size": len(sig_manifest),
                    "artifactType": ARTIFACT_TYPE,
                }
            ],
        }
    ).encode()
    for data in (manifest, env, empty, sig_manifest, referrers):
        (blobs / digest_of(data).split(":")[1]).write_bytes(data)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": TARGET,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "v2"},
            },
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": digest_of(referrers),
                "size": len(referrers),
                "annotations": {"org.opencontainers.image.ref.name": TARGET.replace(":", "-")},
            },
        ],
    }
    (root / "index.json").write_text(json.dumps(index))


def test_verify_cli_finds_notation_through_the_referrers_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _layout(tmp_path / "img")
    cert = tmp_path / "alpine.pem"
    cert.write_bytes(signer_cert().public_bytes(serialization.Encoding.PEM))
    code = main(["verify", f"oci:{tmp_path / 'img'}:v2", "--notation-cert", str(cert)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"ok: {TARGET} Notation signature by CN=alpine" in out
    # a trust store that does not hold the signer
    from hullcheck.provenance import keys

    other = tmp_path / "other.pem"
    pub_only = keys.generate()
    from cryptography import x509 as _x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    name = _x509.Name([_x509.NameAttribute(NameOID.COMMON_NAME, "not the signer")])
    now = datetime.now(UTC)
    self_signed = (
        _x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(pub_only.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now.replace(year=now.year + 1))
        .sign(pub_only, hashes.SHA256())
    )
    other.write_bytes(self_signed.public_bytes(serialization.Encoding.PEM))
    code = main(["verify", f"oci:{tmp_path / 'img'}:v2", "--notation-cert", str(other)])
    assert code == 1 and "does not lead to the trust store" in capsys.readouterr().out
