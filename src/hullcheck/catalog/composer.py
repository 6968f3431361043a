"""Installed PHP packages: Composer's ``vendor/composer/installed.json`` (v1 list or v2 object)."""

from __future__ import annotations

import json

from hullcheck.catalog.base import CatalogContext, Cataloger, MiB, glob_predicate
from hullcheck.catalog.entries import named_entries
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "composer"

wants = glob_predicate("**/vendor/composer/installed.json")


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    data = json.loads(content)
    items = data.get("packages") if isinstance(data, dict) else data
    out: list[Package] = []
    for item, name, version in named_entries(items):
        vendor, _, short = name.rpartition("/")
        raw_licenses = item.get("license")
        licenses = (
            tuple(x for x in raw_licenses if isinstance(x, str))
            if isinstance(raw_licenses, list)
            else ()
        )
        out.append(
            Package(
                name=name,
                version=version,
                type="composer",
                purl=make_purl("composer", short, version, vendor or None),
                licenses=licenses,
                files=(file.path,),
            )
        )
    return out


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=32 * MiB)
