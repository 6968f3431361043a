"""``scan --attested-sbom-key``: the SBOM BuildKit attached stands in for cataloguing, only
when the index is signed by the key and the statement is about the scanned manifest."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.cli.main import main
from tests.provenance.conftest import KeyPair

BK = "provenance/buildkit/docker-attest/unsigned-index"
INDEX = "sha256:db8f2a6e112ea6396f57d073269ecfac61e8dcdad3a4a643dcb577522492f898"
AMD64 = "sha256:da8b190665956ea07890a0273e2a9c96bfe291662f08e2860e868eef69c34620"
ARM64 = "sha256:7a76cec943853f9f7105b1976afa1bf7cd5bb6afc4e9d5852dd8da7cf81ae86e"


def _scan(capsys: pytest.CaptureFixture[str], ref: str, key: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    code = main(["scan", ref, "--attested-sbom-key", str(key), "-f", "json", "--fail-on",
                 "none", "--allow-incomplete", "vulnerability-coverage", *extra])  # fmt: skip
    assert code == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture
def signed_index(shared_dir: Path, tmp_path: Path, keypair: KeyPair) -> str:
    """docker buildx's real output (SPDX and SLSA per platform), its index signed by us."""
    layout = tmp_path / "idx"
    shutil.copytree(shared_dir / BK, layout)
    for path in layout.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert main(["sign", f"oci:{layout}@{INDEX}", "--key", str(keypair.private)]) == 0
    return f"oci:{layout}:{INDEX}"


def test_signed_buildkit_sbom_is_the_package_source(
    signed_index: str, keypair: KeyPair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    for platform, manifest in (("linux/amd64", AMD64), ("linux/arm64", ARM64)):
        out = _scan(capsys, signed_index, keypair.public, "--platform", platform,
                    "--cache-dir", str(tmp_path / "c"))  # fmt: skip
        source = out["summary"]["packages_source"]
        assert source["source"] == "buildkit-sbom-attestation"
        assert source["index"] == INDEX and source["manifest"] == manifest
        assert out["target"]["digest"] == manifest
        assert source["signed_by"] == str(keypair.public)
        assert "Tool: syft-v0.105.0" in source["creators"]
        assert "Tool: buildkit-v0.12.4" in source["creators"]
        assert "not catalogued" in out["summary"]["packages_from"]
        assert not [d for d in out["diagnostics"] if d["kind"] == "sbom-attestation"]
    # the table says where the packages came from
    assert main(["scan", signed_index, "--attested-sbom-key", str(keypair.public),
                 "--platform", "linux/amd64", "--fail-on", "none", "--allow-incomplete",
                 "vulnerability-coverage", "--color", "never"]) == 0  # fmt: skip
    assert "Packages from  SBOM attested by BuildKit (sha256:" in capsys.readouterr().out


def test_other_key_or_unsigned_means_catalogued_and_said(
    signed_index: str,
    shared_dir: Path,
    other_keypair: KeyPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    out = _scan(capsys, signed_index, other_keypair.public, "--platform", "linux/amd64")
    assert "packages_source" not in out["summary"]
    (warn,) = [d for d in out["diagnostics"] if d["kind"] == "sbom-attestation"]
    assert "not signed by a given key" in warn["message"]
    assert "the image was catalogued" in warn["message"]
    unsigned = f"oci:{shared_dir / BK}"
    out = _scan(capsys, unsigned, other_keypair.public, "--platform", "linux/amd64",
                "--cache-dir", str(tmp_path / "c"))  # fmt: skip
    assert "packages_source" not in out["summary"]
    (warn,) = [d for d in out["diagnostics"] if d["kind"] == "sbom-attestation"]
    assert "no signature" in warn["message"] or "has no signatures" in warn["message"]


def _blob(layout: Path, data: bytes) -> dict[str, object]:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


@pytest.mark.images
def test_attested_packages_replace_the_catalogue(
    test_images: Path,
    tmp_path: Path,
    keypair: KeyPair,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """python-npm with an attestation manifest laid out as BuildKit lays it out, whose SPDX
    document (hullcheck's own SBOM of the image) leaves the npm packages out: the report
    has exactly the attested packages, and their vulnerabilities, not the catalogue's."""
    src = test_images / "oci"
    layout = tmp_path / "app"
    (layout / "blobs" / "sha256").mkdir(parents=True)
    (layout / "oci-layout").write_bytes((src / "oci-layout").read_bytes())
    entries = json.loads((src / "index.json").read_text())["manifests"]
    ref_name = "org.opencontainers.image.ref.name"
    entry = next(e for e in entries if e["annotations"][ref_name] == "python-npm")
    manifest = json.loads((src / "blobs/sha256" / entry["digest"][7:]).read_text())
    for desc in (entry, manifest["config"], *manifest["layers"]):
        name = desc["digest"][7:]
        os.link(src / "blobs/sha256" / name, layout / "blobs/sha256" / name)
    assert main(["sbom", f"oci:{src}:python-npm", "-f", "spdx-json", "-o",
                 str(tmp_path / "spdx.json")]) == 0  # fmt: skip
    spdx = json.loads((tmp_path / "spdx.json").read_text())
    everything = len(spdx["packages"])
    spdx["packages"] = [p for p in spdx["packages"] if "pkg:npm/" not in json.dumps(p)]
    assert 0 < len(spdx["packages"]) < everything
    statement = {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://spdx.dev/Document",
        "subject": [{"name": "pkg:docker/app@1", "digest": {"sha256": entry["digest"][7:]}}],
        "predicate": spdx,
    }
    layer = {"mediaType": "application/vnd.in-toto+json",
             **_blob(layout, json.dumps(statement).encode()),
             "annotations": {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}  # fmt: skip
    config = {"mediaType": "application/vnd.oci.image.config.v1+json", **_blob(layout, b"{}")}
    att = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
           "config": config, "layers": [layer]}  # fmt: skip
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [
                 {"mediaType": entry["mediaType"], "digest": entry["digest"],
                  "size": entry["size"], "platform": {"os": "linux", "architecture": "amd64"}},
                 {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                  **_blob(layout, json.dumps(att).encode()),
                  "platform": {"os": "unknown", "architecture": "unknown"},
                  "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                                  "vnd.docker.reference.digest": entry["digest"]}},
             ]}  # fmt: skip
    idx = _blob(layout, json.dumps(index).encode())
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", **idx,
         "annotations": {"org.opencontainers.image.ref.name": "app"}}]}))  # fmt: skip
    ref = f"oci:{layout}:{idx['digest']}"
    assert main(["sign", f"oci:{layout}@{idx['digest']}", "--key", str(keypair.private)]) == 0
    capsys.readouterr()
    out = _scan(capsys, ref, keypair.public, "--platform", "linux/amd64")
    assert out["summary"]["packages_source"]["manifest"] == entry["digest"]
    names = {p["name"] for p in out["packages"]}
    attested = parse_sbom(json.dumps(spdx).encode()).packages
    assert len(out["packages"]) == len(attested) == 136  # the catalogue finds 140
    assert "lodash" not in names and "requests" in names and "bash" in names
    vulns = {f["package"]["name"] for f in out["findings"] if f["practice"] == "vulnerabilities"}
    assert {"jinja2", "requests"} <= vulns
