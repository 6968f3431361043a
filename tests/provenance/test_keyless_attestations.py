"""Keyless attestations made by real tools: a whole cosign ``.att`` manifest from
slsa-github-generator, and Docker's Rekor-logged DSSE envelope, verified unchanged."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from hullcheck.provenance import cosign, dsse
from hullcheck.provenance.keyless import (
    RequiredIdentity,
    TrustRoots,
    check_cert_attestation,
    load_trusted_root,
    verify_log_entry,
)
from hullcheck.provenance.keys import load_public_keys

GHA = "provenance/buildkit/slsa-verifier-gha_generic_container-v2.1.0"
ATT = "sha256:21454caf3a160dfbe6359f0501aa8401c6c0f2c7a8b71380ea21f8c4b48b64fe"
WORKFLOW = (
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
    "generator_container_slsa3.yml@refs/tags/v2.1.0"
)
ISSUER = "https://token.actions.githubusercontent.com"


def _att_layer(shared: Path) -> tuple[cosign.Layer, str]:
    layout = shared / GHA / "container_workflow_dispatch"
    manifest = (layout / "blobs/sha256" / ATT.split(":")[1]).read_bytes()
    [desc] = cosign.layers_of(manifest, "the .att manifest")
    data = (layout / "blobs/sha256" / desc.digest.split(":")[1]).read_bytes()
    digest = (shared / GHA / "container_workflow_dispatch.digest").read_text().split()[-1]
    return cosign.Layer(desc.media_type, desc.digest, desc.size, desc.annotations, data), digest


@pytest.fixture(scope="module")
def prod(shared_dir: Path) -> TrustRoots:
    return load_trusted_root(
        shared_dir / "provenance/sigstore-bundles/sigstore-python/prod/trusted_root.json"
    )


def test_cosign_att_manifest_from_github_actions(shared_dir: Path, prod: TrustRoots) -> None:
    layer, digest = _att_layer(shared_dir)
    check = check_cert_attestation(layer, digest, prod, RequiredIdentity(WORKFLOW, ISSUER))
    assert check.ok, check.reason
    assert check.predicate_type == "https://slsa.dev/provenance/v0.2"
    assert check.signer == f"{WORKFLOW} (issuer {ISSUER})"


def test_cosign_att_wrong_workflow_or_image_fails(shared_dir: Path, prod: TrustRoots) -> None:
    layer, digest = _att_layer(shared_dir)
    other = RequiredIdentity(WORKFLOW.replace("v2.1.0", "v9.9.9"), ISSUER)
    check = check_cert_attestation(layer, digest, prod, other)
    assert not check.ok and "identity" in check.reason
    check = check_cert_attestation(
        layer, "sha256:" + "a" * 64, prod, RequiredIdentity(WORKFLOW, ISSUER)
    )
    assert not check.ok and "the statement is about" in check.reason


def test_docker_attest_rekor_entry(shared_dir: Path) -> None:
    doc = json.loads(
        (shared_dir / "provenance/dsse/docker-attest/example_attestation.json").read_bytes()
    )
    roots = TrustRoots()
    rekor = (
        shared_dir / "provenance/cosign-simplesigning/containers-image/internal/testdata/rekor.pub"
    )
    for named in load_public_keys(rekor):
        roots.add_rekor_key(named.key)
    entry = doc["signatures"][0]["extension"]["ext"]["tl"]["data"]
    when, body = verify_log_entry(entry, roots)
    assert int(when.timestamp()) == 1713543911
    env = dsse.parse(doc)
    pae = dsse.pae(env.payload_type, env.payload)
    assert body["spec"]["data"]["hash"]["value"] == hashlib.sha256(pae).hexdigest()
    assert base64.b64decode(body["spec"]["signature"]["content"]) == env.signatures[0][1]


def test_verify_attestation_cli_on_a_cosign_save_layout(
    shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hullcheck.cli.main import main

    layout = shared_dir / GHA / "container_workflow_dispatch"
    digest = (shared_dir / GHA / "container_workflow_dispatch.digest").read_text().split()[-1]
    root = shared_dir / "provenance/sigstore-bundles/sigstore-python/prod/trusted_root.json"
    argv = [
        "verify-attestation",
        f"oci:{layout}@{digest}",
        "--trusted-root",
        str(root),
        "--certificate-oidc-issuer",
        ISSUER,
    ]
    assert main([*argv, "--certificate-identity", WORKFLOW, "--type", "slsa02"]) == 0
    out = capsys.readouterr().out
    assert f"ok: https://slsa.dev/provenance/v0.2 about {digest} signed by {WORKFLOW}" in out
    assert main([*argv, "--certificate-identity", "https://example.com/evil.yml"]) == 1
    assert "is not https://example.com/evil.yml" in capsys.readouterr().out
