"""Mutations of files taken from the real test images (a real Debian dpkg status, real
Python METADATA and npm package.json, real OCI index/manifest/config documents): the
same standard as the synthetic seeds, on inputs real tools wrote."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.errors import HullcheckError
from hullcheck.model import FileRef
from hullcheck.sources.api import open_image
from hullcheck.sources.limits import MiB
from hullcheck.sources.walker import Subscription

from .mutations import bounded, examples, mutated
from .test_fuzz_catalog import _catalog

pytestmark = pytest.mark.images
_counter = itertools.count()


@pytest.fixture(scope="module")
def real(test_images: Path) -> dict[str, tuple[str, bytes]]:
    """path -> (image path, bytes) of one file of each kind from python-npm."""
    layout = test_images / "oci-per-tag" / "python-npm"
    found: dict[str, tuple[str, bytes]] = {}

    def keep(kind: str) -> object:
        def on_file(ref: FileRef, data: bytes | None) -> None:
            if data and kind not in found and len(data) >= ref.size:
                found[kind] = (ref.path, data)

        return on_file

    subs = [
        Subscription(
            "dpkg", keep("dpkg"), paths=frozenset({"/var/lib/dpkg/status"}), max_size=8 * MiB
        ),  # type: ignore[arg-type]
        Subscription("python", keep("python"), globs=("**/*.dist-info/METADATA",)),  # type: ignore[arg-type]
        Subscription("npm", keep("npm"), globs=("**/node_modules/*/package.json",)),  # type: ignore[arg-type]
    ]
    with open_image(f"oci:{layout}") as handle:
        handle.walk(subs)
        blobs = layout / "blobs" / "sha256"
        found["manifest"] = ("", (blobs / handle.image.manifest_digest[7:]).read_bytes())
        found["config"] = ("", (blobs / handle.image.config_digest[7:]).read_bytes())
    found["index"] = ("", (layout / "index.json").read_bytes())
    assert {"dpkg", "python", "npm"} <= set(found), sorted(found)
    return found


@pytest.mark.parametrize("kind", ["dpkg", "python", "npm"])
@given(data=st.data())
@examples(25)
def test_mutated_real_package_files(
    kind: str, data: st.DataObject, real: dict[str, tuple[str, bytes]]
) -> None:
    path, seed = real[kind]
    raw = data.draw(mutated(seed, max_mutations=4))
    result = bounded(lambda: _catalog(path, raw), seconds=10, peak_bytes=128 * MiB)
    assert not isinstance(result, HullcheckError)


@pytest.mark.parametrize("which", ["index", "manifest", "config"])
@given(data=st.data())
@examples(15)
def test_mutated_real_image_documents(
    which: str,
    data: st.DataObject,
    real: dict[str, tuple[str, bytes]],
    test_images: Path,
    tmp_path: Path,
) -> None:
    """A copy of the real layout with one document mutated (and re-addressed, so the
    mutation is parsed rather than failing its digest).  Only opened and resolved: the
    layers are real and large, and the layer readers are fuzzed elsewhere."""
    from hullcheck.sources.digest import digest_of

    src = test_images / "oci-per-tag" / "python-npm"
    work = Path(tempfile.mkdtemp(dir=tmp_path, prefix=f"ex{next(_counter)}-"))
    raw = data.draw(mutated(real[which][1], max_mutations=3))
    index = real["index"][1]
    blobs = work / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    (work / "oci-layout").write_bytes((src / "oci-layout").read_bytes())
    if which == "index":
        index = raw
    else:
        digest = digest_of(raw)
        (blobs / digest[7:]).write_bytes(raw)
        old = digest_of(real[which][1])
        if which == "config":
            manifest = real["manifest"][1].replace(old.encode(), digest.encode())
            mdigest = digest_of(manifest)
            (blobs / mdigest[7:]).write_bytes(manifest)
            old, digest = digest_of(real["manifest"][1]), mdigest
        index = index.replace(old.encode(), digest.encode())
    (work / "index.json").write_bytes(index)
    for blob in (src / "blobs" / "sha256").iterdir():  # the rest, as links (no copy)
        target = blobs / blob.name
        if not target.exists():
            target.symlink_to(blob)

    def resolve() -> object:
        with open_image(f"oci:{work}") as handle:
            return handle.image.layers

    bounded(resolve, seconds=10, peak_bytes=96 * MiB)
    shutil.rmtree(work)
