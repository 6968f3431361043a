"""The real test images (scripts/make-test-images.sh): every form reads the same,
and the merged view agrees with umoci's unpacked root filesystem."""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.model import FileRef
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

pytestmark = pytest.mark.images

ARCHIVE_TAGS = ("debian-minbase", "python-npm", "secret-deleted")


@functools.cache
def _read(reference: str, platform: str | None = None) -> tuple[Image, WalkResult]:
    plat = Platform.parse(platform) if platform else None
    with open_image(reference, platform=plat) as handle:
        return handle.image, handle.walk()


def _manifest_txt(test_images: Path) -> dict[str, str]:
    out = {}
    for line in (test_images / "MANIFEST.txt").read_text().splitlines():
        if line.startswith("#") or " " not in line:
            continue
        tag, rest = line.split(" ", 1)
        fields = dict(f.split("=", 1) for f in rest.split() if "=" in f)
        out[tag] = fields.get("manifest") or fields.get("index", "")
    return out


@pytest.mark.parametrize("tag", ARCHIVE_TAGS)
def test_all_forms_agree(test_images: Path, tag: str) -> None:
    refs = [
        f"docker-archive:{test_images}/docker-archive/{tag}.tar",
        f"oci:{test_images}/oci-per-tag/{tag}",
        f"oci:{test_images}/oci:{tag}",
    ]
    results = [_read(r) for r in refs]
    diff_ids = {tuple(img.layers[i].diff_id for i in range(len(img.layers))) for img, _ in results}
    assert len(diff_ids) == 1
    file_lists = [res.view.paths(include_hidden=True) for _, res in results]
    assert file_lists[0] == file_lists[1] == file_lists[2]
    assert all(res.complete for _, res in results), [res.errors for _, res in results]
    oci_img = results[2][0]
    assert oci_img.manifest_digest == _manifest_txt(test_images)[tag]
    assert results[1][0].manifest_digest == oci_img.manifest_digest
    assert results[0][0].config.raw.get("rootfs") == oci_img.config.raw.get("rootfs")


@pytest.mark.parametrize("tag", ["debian-minbase", "secret-deleted"])
def test_merged_view_matches_umoci_unpack(test_images: Path, tmp_path: Path, tag: str) -> None:
    if shutil.which("umoci") is None:
        pytest.skip("umoci not installed")
    bundle = tmp_path / "bundle"
    args = ["umoci", "unpack", "--image", f"{test_images}/oci-per-tag/{tag}:{tag}", str(bundle)]
    if os.geteuid() != 0:
        args.insert(2, "--rootless")
    subprocess.run(args, check=True, capture_output=True)
    rootfs = bundle / "rootfs"
    truth = set()
    kinds = {}
    for dirpath, dirnames, filenames in os.walk(rootfs):
        for name in dirnames + filenames:
            full = Path(dirpath) / name
            rel = "/" + str(full.relative_to(rootfs))
            truth.add(rel)
            kinds[rel] = "symlink" if full.is_symlink() else "dir" if full.is_dir() else "other"
    _, result = _read(f"oci:{test_images}/oci:{tag}")
    ours = set(result.view.paths())
    assert ours == truth, (sorted(ours - truth)[:10], sorted(truth - ours)[:10])
    for info in result.view.walk():
        if info.kind in ("symlink", "dir"):
            assert kinds[info.path] == info.kind, info.path


def test_zstd_variant_reads_like_gzip(test_images: Path) -> None:
    gz_img, gz = _read(f"oci:{test_images}/oci:python-npm")
    zs_img, zs = _read(f"oci:{test_images}/oci-per-tag/python-npm-zstd")
    assert [layer.compression for layer in zs_img.layers] == ["zstd", "zstd"]
    assert [layer.diff_id for layer in zs_img.layers] == [layer.diff_id for layer in gz_img.layers]
    assert zs.view.paths() == gz.view.paths()
    assert [s.uncompressed_size for s in zs.view.stats] == [
        s.uncompressed_size for s in gz.view.stats
    ]


def test_i386_and_multiarch_index(test_images: Path) -> None:
    digests = _manifest_txt(test_images)
    i386, _ = _read(f"oci:{test_images}/oci-per-tag/debian-minbase-i386")
    assert str(i386.platform) == "linux/386"
    picked, res = _read(f"oci:{test_images}/oci:debian-multiarch", "linux/386")
    assert picked.manifest_digest == digests["debian-minbase-i386"]
    assert picked.index_digest == digests["debian-multiarch"]
    amd, _ = _read(f"oci:{test_images}/oci-per-tag/debian-multiarch", "linux/amd64")
    assert amd.manifest_digest == digests["debian-minbase"]
    assert res.view.exists("/usr/lib/i386-linux-gnu") or res.view.exists("/lib/i386-linux-gnu")


def test_secret_deleted_provenance(test_images: Path) -> None:
    seen: list[tuple[int | None, bytes | None]] = []

    def on_key(ref: FileRef, data: bytes | None) -> None:
        seen.append((ref.layer_index, data))

    sub = Subscription("key", on_key, paths=frozenset({"/root/.ssh/id_rsa"}))
    for ref in (
        f"docker-archive:{test_images}/docker-archive/secret-deleted.tar",
        f"oci:{test_images}/oci:secret-deleted",
    ):
        seen.clear()
        with open_image(ref) as handle:
            result = handle.walk([sub])
            layers = handle.image.layers
        key = result.view.get("/root/.ssh/id_rsa")
        assert key is not None
        assert (key.added_by, key.deleted_by, key.hidden) == (1, 2, True)
        assert not result.view.exists("/root/.ssh/id_rsa")
        assert len(seen) == 1 and seen[0][0] == 1
        assert (seen[0][1] or b"").startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
        assert layers[2].created_by == "RUN rm /root/.ssh/id_rsa"
        assert result.view.stats[1].bytes_wasted >= key.size


def test_docker25_archive_of_real_image(test_images: Path, tmp_path: Path) -> None:
    """Docker 25+ `docker save`: an OCI layout plus manifest.json, in one tar."""
    layout = test_images / "oci-per-tag" / "secret-deleted"
    index = json.loads((layout / "index.json").read_bytes())
    entry = index["manifests"][0]
    entry["annotations"] = {
        "io.containerd.image.name": "docker.io/hullcheck/secret-deleted:latest",
        "org.opencontainers.image.ref.name": "latest",
    }
    manifest = json.loads((layout / "blobs/sha256" / entry["digest"][7:]).read_bytes())
    legacy = [
        {
            "Config": "blobs/sha256/" + manifest["config"]["digest"][7:],
            "RepoTags": ["hullcheck/secret-deleted:latest"],
            "Layers": ["blobs/sha256/" + d["digest"][7:] for d in manifest["layers"]],
        }
    ]
    archive = tmp_path / "docker25.tar"
    with tarfile.open(archive, "w") as tf:
        for name, data in (
            ("oci-layout", (layout / "oci-layout").read_bytes()),
            ("index.json", json.dumps(index).encode()),
            ("manifest.json", json.dumps(legacy).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        for blob in sorted((layout / "blobs/sha256").iterdir()):
            tf.add(blob, arcname=f"blobs/sha256/{blob.name}")
    image, result = _read(f"docker-archive:{archive}:hullcheck/secret-deleted")
    oci_image, oci_result = _read(f"oci:{test_images}/oci:secret-deleted")
    assert image.manifest_digest == oci_image.manifest_digest
    assert not image.synthetic_manifest
    assert result.view.paths(include_hidden=True) == oci_result.view.paths(include_hidden=True)


def test_scan_json_target(
    test_images: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ref = f"oci:{test_images}/oci:debian-multiarch"
    code = main(
        [
            "scan",
            ref,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--platform",
            "linux/386",
            "--cache-dir",
            str(tmp_path),
            "--no-vulns",  # this test is about the target; coverage is tests/e2e's
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    target = doc["target"]
    digests = _manifest_txt(test_images)
    assert target["digest"] == digests["debian-minbase-i386"]
    assert target["index_digest"] == digests["debian-multiarch"]
    assert target["platform"] == "linux/386"
    assert target["config"]["cmd"] == ["bash"]
    assert target["created"] == "2025-01-01T00:00:00Z"
    (layer,) = target["layers"]
    assert layer["diff_id"].startswith("sha256:") and layer["empty"] is False
    assert layer["size"] > layer["compressed_size"] > 0
    assert layer["created_by"].startswith("mmdebstrap")
    assert doc["errors"] == []
    assert "HC8001" in {f["rule"] for f in doc["findings"]}  # minbase runs as root
