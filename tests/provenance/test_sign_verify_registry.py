"""sign / verify round trips on a real registry and an OCI layout, and the tamper cases."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import httpx
import pytest

from hullcheck.cli.main import main
from hullcheck.provenance import cosign, simplesigning
from hullcheck.provenance.keys import load_private_key
from hullcheck.provenance.signatures import sign
from hullcheck.sources.mediatypes import OCI_MANIFEST
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter
from tests.provenance.conftest import KeyPair, Pushed, skopeo_push

pytestmark = [pytest.mark.registry]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def sig_manifest(host: str, repo: str, digest: str) -> dict[str, object]:
    tag = cosign.tag_for(digest, "sig")
    resp = httpx.get(
        f"http://{host}/v2/{repo}/manifests/{tag}",
        headers={"Accept": OCI_MANIFEST},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_sign_then_verify_on_registry(
    pushed: Pushed, keypair: KeyPair, other_keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    ref = f"{host}/app/single:1"
    code, out, err = run(capsys, "verify", ref, "--key", str(keypair.public))
    assert code == 1 and "has no signatures" in err
    code, out, err = run(capsys, "sign", ref, "--key", str(keypair.private))
    assert code == 0, err
    digest = pushed.single.manifest_digest
    assert out.strip() == digest
    code, out, err = run(capsys, "verify", ref, "--key", str(keypair.public))
    assert code == 0, (out, err)
    assert f"ok: {digest} signed by {keypair.public}" in out
    # stored exactly as cosign stores it
    doc = sig_manifest(host, "app/single", digest)
    [layer] = doc["layers"]  # type: ignore[misc]
    assert layer["mediaType"] == "application/vnd.dev.cosign.simplesigning.v1+json"
    assert base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
    payload = httpx.get(f"http://{host}/v2/app/single/blobs/{layer['digest']}", timeout=10)
    parsed = simplesigning.parse(payload.content)
    assert parsed.manifest_digest == digest and parsed.docker_reference == f"{host}/app/single"
    # a second signature (another key) is appended, not replacing the first
    code, _, err = run(capsys, "sign", ref, "--key", str(other_keypair.private))
    assert code == 0, err
    assert len(sig_manifest(host, "app/single", digest)["layers"]) == 2  # type: ignore[arg-type]
    code, out, _ = run(
        capsys,
        "verify",
        ref,
        "--key",
        str(keypair.public),
        "--key",
        str(other_keypair.public),
        "--format",
        "json",
    )
    report = json.loads(out)
    assert code == 0 and [s["verified"] for s in report["signatures"]] == [True, True]
    # by digest too
    code, out, _ = run(
        capsys, "verify", f"{host}/app/single@{digest}", "--key", str(keypair.public)
    )
    assert code == 0


def test_signature_by_another_key_fails(
    pushed: Pushed, keypair: KeyPair, other_keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = f"{pushed.registry.host}/app/other:1"
    assert run(capsys, "sign", ref, "--key", str(other_keypair.private))[0] == 0
    code, out, err = run(capsys, "verify", ref, "--key", str(keypair.public))
    assert code == 1
    assert "does not verify with any given key" in out
    assert "no valid signature" in err


def _writer(pushed: Pushed, repo: str) -> RegistryWriter:
    return RegistryWriter(parse_reference(f"{pushed.registry.host}/{repo}"), RegistryOptions())


def _put_sig(pushed: Pushed, repo: str, digest: str, layers: list[cosign.Layer]) -> None:
    w = _writer(pushed, repo)
    try:
        for layer in layers:
            assert layer.data is not None
            w.put_blob(layer.data)
        config = cosign.config_for(layers)
        w.put_blob(config)
        w.put_manifest(
            cosign.manifest_for(layers, config), OCI_MANIFEST, cosign.tag_for(digest, "sig")
        )
    finally:
        w.close()


def _signed_layer(keypair: KeyPair, payload: bytes) -> cosign.Layer:
    key = load_private_key(keypair.private, b"pw")
    sig = base64.b64encode(sign(key, payload)).decode()
    return cosign.Layer.of(cosign.SIMPLESIGNING, payload, {cosign.SIGNATURE_ANNOTATION: sig})


def test_signature_copied_to_another_image_fails(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    single, other = pushed.single.manifest_digest, pushed.other.manifest_digest
    # a valid signature of app/single, copied under app/other's .sig tag
    layer = _signed_layer(keypair, simplesigning.make(f"{host}/app/single", single, None))
    _put_sig(pushed, "app/other", other, [layer])
    code, out, _ = run(capsys, "verify", f"{host}/app/other:1", "--key", str(keypair.public))
    assert code == 1
    assert f"the signature is for {single}, not this image's {other}" in out


def test_payload_for_another_digest_fails(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    multi = pushed.multi.index_digest
    assert multi is not None
    wrong = "sha256:" + "ab" * 32
    layer = _signed_layer(keypair, simplesigning.make(f"{host}/app/multi", wrong, None))
    _put_sig(pushed, "app/multi", multi, [layer])
    code, out, _ = run(capsys, "verify", f"{host}/app/multi:1", "--key", str(keypair.public))
    assert code == 1 and f"the signature is for {wrong}" in out


def test_changed_payload_fails(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/app/changed:1")
    digest = pushed.single.manifest_digest
    good = _signed_layer(keypair, simplesigning.make(f"{host}/app/changed", digest, None))
    assert good.data is not None
    changed = good.data.replace(b"app/changed", b"app/chang3d")
    bad = cosign.Layer.of(good.media_type, changed, good.annotations)
    _put_sig(pushed, "app/changed", digest, [bad])
    code, out, _ = run(capsys, "verify", f"{host}/app/changed:1", "--key", str(keypair.public))
    assert code == 1 and "the payload was changed" in out


def test_retagged_image_is_not_covered(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/app/retag:stable")
    assert run(capsys, "sign", f"{host}/app/retag:stable", "--key", str(keypair.private))[0] == 0
    assert run(capsys, "verify", f"{host}/app/retag:stable", "--key", str(keypair.public))[0] == 0
    skopeo_push(pushed.other, f"{host}/app/retag:stable")  # the tag now names another image
    code, _, err = run(capsys, "verify", f"{host}/app/retag:stable", "--key", str(keypair.public))
    assert code == 1
    assert pushed.other.manifest_digest in err and "has no signatures" in err


def test_sign_and_verify_an_index(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.multi, f"{host}/app/multi2:1", all_=True)
    code, out, err = run(capsys, "sign", f"{host}/app/multi2:1", "--key", str(keypair.private))
    assert code == 0, err
    assert out.strip() == pushed.multi.index_digest
    assert run(capsys, "verify", f"{host}/app/multi2:1", "--key", str(keypair.public))[0] == 0


def test_oci_layout_round_trip(
    pushed: Pushed, keypair: KeyPair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = tmp_path / "layout"
    shutil.copytree(pushed.single.path, layout)
    code, out, err = run(capsys, "sign", f"oci:{layout}:latest", "--key", str(keypair.private))
    assert code == 0, err
    index = json.loads((layout / "index.json").read_text())
    tags = [m["annotations"]["org.opencontainers.image.ref.name"] for m in index["manifests"]]
    assert tags == ["latest", cosign.tag_for(pushed.single.manifest_digest, "sig")]
    code, out, _ = run(capsys, "verify", f"oci:{layout}:latest", "--key", str(keypair.public))
    assert code == 0 and "ok:" in out
    assert not list(layout.rglob(".partial-*"))


def test_errors_are_one_line(
    pushed: Pushed, keypair: KeyPair, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    code, _, err = run(capsys, "verify", f"{host}/app/nope:1", "--key", str(keypair.public))
    assert code == 2 and "no such image" in err and "Traceback" not in err
    code, _, err = run(capsys, "verify", f"{host}/app/single:1", "--key", str(keypair.private))
    assert code == 2 and "is a private key" in err
    code, _, err = run(capsys, "verify", f"{host}/app/single:1", "--key", "/nonexistent.pub")
    assert code == 2 and "cannot read" in err
