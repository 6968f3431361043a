"""An OCI image layout directory as an ``ArtifactStore``: signatures stored beside images.

Blobs go to ``blobs/<algo>/<hex>`` through a temporary file and a rename, and a tagged
manifest is recorded in ``index.json`` (``org.opencontainers.image.ref.name``) by
rewriting the file atomically, replacing an older entry of the same tag.  A crash
leaves either the old index or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from hullcheck.errors import ImageError
from hullcheck.sources.base import Manifest
from hullcheck.sources.digest import blob_name, check_digest, digest_of
from hullcheck.sources.jsondoc import parse_json_object
from hullcheck.sources.oci import REF_NAME

MAX_INDEX = 16 * 1024 * 1024
MAX_MANIFEST = 4 * 1024 * 1024


class LayoutStore:
    """Read and write one OCI layout directory."""

    def __init__(self, root: Path) -> None:
        if not (root / "index.json").is_file():
            raise ImageError(f"{root} is not an OCI layout (no index.json)")
        self.root = root

    @property
    def description(self) -> str:
        return f"oci:{self.root}"

    def close(self) -> None:
        return None

    def _index(self) -> dict[str, Any]:
        path = self.root / "index.json"
        try:
            data = path.read_bytes()
        except OSError as err:
            raise ImageError(f"{path}: cannot read: {err.strerror or err}") from None
        doc = parse_json_object(data, str(path), MAX_INDEX, 64)
        if not isinstance(doc.get("manifests"), list):
            raise ImageError(f"{path} has no manifests list")
        return doc

    def entries(self) -> list[dict[str, Any]]:
        return [e for e in self._index()["manifests"] if isinstance(e, dict)]

    def tags(self) -> list[str]:
        out = []
        for entry in self.entries():
            ann = entry.get("annotations")
            name = ann.get(REF_NAME) if isinstance(ann, dict) else None
            if isinstance(name, str):
                out.append(name)
        return out

    def _blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / blob_name(check_digest(digest, "a blob"))

    def manifest(self, selector: str) -> Manifest | None:
        digest: str | None = selector if ":" in selector else None
        media = ""
        for entry in self.entries():
            ann = entry.get("annotations")
            if digest is None and isinstance(ann, dict) and ann.get(REF_NAME) == selector:
                digest = check_digest(entry.get("digest"), f"index.json entry {selector}")
            if digest is not None and entry.get("digest") == digest:
                media = str(entry.get("mediaType") or "")
                break
        if digest is None or not self.has_blob(digest):
            return None
        body = self.read_blob(digest, MAX_MANIFEST)
        if not media:
            with contextlib.suppress(ValueError, UnicodeDecodeError):
                doc = json.loads(body)
                media = str(doc.get("mediaType") or "") if isinstance(doc, dict) else ""
        return Manifest(media_type=media, body=body, digest=digest)

    def has_blob(self, digest: str) -> bool:
        return self._blob_path(digest).is_file()

    def read_blob(self, digest: str, limit: int) -> bytes:
        path = self._blob_path(digest)
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except OSError as err:
            raise ImageError(f"blob {digest[:19]} in {self.root}: {err.strerror or err}") from None
        if len(data) > limit:
            raise ImageError(f"blob {digest[:19]} in {self.root} is over {limit} bytes")
        if digest_of(data, digest.split(":", 1)[0]) != digest:
            raise ImageError(f"blob {digest[:19]} in {self.root} does not match its digest")
        return data

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        path = self._blob_path(digest)
        try:
            return path.open("rb")
        except OSError as err:
            raise ImageError(f"blob {digest[:19]} in {self.root}: {err.strerror or err}") from None

    def _write_atomically(self, path: Path, chunks: Iterable[bytes]) -> tuple[str, str]:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".partial-", dir=path.parent)
        hasher = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    hasher.update(chunk)
                    fh.write(chunk)
            return f"sha256:{hasher.hexdigest()}", tmp
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _commit(self, tmp: str, path: Path) -> None:
        os.replace(tmp, path)

    def put_blob_stream(self, digest: str, size: int, chunks: Iterable[bytes]) -> None:
        path = self._blob_path(digest)
        if path.is_file():
            return
        got, tmp = self._write_atomically(path, chunks)
        if got != digest:
            Path(tmp).unlink(missing_ok=True)
            raise ImageError(f"blob {digest[:19]}: the bytes copied hash to {got[:19]}")
        self._commit(tmp, path)

    def put_blob(self, data: bytes) -> str:
        digest = digest_of(data)
        self.put_blob_stream(digest, len(data), [data])
        return digest

    def put_manifest(self, body: bytes, media_type: str, tag: str | None) -> str:
        digest = self.put_blob(body)
        if tag is None:
            return digest
        doc = self._index()
        kept = []
        for entry in doc["manifests"]:
            ann = entry.get("annotations") if isinstance(entry, dict) else None
            if isinstance(ann, dict) and ann.get(REF_NAME) == tag:
                continue
            kept.append(entry)
        kept.append(
            {
                "mediaType": media_type,
                "digest": digest,
                "size": len(body),
                "annotations": {REF_NAME: tag},
            }
        )
        doc["manifests"] = kept
        text = json.dumps(doc, separators=(",", ":")).encode()
        index = self.root / "index.json"
        _, tmp = self._write_atomically(index, [text])
        self._commit(tmp, index)
        return digest
