"""Every entry of every layer of an image, streamed once, with content digests.

For ``--files`` (the merged file system of A against B's) and ``--reproducible`` (each
layer against the same layer of the other build).  Layers are read as they stream,
decompressed by the same bounded reader the scan uses, hashed in chunks: nothing is
written to disk and memory stays flat however large a file is.
"""

from __future__ import annotations

import hashlib
import posixpath
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

from hullcheck.errors import ImageError
from hullcheck.sources.api import open_image
from hullcheck.sources.layerstream import LayerReader
from hullcheck.sources.limits import Deadline
from hullcheck.sources.open import SourceOptions

CHUNK = 1 << 20
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True, slots=True)
class Entry:
    """One tar member of one layer, as stored."""

    path: str
    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    mtime: float
    link: str
    digest: str | None
    order: int

    def content(self) -> tuple[str, int, int, int, int, str, str | None]:
        """What makes two entries the same file, timestamps aside."""
        return (self.kind, self.size, self.mode, self.uid, self.gid, self.link, self.digest)


@dataclass(frozen=True, slots=True)
class LayerEntries:
    index: int
    diff_id: str
    entries: tuple[Entry, ...]


_KINDS = {
    tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "char",
    tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo",
}  # fmt: skip


def _path(name: str) -> str:
    return "/" + posixpath.normpath("/" + name).lstrip("/") if name.strip("./") else "/"


def layer_entries(reference: str, options: SourceOptions) -> list[LayerEntries]:
    """Each layer's entries in stored order; ``ImageError`` when a layer cannot be read."""
    out: list[LayerEntries] = []
    with open_image(reference, options=options) as handle:
        limits = options.limits
        deadline = Deadline(limits.timeout)
        for layer in handle.image.layers:
            raw = handle.source.open_blob(layer.digest, layer.compressed_size)
            try:
                reader = LayerReader(
                    raw, layer.digest, layer.compressed_size, limits=limits, deadline=deadline
                )
                entries = tuple(_members(reader, limits.max_entries))
            except (tarfile.TarError, OSError, EOFError) as err:
                raise ImageError(f"layer {layer.index} of {reference}: {err}") from None
            finally:
                raw.close()
            out.append(LayerEntries(layer.index, layer.diff_id or layer.digest, entries))
    return out


def _members(reader: LayerReader, max_entries: int) -> Iterator[Entry]:
    with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
        for order, member in enumerate(tar):
            if order >= max_entries:
                raise ImageError(f"more than {max_entries} entries in one layer")
            digest = None
            kind = _KINDS.get(member.type, "file")
            if member.isreg():
                stream = tar.extractfile(member)
                sha = hashlib.sha256()
                if stream is not None:
                    while chunk := stream.read(CHUNK):
                        sha.update(chunk)
                digest = "sha256:" + sha.hexdigest()
            yield Entry(
                _path(member.name),
                kind,
                member.size if member.isreg() else 0,
                member.mode & 0o7777,
                member.uid,
                member.gid,
                float(member.mtime),
                member.linkname,
                digest,
                order,
            )


def merged(layers: list[LayerEntries]) -> dict[str, Entry]:
    """The final file system: later layers win; a layer's whiteouts delete what earlier
    layers hold (OCI image spec), never the layer's own entries."""
    view: dict[str, Entry] = {}
    for layer in layers:
        gone: list[str] = []
        opaque: list[str] = []
        added: list[Entry] = []
        for entry in layer.entries:
            parent, base = posixpath.split(entry.path)
            if base == OPAQUE:
                opaque.append(parent.rstrip("/") + "/")
            elif base.startswith(WHITEOUT):
                gone.append(posixpath.join(parent, base[len(WHITEOUT) :]))
            else:
                added.append(entry)
        if gone or opaque:
            prefixes = tuple(opaque) + tuple(g + "/" for g in gone)
            doomed = set(gone)
            for path in list(view):
                if path in doomed or path.startswith(prefixes):
                    del view[path]
        for entry in added:
            view[entry.path] = entry
    return view
