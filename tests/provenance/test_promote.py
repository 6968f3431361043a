"""promote on real registries: gated by signature and scan policy, every platform copied,
mounts within a registry, streams across, tag last, the copy signed and attested."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest

from hullcheck.errors import ImageError
from hullcheck.provenance.promote import copy_image
from hullcheck.provenance.target import open_target
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.provenance.conftest import KeyPair, Pushed, skopeo_push
from tests.provenance.test_sign_verify_registry import run
from tests.sources.test_registry_integration import start_registry

pytestmark = [pytest.mark.registry]


@pytest.fixture
def lenient(tmp_path: Path) -> Path:
    cfg = tmp_path / "policy.yaml"
    cfg.write_text("fail-on: critical\n")
    return cfg


def promote(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run(capsys, "promote", *argv, "--no-vulns")


def test_promote_index_within_one_registry(  # noqa: PLR0917
    pushed: Pushed,
    keypair: KeyPair,
    other_keypair: KeyPair,
    lenient: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.multi, f"{host}/incoming/multi:1", all_=True)
    src, dst = f"{host}/incoming/multi:1", f"{host}/trusted/multi:1"
    common = [
        "--key",
        str(keypair.public),
        "--sign-key",
        str(other_keypair.private),
        "--config",
        str(lenient),
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    code, _, err = promote(capsys, src, dst, *common)
    assert code == 1 and "refusing to promote" in err and "no signatures" in err
    assert httpx.get(f"http://{host}/v2/trusted/multi/tags/list", timeout=5).status_code == 404
    assert run(capsys, "sign", src, "--key", str(keypair.private))[0] == 0
    code, out, err = promote(capsys, src, dst, "--fail-on", "low", *common[:-2])
    assert code == 1 and "fails the scan policy" in err
    code, out, err = promote(capsys, src, dst, *common)
    assert code == 0, err
    digest = pushed.multi.index_digest
    assert out.strip() == digest
    assert "blobs mounted" in err and " 0 copied" in err
    # the copy: same index digest, every platform there, signed by the promoter, attested
    with open_target(dst, RegistryOptions()) as copy:
        assert copy.digest == digest
        index = json.loads(copy.subject.body)
        for entry in index["manifests"]:
            assert copy.store.manifest(entry["digest"]) is not None
    code, out, _ = run(capsys, "verify", dst, "--key", str(other_keypair.public))
    assert code == 0 and "ok:" in out
    code, out, _ = run(
        capsys,
        "verify-attestation",
        dst,
        "--key",
        str(other_keypair.public),
        "--type",
        "scan",
        "--format",
        "json",
    )
    assert code == 0
    [att] = json.loads(out)["attestations"]
    assert att["verified"] and att["subjects"] == [digest]


def test_promote_across_registries_streams_blobs(  # noqa: PLR0917
    request: pytest.FixtureRequest,
    pushed: Pushed,
    shared_dir: Path,
    keypair: KeyPair,
    lenient: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = start_registry(request, shared_dir, tmp_path / "reg2")
    src = f"{pushed.registry.host}/app/single:1"
    assert run(capsys, "sign", src, "--key", str(keypair.private))[0] == 0
    code, _, err = promote(
        capsys,
        src,
        f"{other.host}/prod/single:v1",
        "--key",
        str(keypair.public),
        "--sign-key",
        str(keypair.private),
        "--config",
        str(lenient),
        "--cache-dir",
        str(tmp_path / "c"),
    )
    assert code == 0, err
    assert " 0 blobs mounted, 2 copied" in err
    assert (
        run(capsys, "verify", f"{other.host}/prod/single:v1", "--key", str(keypair.public))[0] == 0
    )


def test_interrupted_copy_leaves_no_tag(pushed: Pushed, tmp_path: Path) -> None:
    img = make_image(tmp_path / "img", [Layer([File("a", b"1")]), Layer([File("b", b"2")])])
    layout = tmp_path / "broken"
    shutil.copytree(img.path, layout)
    (layout / "blobs" / "sha256" / img.layer_digests[1].split(":")[1]).unlink()
    dest = RegistryWriter(parse_reference(f"{pushed.registry.host}/partial/app"), RegistryOptions())
    try:
        with (
            open_target(f"oci:{layout}:latest", RegistryOptions()) as source,
            pytest.raises(ImageError),
        ):
            copy_image(source, dest, "1")
        assert dest.manifest("1") is None
        assert dest.manifest(img.manifest_digest) is None
        assert dest.has_blob(img.layer_digests[0])  # what was copied before the failure
    finally:
        dest.close()
