"""cosign's own signatures (containers/image fixtures), verified unchanged by check_layer.

check_layer is the function ``hullcheck verify`` runs on every ``.sig`` layer, and the one
``hullcheck sign`` runs on its own signature before storing it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.provenance.imagesig import check_layer
from hullcheck.provenance.keys import load_public_keys
from hullcheck.sources.digest import digest_of
from tests.provenance.helpers import signature_layer

FIX = "provenance/cosign-simplesigning/containers-image/fixtures"


@pytest.fixture(scope="module")
def fix(shared_dir: Path) -> Path:
    return shared_dir / FIX


def _digest(path: Path) -> str:
    return digest_of(path.read_bytes())


@pytest.mark.parametrize(
    ("sig", "manifest", "pub", "reference"),
    [
        (
            "dir-img-cosign-valid/signature-1",
            "dir-img-cosign-valid",
            "cosign.pub",
            "192.168.64.2:5000/cosign-signed-single-sample",
        ),
        (
            "dir-img-cosign-valid-with-tag/signature-1",
            "dir-img-cosign-valid-with-tag",
            "cosign.pub",
            "192.168.64.2:5000/skopeo-signed:tag",
        ),
        (
            "dir-img-cosign-valid-2/signature-2",
            "dir-img-cosign-valid",
            "cosign.pub",
            "192.168.64.2:5000/cosign-signed-single-sample",
        ),
        (
            "dir-img-cosign-key-rekor-valid/signature-1",
            "dir-img-cosign-key-rekor-valid",
            "cosign2.pub",
            "192.168.64.2:5000/cosign-signed/key-1",
        ),
    ],
)
def test_cosign_signatures_verify(
    fix: Path, sig: str, manifest: str, pub: str, reference: str
) -> None:
    digest = _digest(fix / manifest / "manifest.json")
    check = check_layer(signature_layer(fix / sig), digest, load_public_keys(fix / pub))
    assert check.ok, check.reason
    assert check.docker_reference == reference
    assert check.signed_digest == digest
    assert check.signer == str(fix / pub)


def test_optional_section_is_read(fix: Path) -> None:
    digest = _digest(fix / "dir-img-cosign-valid-with-tag" / "manifest.json")
    layer = signature_layer(fix / "dir-img-cosign-valid-with-tag" / "signature-1")
    check = check_layer(layer, digest, load_public_keys(fix / "cosign.pub"))
    assert check.optional == {"creator": "containers/image 5.21.2-dev", "timestamp": 1657296609}


def test_several_keys_any_may_sign(fix: Path) -> None:
    keys = load_public_keys(fix / "cosign.pub") + load_public_keys(fix / "cosign2.pub")
    for sig, manifest in [
        ("dir-img-cosign-valid/signature-1", "dir-img-cosign-valid"),
        ("dir-img-cosign-key-rekor-valid/signature-1", "dir-img-cosign-key-rekor-valid"),
    ]:
        check = check_layer(
            signature_layer(fix / sig), _digest(fix / manifest / "manifest.json"), keys
        )
        assert check.ok, check.reason


def test_wrong_key_fails(fix: Path) -> None:
    digest = _digest(fix / "dir-img-cosign-key-rekor-valid" / "manifest.json")
    layer = signature_layer(fix / "dir-img-cosign-key-rekor-valid" / "signature-1")
    check = check_layer(layer, digest, load_public_keys(fix / "cosign.pub"))
    assert not check.ok and "does not verify with any given key" in check.reason


def test_unknown_key_fails_with_both_keys(fix: Path) -> None:
    keys = load_public_keys(fix / "cosign.pub") + load_public_keys(fix / "cosign2.pub")
    digest = _digest(fix / "dir-img-cosign-valid" / "manifest.json")
    check = check_layer(signature_layer(fix / "unknown-cosign-key.signature"), digest, keys)
    assert not check.ok and "another key" in check.reason


def test_modified_manifest_is_rejected(fix: Path) -> None:
    digest = _digest(fix / "dir-img-cosign-modified-manifest" / "manifest.json")
    layer = signature_layer(fix / "dir-img-cosign-valid" / "signature-1")
    check = check_layer(layer, digest, load_public_keys(fix / "cosign.pub"))
    assert not check.ok
    assert "the signature is for sha256:634a8f35" in check.reason
    assert digest in check.reason


def test_other_attachment_is_not_a_signature(fix: Path) -> None:
    digest = _digest(fix / "dir-img-cosign-valid" / "manifest.json")
    layer = signature_layer(fix / "dir-img-cosign-other-attachment" / "signature-1")
    check = check_layer(layer, digest, load_public_keys(fix / "cosign.pub"))
    assert not check.ok and "not a signature layer" in check.reason


def test_changed_payload_fails(fix: Path) -> None:
    from hullcheck.provenance import cosign

    layer = signature_layer(fix / "dir-img-cosign-valid" / "signature-1")
    assert layer.data is not None
    changed = layer.data.replace(b"single-sample", b"single-sampl3")
    tampered = cosign.Layer.of(layer.media_type, changed, layer.annotations)
    digest = _digest(fix / "dir-img-cosign-valid" / "manifest.json")
    check = check_layer(tampered, digest, load_public_keys(fix / "cosign.pub"))
    assert not check.ok and "payload was changed" in check.reason
