"""Hostile signature storage: one clear line and exit 2 (or a failed check), never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.provenance import cosign, simplesigning
from hullcheck.sources.digest import digest_of
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.provenance.conftest import write_key


def _layout_with_sig_manifest(
    tmp_path: Path, body: bytes, blobs: dict[str, bytes]
) -> tuple[str, Path]:
    img = make_image(tmp_path / "src", [Layer([File("a", b"1")])])
    root = tmp_path / "img"
    shutil.copytree(img.path, root)
    for data in [body, *blobs.values()]:
        (root / "blobs/sha256" / digest_of(data).split(":")[1]).write_bytes(data)
    index = json.loads((root / "index.json").read_text())
    index["manifests"].append(
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest_of(body),
            "size": len(body),
            "annotations": {
                "org.opencontainers.image.ref.name": cosign.tag_for(img.manifest_digest, "sig")
            },
        }
    )
    (root / "index.json").write_text(json.dumps(index))
    return f"oci:{root}:latest", root


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b'{"layers": "nope"}', "has no layers"),
        (
            json.dumps(
                {"layers": [{"mediaType": "x", "size": -1, "digest": "sha256:00"}]}
            ).encode(),
            "lacks mediaType or size",
        ),
        (
            json.dumps(
                {"layers": [{"mediaType": "x", "size": 1, "digest": "sha256:" + "0" * 64}] * 1001}
            ).encode(),
            "more than 1000 layers",
        ),
    ],
)
def test_broken_sig_manifest_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, message: str
) -> None:
    pair = write_key(tmp_path, "k")
    ref, _ = _layout_with_sig_manifest(tmp_path, body, {})
    code = main(["verify", ref, "--key", str(pair.public)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_missing_or_oversized_payload_fails_that_signature_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = write_key(tmp_path, "k")
    payload = simplesigning.make("x", "sha256:" + "0" * 64, None)
    missing = cosign.Layer(
        cosign.SIMPLESIGNING, "sha256:" + "e" * 64, 10, {cosign.SIGNATURE_ANNOTATION: "AAAA"}
    )
    big = b"{" + b" " * (simplesigning.MAX_PAYLOAD * 64 + 10) + b"}"
    oversized = cosign.Layer.of(cosign.SIMPLESIGNING, big, {cosign.SIGNATURE_ANNOTATION: "AAAA"})
    present = cosign.Layer.of(cosign.SIMPLESIGNING, payload, {cosign.SIGNATURE_ANNOTATION: "AAAA"})
    layers = [missing, oversized, present]
    config = cosign.config_for(layers)
    body = cosign.manifest_for(layers, config)
    ref, _ = _layout_with_sig_manifest(tmp_path, body, {"big": big, "p": payload, "c": config})
    code = main(["verify", ref, "--key", str(pair.public), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    reasons = [s["reason"] for s in doc["signatures"]]
    assert reasons[0] == "the signed payload could not be read"
    assert reasons[1] == "the signed payload could not be read"
    assert "does not verify" in reasons[2]
