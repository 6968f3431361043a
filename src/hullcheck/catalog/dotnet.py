""".NET applications: ``*.deps.json`` (the dependency manifest next to every app).

Each ``libraries`` entry ``"Name/Version"`` of type ``package`` (from NuGet) or
``project`` (the application and its project references) is one ``nuget`` package.
"""

from __future__ import annotations

import json

from hullcheck.catalog.base import CatalogContext, Cataloger, MiB, glob_predicate
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "dotnet"

wants = glob_predicate("**/*.deps.json")


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    data = json.loads(content)
    libraries = data.get("libraries") if isinstance(data, dict) else None
    if not isinstance(libraries, dict):
        return []
    out: list[Package] = []
    for key, info in libraries.items():
        if not isinstance(info, dict) or info.get("type") not in ("package", "project"):
            continue
        name, _, version = str(key).partition("/")
        if not name or not version:
            continue
        out.append(
            Package(
                name=name,
                version=version,
                type="nuget",
                purl=make_purl("nuget", name, version),
                files=(file.path,),
                metadata={"library_type": info.get("type"), "sha512": info.get("sha512", "")},
            )
        )
    return out


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=32 * MiB)
