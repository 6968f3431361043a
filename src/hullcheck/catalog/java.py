"""Java archives: ``.jar``, ``.war``, ``.ear`` (and Jenkins ``.hpi``/``.jpi``), nested ones too.

Each ``META-INF/maven/<group>/<artifact>/pom.properties`` is a Maven package (shaded jars
carry several).  An archive without one is named from ``META-INF/MANIFEST.MF``
(``Implementation-Title``/``Bundle-SymbolicName`` and ``Implementation-Version``/
``Bundle-Version``), else from its file name (``name-1.2.3.jar``).  Archives inside
archives (``WEB-INF/lib``, ``BOOT-INF/lib``, ``lib/``) are opened from memory, at most
three levels deep, with every member's declared and actual size bounded: zip bombs cost
an error, never memory.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from typing import BinaryIO

from hullcheck.catalog.base import CatalogContext, Cataloger, MiB, glob_predicate
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package
from hullcheck.sources.spool import SpooledFile

NAME = "java"
ARCHIVE_SUFFIXES = (".jar", ".war", ".ear", ".hpi", ".jpi")
MAX_DEPTH = 3
MAX_MEMBER = 64 * MiB
MAX_TOTAL = 256 * MiB
MAX_ENTRIES = 100_000
_FILENAME = re.compile(r"^(?P<name>.+?)-(?P<version>\d[\w.+~-]*)$")

wants = glob_predicate(*(f"**/*{s}" for s in ARCHIVE_SUFFIXES))


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_TOTAL

    def read(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
        if info.file_size > MAX_MEMBER or info.file_size > self.left:
            raise ValueError(f"archive member {info.filename} too large")
        with archive.open(info) as handle:
            data = handle.read(min(MAX_MEMBER, self.left) + 1)
        if len(data) > min(MAX_MEMBER, self.left):
            raise ValueError(f"archive member {info.filename} larger than it declares")
        self.left -= len(data)
        return data


def _properties(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!" or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


def _manifest(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        if line.startswith(" ") and last is not None:
            out[last] += line[1:]
            continue
        key, sep, value = line.partition(":")
        if sep:
            last = key.strip()
            out.setdefault(last, value.strip())
    return out


def _package(
    name: str, version: str, group: str, location: str, licenses: tuple[str, ...] = ()
) -> Package:
    return Package(
        name=name,
        version=version,
        type="maven",
        purl=make_purl("maven", name, version, group or name),
        licenses=licenses,
        files=(location,),
        metadata={"group_id": group, "archive": location},
    )


def _scan(data: bytes | BinaryIO, location: str, depth: int, budget: _Budget) -> list[Package]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError):
        return []
    out: list[Package] = []
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ValueError(f"{location}: more than {MAX_ENTRIES} archive entries")
        poms = [
            i
            for i in infos
            if i.filename.startswith("META-INF/maven/") and i.filename.endswith("/pom.properties")
        ]
        for info in poms:
            props = _properties(budget.read(archive, info).decode("utf-8", "replace"))
            artifact, version = props.get("artifactId", ""), props.get("version", "")
            if artifact and version:
                out.append(_package(artifact, version, props.get("groupId", ""), location))
        if not out:
            out.extend(_from_manifest(archive, infos, location, budget))
        if depth < MAX_DEPTH:
            for info in infos:
                if info.filename.lower().endswith(ARCHIVE_SUFFIXES) and not info.is_dir():
                    nested = budget.read(archive, info)
                    out.extend(_scan(nested, f"{location}:{info.filename}", depth + 1, budget))
    return out


def _from_manifest(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], location: str, budget: _Budget
) -> list[Package]:
    fields: dict[str, str] = {}
    manifest = next((i for i in infos if i.filename.upper() == "META-INF/MANIFEST.MF"), None)
    if manifest is not None:
        fields = _manifest(budget.read(archive, manifest).decode("utf-8", "replace"))
    base = location.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0]
    from_name = _FILENAME.match(stem)
    name = (
        (from_name["name"] if from_name else "")
        or fields.get("Implementation-Title", "")
        or fields.get("Bundle-SymbolicName", "").split(";")[0]
        or stem
    )
    version = (
        fields.get("Implementation-Version")
        or fields.get("Bundle-Version")
        or (from_name["version"] if from_name else "")
    )
    if not name or not version:
        return []
    group = fields.get("Implementation-Vendor-Id", "")
    licence = fields.get("Bundle-License", "")
    return [_package(name, version, group, location, (licence,) if licence else ())]


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    # nested archives keep their own location in metadata["archive"]; ``files`` names the
    # outer archive, the file a later layer can overwrite or delete
    return [replace(p, files=(file.path,)) for p in _scan(content, file.path, 0, _Budget())]


def parse_spooled(file: FileRef, content: SpooledFile, context: CatalogContext) -> list[Package]:
    """A jar too large to hold: ``zipfile`` reads its central directory and members by offset."""
    with content.open() as handle:
        found = _scan(handle, file.path, 0, _Budget())
    return [replace(p, files=(file.path,)) for p in found]


CATALOGER = Cataloger(
    name=NAME, wants=wants, parse=parse, max_size=256 * MiB, parse_spooled=parse_spooled
)
