"""Certificate signatures made by cosign (keyless Fulcio + Rekor, and a private PKI),
verified offline and unchanged; identity, expiry and log tampering each fail clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.provenance import cosign
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.keyless import (
    RequiredIdentity,
    TrustRoots,
    add_ca_file,
    check_cert_layer,
    load_trusted_root,
    verify_set,
)
from hullcheck.provenance.keys import load_public_keys
from hullcheck.provenance.signatures import verify
from hullcheck.sources.digest import digest_of
from tests.provenance.helpers import signature_layer

CI = "provenance/cosign-simplesigning/containers-image"
ID = RequiredIdentity("mitr@redhat.com", "https://github.com/login/oauth")


@pytest.fixture(scope="module")
def ci(shared_dir: Path) -> Path:
    return shared_dir / CI


@pytest.fixture(scope="module")
def fulcio(ci: Path) -> TrustRoots:
    roots = TrustRoots()
    add_ca_file(roots, ci / "fixtures" / "fulcio_v1.crt.pem")
    for named in load_public_keys(ci / "internal" / "testdata" / "rekor.pub"):
        roots.add_rekor_key(named.key)
    return roots


def _keyless(ci: Path) -> tuple[cosign.Layer, str]:
    base = ci / "fixtures" / "dir-img-cosign-fulcio-rekor-valid"
    return signature_layer(base / "signature-1"), digest_of((base / "manifest.json").read_bytes())


def test_keyless_signature_verifies(ci: Path, fulcio: TrustRoots) -> None:
    layer, digest = _keyless(ci)
    check = check_cert_layer(layer, digest, fulcio, ID)
    assert check.ok, check.reason
    assert check.signer == "mitr@redhat.com (issuer https://github.com/login/oauth)"


def test_keyless_with_sigstore_production_trusted_root(ci: Path, shared_dir: Path) -> None:
    roots = load_trusted_root(
        shared_dir / "provenance/sigstore-bundles/sigstore-python/prod/trusted_root.json"
    )
    layer, digest = _keyless(ci)
    assert check_cert_layer(layer, digest, roots, ID).ok


@pytest.mark.parametrize(
    ("required", "message"),
    [
        (RequiredIdentity("someone@example.com", ID.issuer), "identity mitr@redhat.com is not"),
        (RequiredIdentity(ID.identity, "https://accounts.google.com"), "OIDC issuer"),
    ],
)
def test_wrong_identity_fails(
    ci: Path, fulcio: TrustRoots, required: RequiredIdentity, message: str
) -> None:
    layer, digest = _keyless(ci)
    check = check_cert_layer(layer, digest, fulcio, required)
    assert not check.ok and message in check.reason


def test_expired_certificate_without_log_time_fails(ci: Path, fulcio: TrustRoots) -> None:
    layer, digest = _keyless(ci)
    ann = {k: v for k, v in layer.annotations.items() if k != cosign.BUNDLE_ANNOTATION}
    assert layer.data is not None
    stripped = cosign.Layer.of(layer.media_type, layer.data, ann)
    check = check_cert_layer(stripped, digest, fulcio, ID, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert not check.ok and "was not valid at 2026-01-01" in check.reason
    assert "expired" in check.reason


def test_tampered_log_entry_fails(ci: Path, fulcio: TrustRoots) -> None:
    layer, digest = _keyless(ci)
    bundle = json.loads(layer.annotations[cosign.BUNDLE_ANNOTATION])
    bundle["Payload"]["integratedTime"] += 3600  # pretend it was logged an hour later
    ann = {**layer.annotations, cosign.BUNDLE_ANNOTATION: json.dumps(bundle)}
    assert layer.data is not None
    check = check_cert_layer(cosign.Layer.of(layer.media_type, layer.data, ann), digest, fulcio, ID)
    assert not check.ok and "signed entry timestamp does not verify" in check.reason


def test_keyless_signature_on_another_image_fails(ci: Path, fulcio: TrustRoots) -> None:
    layer, _ = _keyless(ci)
    other = digest_of((ci / "fixtures/dir-img-cosign-modified-manifest/manifest.json").read_bytes())
    check = check_cert_layer(layer, other, fulcio, ID)
    assert not check.ok and "the signature is for" in check.reason


def test_private_pki_rsa_signature(ci: Path, fulcio: TrustRoots) -> None:
    base = ci / "fixtures" / "dir-img-cosign-pki-valid"
    layer = signature_layer(base / "signature-1")
    digest = digest_of((base / "manifest.json").read_bytes())
    roots = TrustRoots()
    add_ca_file(roots, ci / "fixtures" / "pki_root_crts.pem")
    add_ca_file(roots, ci / "fixtures" / "pki_intermediate_crts.pem")
    check = check_cert_layer(layer, digest, roots, RequiredIdentity("qiwan@redhat.com", None))
    assert check.ok, check.reason
    check = check_cert_layer(layer, digest, fulcio, RequiredIdentity())
    assert not check.ok and "does not chain to a trusted root" in check.reason


def test_keyed_signature_rekor_bundle(ci: Path, fulcio: TrustRoots) -> None:
    layer = signature_layer(ci / "fixtures/dir-img-cosign-key-rekor-valid/signature-1")
    assert layer.data is not None
    when = verify_set(
        layer.annotations[cosign.BUNDLE_ANNOTATION],
        layer.data,
        layer.annotations[cosign.SIGNATURE_ANNOTATION],
        fulcio,
    )
    assert int(when.timestamp()) == 1674251859


def test_loose_rekor_testdata(ci: Path, fulcio: TrustRoots) -> None:
    import base64

    from cryptography import x509

    td = ci / "internal" / "testdata"
    payload = (td / "rekor-payload").read_bytes()
    sig_b64 = (td / "rekor-sig").read_text().strip()
    cert = x509.load_pem_x509_certificate((td / "rekor-cert").read_bytes())
    assert verify(cert.public_key(), payload, base64.b64decode(sig_b64))  # type: ignore[arg-type]
    verify_set((td / "rekor-set").read_text(), payload, sig_b64, fulcio)
    with pytest.raises(ProvenanceError, match="another signature or payload"):
        verify_set((td / "rekor-set").read_text(), payload + b" ", sig_b64, fulcio)


def _layout_with_signature(root: Path, manifest: bytes, layers: list[cosign.Layer]) -> str:
    """An OCI layout holding a cosign-made image manifest and its .sig, bytes unchanged."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    digest = digest_of(manifest)
    config = cosign.config_for(layers)
    sig_manifest = cosign.manifest_for(layers, config)
    for data in [manifest, config, sig_manifest, *[x.data for x in layers if x.data]]:
        (blobs / digest_of(data).split(":")[1]).write_bytes(data)
    media = json.loads(manifest)["mediaType"]
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": media,
                "digest": digest,
                "size": len(manifest),
                "annotations": {"org.opencontainers.image.ref.name": "img"},
            },
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest_of(sig_manifest),
                "size": len(sig_manifest),
                "annotations": {"org.opencontainers.image.ref.name": cosign.tag_for(digest, "sig")},
            },
        ],
    }
    (root / "index.json").write_text(json.dumps(index))
    (root / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    return f"oci:{root}:img"


def test_cli_verifies_cosign_fixtures_through_the_stored_path(
    ci: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fx = ci / "fixtures"
    manifest = (fx / "dir-img-cosign-valid" / "manifest.json").read_bytes()
    layers = [
        signature_layer(fx / "dir-img-cosign-valid" / "signature-1"),
        signature_layer(fx / "dir-img-cosign-valid-2" / "signature-2"),
        signature_layer(fx / "dir-img-cosign-other-attachment" / "signature-1"),
    ]
    ref = _layout_with_signature(tmp_path / "keyed", manifest, layers)
    code = main(["verify", ref, "--key", str(fx / "cosign.pub"), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [s["verified"] for s in doc["signatures"]] == [True, True, False]
    keyless_dir = fx / "dir-img-cosign-fulcio-rekor-valid"
    ref2 = _layout_with_signature(
        tmp_path / "keyless",
        (keyless_dir / "manifest.json").read_bytes(),
        [signature_layer(keyless_dir / "signature-1")],
    )
    root = ci.parent.parent / "sigstore-bundles/sigstore-python/prod/trusted_root.json"
    argv = ["verify", ref2, "--trusted-root", str(root)]
    assert (
        main(
            [
                *argv,
                "--certificate-identity",
                "mitr@redhat.com",
                "--certificate-oidc-issuer",
                "https://github.com/login/oauth",
            ]
        )
        == 0
    )
    assert "ok:" in capsys.readouterr().out
    assert (
        main(
            [
                *argv,
                "--certificate-identity",
                "eve@example.com",
                "--certificate-oidc-issuer",
                "https://github.com/login/oauth",
            ]
        )
        == 1
    )
    assert "is not eve@example.com" in capsys.readouterr().out
    assert main(argv) == 2
    assert "needs --certificate-identity" in capsys.readouterr().err


def test_scan_policy_with_keyless_identities(ci: Path, tmp_path: Path) -> None:
    from hullcheck.provenance.policy import parse_policy
    from hullcheck.provenance.scancheck import check_provenance
    from hullcheck.sources.registry.options import RegistryOptions

    keyless_dir = ci / "fixtures" / "dir-img-cosign-fulcio-rekor-valid"
    ref = _layout_with_signature(
        tmp_path / "img",
        (keyless_dir / "manifest.json").read_bytes(),
        [signature_layer(keyless_dir / "signature-1")],
    )
    root = ci.parent.parent / "sigstore-bundles/sigstore-python/prod/trusted_root.json"

    def rules(subject: str) -> list[str]:
        section = {
            "require-signature": True,
            "trusted-root": str(root),
            "identities": [
                {"issuer": "https://accounts.google.com", "subject": "nobody@example.com"},
                {"issuer": "https://github.com/login/oauth", "subject": subject},
            ],
        }
        result = check_provenance(
            ref, parse_policy(section, str(tmp_path / "p.yaml")), RegistryOptions()
        )
        assert not result.diagnostics
        return [f.rule for f in result.findings]

    assert rules("mitr@redhat.com") == []
    assert rules("eve@example.com") == ["HC8411"]
