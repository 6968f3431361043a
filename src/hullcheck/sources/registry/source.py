"""The registry as an ``ImageSource``: what ``hullcheck scan ghcr.io/org/app:1.2`` reads."""

from __future__ import annotations

from typing import BinaryIO

from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.digest import check_digest
from hullcheck.sources.reference import Reference, parse_reference
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.options import RegistryOptions, registry_options_from


class RegistrySource:
    """Manifests and blobs of one repository of a remote (or local) registry."""

    def __init__(self, ref: Reference, options: RegistryOptions) -> None:
        self.ref = ref
        self.options = options
        self.client = RegistryClient(ref, options)
        self._root: Manifest | None = None
        self._details: dict[str, str] = {
            "registry": ref.domain,
            "repository": ref.path,
        }
        if ref.tag:
            self._details["tag"] = ref.tag

    @property
    def info(self) -> SourceInfo:
        return SourceInfo(kind="registry", reference=str(self.ref), details=dict(self._details))

    def root_manifest(self) -> Manifest:
        if self._root is None:
            self._root = self.client.get_manifest(self.ref.selector)
            self._details["digest"] = self._root.digest
            if self.client.base_url:
                self._details["url"] = self.client.base_url
        return self._root

    def fetch_manifest(self, digest: str) -> Manifest:
        check_digest(digest, "an image index entry")
        return self.client.get_manifest(digest)

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        check_digest(digest, "a manifest's blob")
        return self.client.open_blob(digest, size)

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> RegistrySource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_registry_source(ref: str, options: object | None = None) -> RegistrySource:
    """Open ``ref`` (``[host[:port]/]name[:tag][@digest]``, or ``docker://...``).

    ``options`` is a ``RegistryOptions``, or the dispatcher's ``SourceOptions`` (see
    ``registry_options_from``).  Nothing is fetched yet; the first call to
    ``root_manifest`` contacts the registry.
    """
    text = ref[len("docker://") :] if ref.startswith("docker://") else ref
    return RegistrySource(parse_reference(text), registry_options_from(options))
