"""Mutated image containers: OCI index.json/manifests/configs, docker-archive manifest.json,
outer tars, and layer blobs (tar, gzip, zstd).  Each either reads or fails with one
``HullcheckError`` line, quickly and in bounded memory."""

from __future__ import annotations

import hashlib
import io
import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.sources.api import open_image
from hullcheck.sources.jsondoc import parse_json_object
from hullcheck.sources.layerstream import LayerReader
from hullcheck.sources.limits import Deadline, Limits, MiB
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.tarstream import TarStream
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import (
    Dir,
    File,
    Hardlink,
    Layer,
    Opaque,
    Symlink,
    Whiteout,
    build_tar,
    canonical,
    compress,
    make_image,
)

from .mutations import bounded, examples, mutated

KINDS = frozenset({"file", "dir", "symlink", "hardlink", "char", "block", "fifo"})
LIMITS = Limits(timeout=20)
MEMBERS = [
    Dir("etc"),
    File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
    File("var/lib/dpkg/status", b"Package: a\nStatus: install ok installed\nVersion: 1\n\n"),
    Symlink("etc/alt", "os-release"),
    Hardlink("etc/hard", "etc/os-release"),
    File("x" * 150, b"long name through PAX"),
    File("usr/bin/tool", b"\x7fELF" + bytes(60), mode=0o755),
    Whiteout("tmp/gone"),
    Opaque("opt"),
]
TAR = build_tar(MEMBERS)
_counter = itertools.count()


def _fresh(root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=root, prefix=f"ex{next(_counter)}-"))


def _read(reference: str) -> object:
    """Open, resolve and walk ``reference`` with a subscription that takes everything."""
    seen: list[tuple[str, int]] = []
    sub = Subscription(
        "all",
        lambda ref, data: seen.append((ref.path, len(data or b""))),
        all_entries=True,
        kinds=KINDS,
        max_size=MiB,
    )
    options = SourceOptions(limits=LIMITS)
    with open_image(reference, options=options) as handle:
        result = handle.walk([sub])
    for err in result.errors:
        assert "\n" not in err.message
    return result


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    img = make_image(tmp_path_factory.mktemp("seed") / "i", [Layer(MEMBERS)])
    return {
        "index": (img.path / "index.json").read_bytes(),
        "manifest": img.blobs[img.manifest_digest],
        "config": img.blobs[img.config_digest],
    }


@given(data=st.data())
def test_parse_json_object_never_escapes(data: st.DataObject) -> None:
    doc = canonical({"a": [1, {"b": "c"}], "schemaVersion": 2, "n": 10**30, "s": "\u00e9"})
    raw = data.draw(mutated(doc))
    bounded(lambda: parse_json_object(raw, "doc", 4 * MiB, 64), seconds=2)


@pytest.mark.parametrize("which", ["index", "manifest", "config"])
@given(data=st.data())
@examples(30)
def test_mutated_oci_documents(
    which: str, data: st.DataObject, seed: dict[str, bytes], tmp_path: Path
) -> None:
    raw = data.draw(mutated(seed[which]))
    kw = {f"{which}_bytes": raw}
    img = make_image(_fresh(tmp_path) / "i", [Layer(MEMBERS)], **kw)  # type: ignore[arg-type]
    # index.json mutations may drop the tag: read the layout without one as well
    ref = img.reference if which != "index" else f"oci:{img.path}"
    bounded(lambda: _read(ref), seconds=10, peak_bytes=64 * MiB)


@given(data=st.data())
@examples(30)
def test_mutated_docker_archive_manifest(data: st.DataObject, tmp_path: Path) -> None:
    manifest = canonical([{"Config": "c.json", "RepoTags": ["a:b"], "Layers": ["l.tar"]}])
    raw = data.draw(mutated(manifest))
    img = make_image(
        _fresh(tmp_path) / "i.tar", [Layer(MEMBERS)], form="docker-archive", manifest_bytes=raw
    )
    bounded(lambda: _read(img.reference), seconds=10, peak_bytes=64 * MiB)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    img = make_image(
        tmp_path_factory.mktemp("arch") / "a.tar", [Layer(MEMBERS)], form="docker-archive"
    )
    return img.path.read_bytes()


@given(data=st.data())
@examples(40)
def test_mutated_outer_archive(data: st.DataObject, archive: bytes, tmp_path: Path) -> None:
    raw = data.draw(mutated(archive, max_mutations=4))
    path = _fresh(tmp_path) / "a.tar"
    path.write_bytes(raw)
    bounded(lambda: _read(f"docker-archive:{path}"), seconds=10, peak_bytes=64 * MiB)


def _drain(stored: bytes) -> object:
    """Read a stored layer blob as the walker does: inflate, parse tar, read content, verify."""
    digest = "sha256:" + hashlib.sha256(stored).hexdigest()
    reader = LayerReader(
        io.BytesIO(stored), digest, len(stored), limits=LIMITS, deadline=Deadline(10)
    )
    names = []
    tar = TarStream(reader.read, LIMITS)
    for entry in tar:
        names.append(entry.name)
        tar.read_content(MiB)
    reader.finish()
    return names


@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
@given(data=st.data())
@examples(40)
def test_mutated_layer_blob(how: str, data: st.DataObject) -> None:
    stored = data.draw(mutated(compress(TAR, how), max_mutations=4))
    bounded(lambda: _drain(stored), seconds=5, peak_bytes=48 * MiB)


@pytest.mark.parametrize("how", ["gzip", "zstd"])
@given(data=st.data())
@examples(40)
def test_mutated_tar_inside_valid_compression(how: str, data: st.DataObject) -> None:
    tar = data.draw(mutated(TAR, max_mutations=4))
    stored = compress(tar, how)
    bounded(lambda: _drain(stored), seconds=5, peak_bytes=48 * MiB)
