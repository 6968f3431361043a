"""attest / verify-attestation on a real registry: round trip and the tamper cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.provenance import cosign, dsse, intoto
from hullcheck.provenance.keys import load_private_key
from hullcheck.sources.mediatypes import OCI_MANIFEST
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter
from tests.provenance.conftest import KeyPair, Pushed, skopeo_push
from tests.provenance.test_sign_verify_registry import run

pytestmark = [pytest.mark.registry]

SLSA = {"buildDefinition": {"buildType": "https://example.com/build/v1"}, "runDetails": {}}


def test_attest_then_verify(
    pushed: Pushed,
    keypair: KeyPair,
    other_keypair: KeyPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/att/app:1")
    ref = f"{host}/att/app:1"
    pred = tmp_path / "slsa.json"
    pred.write_text(json.dumps(SLSA))
    code, out, err = run(capsys, "verify-attestation", ref, "--key", str(keypair.public))
    assert code == 1 and "no valid attestation" in err
    code, out, err = run(
        capsys,
        "attest",
        ref,
        "--key",
        str(keypair.private),
        "--type",
        "slsa",
        "--predicate",
        str(pred),
    )
    assert code == 0, err
    code, out, err = run(
        capsys,
        "attest",
        ref,
        "--key",
        str(keypair.private),
        "--type",
        "sbom",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert code == 0, err
    code, out, err = run(
        capsys, "verify-attestation", ref, "--key", str(keypair.public), "--format", "json"
    )
    assert code == 0, err
    doc = json.loads(out)
    digest = pushed.single.manifest_digest
    types = [a["predicate_type"] for a in doc["attestations"]]
    assert types == ["https://slsa.dev/provenance/v1", "https://spdx.dev/Document"]
    assert all(a["verified"] and a["subjects"] == [digest] for a in doc["attestations"])
    code, out, _ = run(
        capsys, "verify-attestation", ref, "--key", str(keypair.public), "--type", "sbom"
    )
    assert code == 0 and out.count("ok:") == 1
    code, out, err = run(
        capsys, "verify-attestation", ref, "--key", str(keypair.public), "--type", "scan"
    )
    assert code == 1 and "no valid attestation of type" in err
    code, out, _ = run(capsys, "verify-attestation", ref, "--key", str(other_keypair.public))
    assert code == 1 and out.count("does not verify with any given key") == 2


def test_statement_about_another_image_fails(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.other, f"{host}/att/other:1")
    target_digest = pushed.other.manifest_digest
    wrong = pushed.single.manifest_digest
    key = load_private_key(keypair.private, b"pw")
    statement = intoto.make([(f"{host}/att/app", wrong)], intoto.PREDICATE_TYPES["slsa"], SLSA)
    env = dsse.sign_envelope(key, dsse.INTOTO_PAYLOAD_TYPE, statement)
    layer = cosign.Layer.of(
        cosign.DSSE, env.to_bytes(), {cosign.SIGNATURE_ANNOTATION: "", "predicateType": "x"}
    )
    w = RegistryWriter(parse_reference(f"{host}/att/other"), RegistryOptions())
    try:
        assert layer.data is not None
        w.put_blob(layer.data)
        config = cosign.config_for([layer])
        w.put_blob(config)
        w.put_manifest(
            cosign.manifest_for([layer], config), OCI_MANIFEST, cosign.tag_for(target_digest, "att")
        )
    finally:
        w.close()
    code, out, _ = run(
        capsys, "verify-attestation", f"{host}/att/other:1", "--key", str(keypair.public)
    )
    assert code == 1
    assert f"the statement is about {wrong}, not this image's {target_digest}" in out


def test_changed_statement_fails(keypair: KeyPair) -> None:
    from hullcheck.provenance.attest import check_attestation
    from hullcheck.provenance.keys import load_public_keys

    key = load_private_key(keypair.private, b"pw")
    digest = "sha256:" + "1" * 64
    statement = intoto.make([("x", digest)], intoto.PREDICATE_TYPES["slsa"], SLSA)
    env = dsse.sign_envelope(key, dsse.INTOTO_PAYLOAD_TYPE, statement)
    keys = load_public_keys(keypair.public)
    good = cosign.Layer.of(cosign.DSSE, env.to_bytes(), {})
    assert check_attestation(good, digest, keys).ok
    changed = dsse.Envelope(
        env.payload_type, env.payload.replace(b"example", b"exampl3"), env.signatures
    )
    bad = cosign.Layer.of(cosign.DSSE, changed.to_bytes(), {})
    check = check_attestation(bad, digest, keys)
    assert not check.ok and "statement was changed" in check.reason
    retyped = dsse.Envelope("application/json", env.payload, env.signatures)
    check = check_attestation(cosign.Layer.of(cosign.DSSE, retyped.to_bytes(), {}), digest, keys)
    assert not check.ok and "does not verify" in check.reason  # PAE binds the payload type
