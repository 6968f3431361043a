"""Hostile containers around the image: layout directories and outer archives."""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from hullcheck.errors import HullcheckError, ImageError
from hullcheck.sources.api import open_image
from hullcheck.sources.limits import Limits
from hullcheck.sources.open import SourceOptions
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.sources.helpers import read


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> None:
    with tarfile.open(path, "w") as tf:
        for info in members:
            payload = data.get(info.name) if info.isfile() else None
            if payload is not None:
                info.size = len(payload)
            tf.addfile(info, io.BytesIO(payload) if payload is not None else None)


def test_fifo_and_device_in_layout_are_refused(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])])
    blob = img.path / "blobs" / "sha256" / img.layer_digests[0][7:]
    blob.unlink()
    os.mkfifo(blob)
    result = read(img.reference)  # must not hang on the FIFO
    assert "missing" in result.errors[0].message
    index = img.path / "index.json"
    index.unlink()
    index.symlink_to("/dev/zero")
    with pytest.raises(HullcheckError, match="not an OCI layout"):
        open_image(img.reference)


def test_archive_links_cannot_leave_the_archive(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], form="oci-archive")
    with tarfile.open(img.path) as tf:
        members = {m.name: tf.extractfile(m).read() for m in tf.getmembers() if m.isfile()}  # type: ignore[union-attr]
    layer_name = f"blobs/sha256/{img.layer_digests[0][7:]}"
    infos = []
    for name in members:
        if name == layer_name:
            link = tarfile.TarInfo(name)
            link.type = tarfile.SYMTYPE
            link.linkname = "../../../../etc/passwd"
            infos.append(link)
        else:
            infos.append(tarfile.TarInfo(name))
    evil = tmp_path / "evil.tar"
    _tar(evil, infos, members)
    result = read(f"oci-archive:{evil}:latest")
    assert "missing" in result.errors[0].message


def test_outer_archive_member_limit_and_garbage(tmp_path: Path) -> None:
    infos = [tarfile.TarInfo(f"junk/{i}") for i in range(50)]
    many = tmp_path / "many.tar"
    _tar(many, infos, {i.name: b"" for i in infos})
    with pytest.raises(ImageError, match=r"more than 20 members"):
        open_image(str(many), options=SourceOptions(limits=Limits(max_archive_members=20)))
    with pytest.raises(ImageError, match=r"neither manifest\.json nor index\.json"):
        open_image(str(many))
    garbage = tmp_path / "garbage.tar"
    garbage.write_bytes(os.urandom(4096))
    with pytest.raises(ImageError, match="corrupt tar header"):
        open_image(str(garbage))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(
        make_image(
            tmp_path / "d", [Layer([File("f", b"1" * 5000)])], form="docker-archive"
        ).path.read_bytes()[:3000]
    )
    with pytest.raises(ImageError):
        open_image(str(truncated))


def test_docker_archive_manifest_json_hostile(tmp_path: Path) -> None:
    for manifest, expected in (
        (b"{}", "not a JSON list"),
        (b"[]", "lists no images"),
        (json.dumps([{"Config": "../../etc/passwd", "Layers": []}]).encode(), "missing"),
        (json.dumps([{"Config": 1, "Layers": []}]).encode(), "lacks Config"),
        (
            json.dumps([{"Config": "c.json", "RepoTags": ["a:1"], "Layers": []}] * 2).encode(),
            r"holds 2 images; name one .*tags: a:1, a:1",
        ),
    ):
        img = make_image(
            tmp_path / f"d{len(manifest)}",
            [Layer([File("f", b"1")])],
            form="docker-archive",
            manifest_bytes=manifest,
        )
        with pytest.raises(ImageError, match=expected):
            open_image(img.reference)
