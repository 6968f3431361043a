"""Alpine packages: ``/lib/apk/db/installed``.

Each paragraph of single-letter fields is one package: ``P`` name, ``V`` version,
``A`` architecture, ``o`` origin (the source package, which advisories are keyed on),
``L`` licence (an SPDX-like expression kept whole), ``F``/``R`` the files it owns.
The purl is ``pkg:apk/<distro id>/<name>@<version>?arch=..&distro=..`` with
``upstream=<origin>`` when the origin differs from the name, as syft writes it.
"""

from __future__ import annotations

from hullcheck.catalog.base import (
    CatalogContext,
    Cataloger,
    MiB,
    PartialRead,
    PathPredicate,
    damage_note,
)
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "apk"
DB_PATH = "/lib/apk/db/installed"


def wants(path: str) -> bool:
    return path == DB_PATH


def _records(text: str, junk: list[int] | None = None) -> list[dict[str, list[str]]]:
    """Each paragraph as ``{letter: [values]}``; numbers of unreadable lines go to ``junk``."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    directory = ""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if current:
                records.append(current)
            current = {}
            directory = ""
            continue
        if len(line) < 2 or line[1] != ":":
            if junk is not None:
                junk.append(number)
            continue
        value = line[2:].strip()
        current.setdefault(line[0], []).append(value)
        # "_": full paths of the owned files, an R: name under the latest F: directory
        if line[0] == "F":
            directory = value
        elif line[0] == "R":
            current.setdefault("_", []).append(f"{directory}/{value}" if directory else value)
    if current:
        records.append(current)
    return records


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    distro = context.distro
    namespace = distro.id if distro else "alpine"
    out: list[Package] = []
    junk: list[int] = []
    incomplete = 0
    for rec in _records(content.decode("utf-8", "replace"), junk):
        name = (rec.get("P") or [""])[0]
        version = (rec.get("V") or [""])[0]
        if not name or not version:
            incomplete += 1
            continue
        arch = (rec.get("A") or [""])[0]
        origin = (rec.get("o") or [name])[0] or name
        license_expr = (rec.get("L") or [""])[0]
        purl = make_purl(
            "apk",
            name,
            version,
            namespace,
            {
                "arch": arch,
                "distro": distro.purl_qualifier if distro else None,
                "upstream": origin if origin != name else None,
            },
        )
        out.append(
            Package(
                name=name,
                version=version,
                type="apk",
                purl=purl,
                licenses=(license_expr,) if license_expr else (),
                files=(file.path,),
                source_name=origin,
                source_version=version,
                metadata={"architecture": arch, "owned_files": _owned_files(rec)},
            )
        )
    if junk or incomplete:
        raise PartialRead(damage_note(junk, incomplete, "P: or V:"), out)
    return out


def _owned_files(rec: dict[str, list[str]]) -> int:
    return len(rec.get("R", []))


def owners(content: bytes, context: CatalogContext, interesting: PathPredicate) -> dict[str, str]:
    """Files by owning package: each ``R:`` file name joins the last ``F:`` directory."""
    out: dict[str, str] = {}
    for rec in _records(content.decode("utf-8", "replace")):
        name = (rec.get("P") or [""])[0]
        if not name:
            continue
        for path in _files(rec):
            if interesting(path):
                out.setdefault(path, name)
    return out


def _files(rec: dict[str, list[str]]) -> list[str]:
    return [f"/{entry}" for entry in rec.get("_", [])]


CATALOGER = Cataloger(
    name=NAME, wants=wants, parse=parse, max_size=64 * MiB, deferred=True, owners=owners
)
