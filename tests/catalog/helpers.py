"""Small helpers shared by the cataloger tests."""

from __future__ import annotations

from hullcheck.catalog.base import CatalogContext, Distro
from hullcheck.model import FileRef

DEBIAN = Distro(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12 (bookworm)")


def ref(path: str, content: bytes = b"", layer: int | None = None, mode: int = 0o100644) -> FileRef:
    return FileRef(path=path, size=len(content), mode=mode, layer_index=layer)


def ctx(distro: Distro | None = None, **files: bytes) -> CatalogContext:
    return CatalogContext(distro=distro, files={k: v for k, v in files.items()})
