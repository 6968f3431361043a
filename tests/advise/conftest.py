"""Two real builds of one app with buildah (vfs, chroot isolation), shared by the advise tests.

The old build is the app on Debian bullseye with a private key copied in and Jinja2 among
its Python packages; the new one moved to bookworm, dropped Jinja2 and the key, added a
2 MiB model file and a non-root USER.  Both are ``FROM scratch`` with ADDed root file
systems cut from the real test images (no RUN: nothing to execute, nothing to download):
the bullseye and bookworm minbase images' os-release and dpkg database, and the Python
packages pip installed in the python-npm image.  ``builds`` gives the work folder (with
``old/`` and ``new/`` contexts and Dockerfiles) and the OCI layout holding ``app-old`` and
``app-new``.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.diff.test_real_pairs import DIFF_IMAGES
from tests.fixtures.buildah import Buildah

OLD_DOCKERFILE = """\
FROM scratch
ADD base.tar /
ADD deps.tar /
COPY id_rsa /root/.ssh/id_rsa
CMD ["/usr/bin/python3", "/opt/app/main.py"]
"""
NEW_DOCKERFILE = """\
FROM scratch
ADD base.tar /
ADD deps.tar /
# the model the app ships with now
COPY model.bin /opt/app/model.bin
USER 10001
CMD ["/usr/bin/python3", "/opt/app/main.py"]
"""
BASE_FILES = ("etc/os-release", "usr/lib/os-release", "var/lib/dpkg/status")
SITE = "opt/app/venv/lib/python3.11/site-packages/"
DROPPED = ("Jinja2-",)


def _layers(layout: Path, tag: str) -> list[Path]:
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            manifest = json.loads(_blob(layout, desc["digest"]).read_text())
            return [_blob(layout, layer["digest"]) for layer in manifest["layers"]]
    raise AssertionError(f"{tag} not in {layout}")


def _blob(layout: Path, digest: str) -> Path:
    return layout / "blobs" / "sha256" / digest.split(":", 1)[1]


def _cut(layers: list[Path], keep: Callable[[str], bool], out: Path) -> dict[str, bytes]:
    """Copy the members ``keep`` selects from the image's layers into the tar ``out``."""
    files: dict[str, bytes] = {}
    with tarfile.open(out, "w") as dest:
        for blob in layers:
            with tarfile.open(fileobj=gzip.open(blob), mode="r|") as src:
                for member in src:
                    name = member.name.removeprefix("./")
                    if not keep(name):
                        continue
                    data = src.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
                    member.name = name
                    dest.addfile(member, io.BytesIO(data) if member.isfile() else None)
                    files[name] = data
    return files


def _context(root: Path, base: list[Path], deps: list[Path], dropped: bool) -> dict[str, bytes]:
    root.mkdir(parents=True)
    _cut(base, lambda n: n in BASE_FILES, root / "base.tar")

    def dep(name: str) -> bool:
        if not name.startswith(SITE) or ".dist-info/" not in name:
            return False
        return not (dropped and name[len(SITE) :].startswith(DROPPED))

    return _cut(deps, dep, root / "deps.tar")


@pytest.fixture(scope="session")
def builds(test_images: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    why = Buildah.usable()
    if why is None and not (DIFF_IMAGES / "MANIFEST.txt").is_file():
        why = f"diff images not built at {DIFF_IMAGES}: scripts/test.sh builds them"
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    work = tmp_path_factory.mktemp("advise-pair")
    oci = test_images / "oci"
    deps = _layers(oci, "python-npm")[1:]
    old, new = work / "old", work / "new"
    _context(old, _layers(DIFF_IMAGES / "oci", "debian-bullseye-minbase"), deps, False)
    _context(new, _layers(oci, "debian-minbase"), deps, True)
    key = _cut(deps, lambda n: n == "root/.ssh/id_rsa", work / "key.tar")
    (old / "id_rsa").write_bytes(key["root/.ssh/id_rsa"])
    (new / "model.bin").write_bytes(os.urandom(2 << 20))
    (old / "Dockerfile").write_text(OLD_DOCKERFILE)
    (new / "Dockerfile").write_text(NEW_DOCKERFILE)
    buildah = Buildah(work / "buildah")
    try:
        a = buildah.build(old, old / "Dockerfile", "app-old", layers=True)
        b = buildah.build(new, new / "Dockerfile", "app-new", layers=True)
    finally:
        buildah.close()
    assert a.ok, a.log
    assert b.ok, b.log
    assert a.layout is not None
    return work, a.layout
