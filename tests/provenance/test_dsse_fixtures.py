"""Real DSSE envelopes and in-toto statements (shared/provenance/dsse), verified unchanged.

Every envelope goes through ``dsse.verify_envelope``, the function ``verify-attestation``
runs on cosign ``.att`` layers and on hullcheck's own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hullcheck.provenance import dsse, intoto
from hullcheck.provenance.keys import NamedPublicKey, load_public_keys
from hullcheck.provenance.signatures import verify

D = "provenance/dsse"


@pytest.fixture(scope="module")
def base(shared_dir: Path) -> Path:
    return shared_dir / D


def cert_key(pem_or_der: bytes, origin: str = "leaf certificate") -> NamedPublicKey:
    if pem_or_der.startswith(b"-----"):
        cert = x509.load_pem_x509_certificate(pem_or_der)
    else:
        cert = x509.load_der_x509_certificate(pem_or_der)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return NamedPublicKey(key, origin)


def test_dsse_spec_test_vector(base: Path) -> None:
    text = (base / "dsse-spec" / "protocol.md").read_text()
    x = int(re.search(r"^X: (\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
    y = int(re.search(r"^Y: (\d+)$", text, re.M).group(1))  # type: ignore[union-attr]
    assert dsse.pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    result = re.search(r"Result.*?```json\n(.*?)```", text, re.S).group(1)  # type: ignore[union-attr]
    env = dsse.parse(json.loads(result))
    pub = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    assert dsse.verify_envelope(env, [NamedPublicKey(pub, "spec")]) is not None
    tampered = dsse.Envelope(env.payload_type, b"hello world!", env.signatures)
    assert dsse.verify_envelope(tampered, [NamedPublicKey(pub, "spec")]) is None


def test_docker_attest_example(base: Path) -> None:
    doc = json.loads((base / "docker-attest" / "example_attestation.json").read_bytes())
    env = dsse.parse(doc)
    ext = doc["signatures"][0]["extension"]["ext"]["tl"]["data"]
    body = json.loads(base64.b64decode(ext["body"]))
    cert_pem = base64.b64decode(body["spec"]["signature"]["publicKey"]["content"])
    signer = cert_key(cert_pem)
    assert dsse.verify_envelope(env, [signer]) is signer
    spki = signer.key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert hashlib.sha256(spki).hexdigest() == doc["signatures"][0]["keyid"]
    pae_hash = hashlib.sha256(dsse.pae(env.payload_type, env.payload)).hexdigest()
    assert body["spec"]["data"]["hash"]["value"] == pae_hash
    statement = intoto.parse(env.payload)
    assert statement.type == intoto.STATEMENT_V01
    assert statement.predicate_type == "https://slsa.dev/provenance/v0.2"
    assert statement.names_digest(
        "sha256:7a76cec943853f9f7105b1976afa1bf7cd5bb6afc4e9d5852dd8da7cf81ae86e"
    )


def test_vsa_raw_rs_signature(base: Path) -> None:
    vsa = base / "slsa-verifier" / "vsa" / "gce" / "v1"
    env = dsse.parse((vsa / "gke-gce-pre.bcid-vsa.jsonl").read_bytes().strip())
    keys = load_public_keys(vsa / "vsa_signing_public_key.pem")
    assert len(env.signatures[0][1]) == 64  # raw r||s
    assert dsse.verify_envelope(env, keys) is not None
    assert intoto.parse(env.payload).type == intoto.STATEMENT_V1


@pytest.mark.parametrize(("version", "key"), [("v0.2", "global.key"), ("v0.3", "us-west2.key")])
def test_gcb_legacy_signatures_are_over_the_raw_payload(base: Path, version: str, key: str) -> None:
    folder = base / "slsa-verifier" / "gcb_container" / version
    doc = json.loads((folder / "gcloud-container-github.json").read_bytes())
    env = dsse.parse(doc["provenance_summary"]["provenance"][0]["envelope"])
    keys = load_public_keys(base / "slsa-verifier" / "gcb-keys" / key)
    assert dsse.verify_envelope(env, keys) is None  # not DSSE-conformant: no PAE
    assert any(verify(k.key, env.payload, sig) for _, sig in env.signatures for k in keys)
    digest = (folder / "gcloud-container-github.digest").read_text().strip()
    assert intoto.parse(env.payload).names_digest(digest)


def _bundle_envelope(bundle: dict[str, object]) -> dsse.Envelope:
    return dsse.parse(bundle["dsseEnvelope"])  # type: ignore[arg-type]


def _bundle_leaf(bundle: dict[str, object]) -> NamedPublicKey:
    material = bundle["verificationMaterial"]
    assert isinstance(material, dict)
    if "certificate" in material:
        raw = material["certificate"]["rawBytes"]
    else:
        raw = material["x509CertificateChain"]["certificates"][0]["rawBytes"]
    return cert_key(base64.b64decode(raw))


def _npm(base: Path, name: str) -> tuple[dict[str, object], dict[str, object]]:
    doc = json.loads((base / "slsa-verifier" / "npm" / "gha" / name).read_bytes())
    by_type = {a["predicateType"]: a["bundle"] for a in doc["attestations"]}
    publish = next(v for k, v in by_type.items() if "publish" in k)
    provenance = next(v for k, v in by_type.items() if "slsa" in k)
    return publish, provenance


@pytest.mark.parametrize(
    ("name", "publish_ok", "provenance_ok"),
    [
        ("provenance-npm-test-cli-v1-prega.tgz.json", True, True),
        ("provenance-npm-test-cli-v02-prega.tgz.json", True, True),
        ("provenance-npm-test-cli-v1-prega-invalidsigprov.tgz.json", True, False),
        ("provenance-npm-test-cli-v1-prega-invalidsigpub.tgz.json", False, True),
    ],
)
def test_npm_attestations(
    base: Path, shared_dir: Path, name: str, publish_ok: bool, provenance_ok: bool
) -> None:
    publish, provenance = _npm(base, name)
    npm_key = load_public_keys(base / "sigstore-go" / "publish_key.pub")
    got_pub = dsse.verify_envelope(_bundle_envelope(publish), npm_key) is not None
    got_prov = dsse.verify_envelope(_bundle_envelope(provenance), [_bundle_leaf(provenance)])
    assert got_pub is publish_ok
    assert (got_prov is not None) is provenance_ok


@pytest.mark.parametrize(
    "path",
    [
        "slsa-verifier/gha_delegator/v2.1.0/binary-linux-amd64-workflow_dispatch.build.slsa",
        "slsa-verifier/gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl",
        "sigstore-go/bundle-provenance.json",
    ],
)
def test_keyless_bundles_dsse_with_leaf_key(base: Path, path: str) -> None:
    bundle = json.loads((base / path).read_bytes())
    env = _bundle_envelope(bundle)
    assert dsse.verify_envelope(env, [_bundle_leaf(bundle)]) is not None
    intoto.parse(env.payload)


def test_sigstore_go_publish_bundle(base: Path) -> None:
    bundle = json.loads((base / "sigstore-go" / "bundle-publish.json").read_bytes())
    keys = load_public_keys(base / "sigstore-go" / "publish_key.pub")
    env = _bundle_envelope(bundle)
    assert dsse.verify_envelope(env, keys) is not None
    stmt = json.loads(
        (base / "sigstore-go" / "statement-provenance-sigstorejs1.3.0.json").read_bytes()
    )
    prov = json.loads((base / "sigstore-go" / "bundle-provenance.json").read_bytes())
    assert json.loads(_bundle_envelope(prov).payload) == stmt
