"""Small helpers shared by the cataloger tests.

``catalog`` and ``catalog_dir`` run every cataloger the way a scan does and fail the test
on any file a cataloger could not read that the test did not expect: a cataloger that
raises must never pass as "no packages here".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from hullcheck.catalog.base import CatalogContext, Cataloger, Distro
from hullcheck.catalog.collector import CatalogResult, catalog_directory, catalog_files
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.model import FileRef

DEBIAN = Distro(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12 (bookworm)")


def ref(path: str, content: bytes = b"", layer: int | None = None, mode: int = 0o100644) -> FileRef:
    return FileRef(path=path, size=len(content), mode=mode, layer_index=layer)


def ctx(distro: Distro | None = None, **files: bytes) -> CatalogContext:
    return CatalogContext(distro=distro, files={k: v for k, v in files.items()})


def make_elf(sections: dict[str, bytes]) -> bytes:
    """A minimal little-endian ELF64 file holding the given sections (no segments)."""
    import struct

    names = b"\0" + b"".join(n.encode() + b"\0" for n in [*sections, ".shstrtab"])
    body = b""
    headers = [struct.pack("<IIQQQQIIQQ", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)]
    offset = 64
    name_off = 1
    for name, data in [*sections.items(), (".shstrtab", names)]:
        sh_type = 3 if name == ".shstrtab" else 1
        headers.append(
            struct.pack("<IIQQQQIIQQ", name_off, sh_type, 0, 0, offset, len(data), 0, 0, 1, 0)
        )
        body += data
        offset += len(data)
        name_off += len(name) + 1
    shoff = 64 + len(body)
    ident = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(headers), len(headers) - 1
    )
    return header + body + b"".join(headers)


def catalog(
    files: Iterable[tuple[FileRef, bytes | None]],
    catalogers: Sequence[Cataloger] | None = None,
    *,
    expect: Iterable[str] = (),
) -> CatalogResult:
    """``catalog_files`` that fails the test on a file no cataloger could read, unless its
    path is in ``expect`` (as syft's pkgtest fails on an unexpected cataloger error)."""
    result = catalog_files(files, CATALOGERS if catalogers is None else catalogers)
    _strict(result, expect)
    return result


def catalog_dir(root: Path, *, expect: Iterable[str] = ()) -> CatalogResult:
    """``catalog_directory`` with every cataloger, failing on an unexpected read error."""
    result = catalog_directory(root, CATALOGERS)
    _strict(result, expect)
    return result


def _strict(result: CatalogResult, expect: Iterable[str]) -> None:
    allowed = frozenset(expect)
    unexpected = [e for e in result.errors if e.path not in allowed]
    assert not unexpected, "catalogers could not read: " + "; ".join(
        f"{e.path}: {e.message}" for e in unexpected
    )
