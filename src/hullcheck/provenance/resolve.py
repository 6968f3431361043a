"""Tag -> digest, asked of the registry that serves the image (or a mirror of it)."""

from __future__ import annotations

from collections.abc import Mapping

from hullcheck.sources.reference import Reference
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.options import RegistryOptions


class TagResolver:
    """Resolves references through one client per registry; ``mirrors`` maps
    ``docker.io`` (or any registry) to the ``host[:port]`` that answers for it."""

    def __init__(self, options: RegistryOptions, mirrors: Mapping[str, str] | None = None) -> None:
        self.options = options
        self.mirrors = dict(mirrors or {})

    def __call__(self, ref: Reference) -> str:
        domain = self.mirrors.get(ref.domain, ref.domain)
        where = Reference(domain, ref.path, ref.tag, None)
        client = RegistryClient(where, self.options)
        try:
            return client.get_manifest(ref.tag or "latest").digest
        finally:
            client.close()
