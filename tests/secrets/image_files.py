"""Read every regular file of an image in an OCI layout, layer by layer (tests and bench only).

The real layer walker lives in ``hullcheck.sources``; this reader is deliberately tiny so
the secrets tests do not depend on it.  It yields files from every layer (not the merged
view), which is a superset of what a scan sees: every file must be free of false alarms.
"""

from __future__ import annotations

import json
import tarfile
from collections.abc import Iterator
from pathlib import Path


def _blob(layout: Path, digest: str) -> Path:
    algo, _, hexdigest = digest.partition(":")
    return layout / "blobs" / algo / hexdigest


def image_layers(layout: Path, name: str) -> list[Path]:
    """The layer blobs of the image tagged ``name`` in the OCI layout at ``layout``."""
    index = json.loads((layout / "index.json").read_text())
    for desc in index["manifests"]:
        if desc.get("annotations", {}).get("org.opencontainers.image.ref.name") == name:
            manifest = json.loads(_blob(layout, desc["digest"]).read_text())
            return [_blob(layout, layer["digest"]) for layer in manifest["layers"]]
    raise LookupError(f"no image {name!r} in {layout}")


def iter_tar_files(path: Path, max_bytes: int) -> Iterator[tuple[str, int, bytes | None]]:
    """(path, size, contents or None when over ``max_bytes``) of each regular file."""
    with tarfile.open(path, "r:*") as tar:
        for member in tar:
            if not member.isreg():
                continue
            name = "/" + member.name.lstrip("./")
            if member.size > max_bytes:
                yield name, member.size, None
                continue
            f = tar.extractfile(member)
            yield name, member.size, f.read() if f else b""


def image_files(layout: Path, name: str, max_bytes: int) -> Iterator[tuple[str, int, bytes | None]]:
    """Every regular file of every layer of an image."""
    for layer in image_layers(layout, name):
        yield from iter_tar_files(layer, max_bytes)
