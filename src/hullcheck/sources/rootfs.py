"""A root filesystem tarball as an image: ``rootfs:FILE``.

What ``docker export``, ``podman export``, ``mmdebstrap`` or a distribution's rootfs
download produce is one tar of a whole filesystem, plain or compressed with gzip or zstd,
and no manifest or config.  It is read as an image of one layer whose blob is the file
itself, through the same bounded layer reader as every other image: the tar limits,
bomb and deadline checks all apply.  Its digest is computed when the file is opened, and
the walk verifies the bytes it reads against it, so a file changed in between is refused.
With no config there is no USER, Env or history to judge (``has_config`` is false), as
for a directory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from hullcheck.errors import ImageError, InputError
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.image import Image, Layer, configless_image
from hullcheck.sources.layerstream import GZIP_MAGIC, ZSTD_MAGIC
from hullcheck.sources.limits import Deadline, Limits

if TYPE_CHECKING:
    from hullcheck.sources.open import ParsedReference, SourceOptions

KIND = "rootfs"
_MEDIA_TYPES = {
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
    "none": "application/vnd.oci.image.layer.v1.tar",
}
_CHUNK = 1 << 20


class RootfsSource:
    """One file, one layer: its digest taken up front, its bytes verified as they are read."""

    def __init__(self, path: Path, reference: str, limits: Limits, timeout: float | None) -> None:
        self.path = path
        self._info = SourceInfo(KIND, reference, {"path": str(path)})
        self._digest, self._size, self._compression = _measure(path, limits, Deadline(timeout))

    @property
    def info(self) -> SourceInfo:
        return self._info

    def image(self) -> Image:
        layer = Layer(
            index=0,
            digest=self._digest,
            # a plain tar's digest is its diff_id (and lets the layer cache key on it)
            diff_id=self._digest if self._compression == "none" else None,
            media_type=_MEDIA_TYPES[self._compression],
            compressed_size=self._size,
        )
        return configless_image(self._info.reference, KIND, layer)

    def root_manifest(self) -> Manifest:
        raise ImageError(f"{self.path} is a root filesystem tarball: it has no manifest")

    def fetch_manifest(self, digest: str) -> Manifest:
        raise ImageError(f"{self.path} is a root filesystem tarball: it has no manifest")

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        if digest != self._digest:
            raise ImageError(f"{self.path} holds one layer, {self._digest}, not {digest}")
        try:
            return self.path.open("rb")
        except OSError as err:
            raise ImageError(f"cannot read {self.path}: {err.strerror or err}") from None

    def close(self) -> None:
        pass


def _measure(path: Path, limits: Limits, deadline: Deadline) -> tuple[str, int, str]:
    """The file's digest, size and compression, read once in bounded chunks."""
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as raw:
            head = raw.read(4)
            compression = (
                "gzip" if head[:2] == GZIP_MAGIC else "zstd" if head == ZSTD_MAGIC else "none"
            )
            chunk = head
            while chunk:
                size += len(chunk)
                if size > limits.max_layer_bytes:
                    raise ImageError(f"{path} is larger than the layer limit")
                digest.update(chunk)
                deadline.check()
                chunk = raw.read(_CHUNK)
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    if size == 0:
        raise InputError(f"{path} is empty, not a root filesystem tarball")
    return f"sha256:{digest.hexdigest()}", size, compression


def open_rootfs(parsed: ParsedReference, reference: str, options: SourceOptions) -> RootfsSource:
    path = Path(parsed.rest)
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a tarball (use dir:{path})")
    if not path.is_file():
        raise InputError(f"{path} is not a regular file")  # never open a FIFO or a device
    return RootfsSource(path, reference, options.limits, options.timeout)
