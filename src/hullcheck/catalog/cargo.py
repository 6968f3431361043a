"""Rust binaries built with cargo-auditable: the ``.dep-v0`` section.

The section holds zlib-compressed JSON ``{"packages": [{"name", "version", "source",
"kind", "root"}...]}`` listing every crate linked in.  Build-only crates
(``kind: build``) are not linked into the binary and are left out, so a build script's
dependency is not reported as shipped code.
"""

from __future__ import annotations

import json
import zlib

from hullcheck.catalog.base import ByteSource, CatalogContext, Cataloger, MiB
from hullcheck.catalog.elf import ElfError, is_elf, parse_elf
from hullcheck.catalog.entries import named_entries
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "cargo-auditable"
MAX_JSON = 16 * MiB


def wants(path: str) -> bool:
    return False  # found by content in executables


def parse(file: FileRef, content: ByteSource, context: CatalogContext) -> list[Package]:
    if not is_elf(content) or content.find(b".dep-v0") < 0:
        return []  # no section of that name can exist without its name in the file
    try:
        # zlib never shrinks input by less than ~0.1%: a bigger section inflates past the
        # limit anyway, so its head is all that is ever needed
        section = parse_elf(content).section(".dep-v0", MAX_JSON + MiB)
    except ElfError:
        return []
    if section is None:
        return []
    inflater = zlib.decompressobj()
    raw = inflater.decompress(section, MAX_JSON)
    if inflater.unconsumed_tail:
        raise ValueError("cargo-auditable data larger than 16 MiB")
    data = json.loads(raw)
    items = data.get("packages") if isinstance(data, dict) else None
    out: list[Package] = []
    for item, name, version in named_entries(items):
        if item.get("kind") == "build":
            continue
        out.append(
            Package(
                name=name,
                version=version,
                type="cargo",
                purl=make_purl("cargo", name, version),
                files=(file.path,),
                metadata={"source": str(item.get("source", "")), "root": bool(item.get("root"))},
            )
        )
    return out


CATALOGER = Cataloger(
    name=NAME,
    wants=wants,
    parse=parse,
    max_size=256 * MiB,
    executables=True,
    parse_spooled=parse,
)
