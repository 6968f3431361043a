"""The ``sbom`` pipeline: catalogue a target and render the inventory in one format.

A target is an unpacked root filesystem (a directory) or an SBOM file read back; image
references are catalogued by the single-pass layer walker once it is wired in
(:class:`hullcheck.catalog.collector.Collector` is the subscriber it feeds).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hullcheck.catalog.collector import catalog_directory
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.sbom_input import is_sbom_file, read_sbom
from hullcheck.errors import InputError
from hullcheck.report import cyclonedx, spdx
from hullcheck.report.document import Report, ReportError
from hullcheck.report.json_format import render as render_json

FORMATS = ("table", "json", "cyclonedx-json", "spdx-json")


def inventory_for(target: str) -> Inventory:
    """Catalogue ``target``: a directory (rootfs) or an SBOM file."""
    path = Path(target)
    if path.is_dir():
        result = catalog_directory(path, CATALOGERS)
        return Inventory(
            target=Target(kind="directory", name=target),
            packages=tuple(result.packages),
            distro=result.distro,
            errors=tuple(result.errors),
        )
    if path.is_file() and is_sbom_file(path):
        return read_sbom(path)
    if path.exists():
        raise InputError(f"{target}: neither a directory nor a CycloneDX/SPDX JSON SBOM")
    raise InputError(
        f"{target}: no such directory or file (image references are catalogued through "
        "hullcheck's layer walker, not wired into sbom yet)"
    )


def render_table(inventory: Inventory) -> str:
    rows = [("NAME", "VERSION", "TYPE", "SOURCE")]
    for pkg in inventory.packages:
        source = ""
        if pkg.source_name and (pkg.source_name, pkg.source_version) != (pkg.name, pkg.version):
            source = pkg.source_name
            if pkg.source_version and pkg.source_version != pkg.version:
                source += f" ({pkg.source_version})"
        rows.append((pkg.name, pkg.version, pkg.type, source))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        for r in rows
    ]
    distro = inventory.distro
    head = f"{inventory.target.name}: {len(inventory.packages)} packages"
    if distro is not None:
        head += f", {distro.pretty_name or distro.purl_qualifier}"
    return "\n".join([head, *lines]) + "\n"


def render_report_json(inventory: Inventory) -> str:
    target: dict[str, str] = {"kind": inventory.target.kind, "name": inventory.target.name}
    if inventory.target.digest:
        target["digest"] = inventory.target.digest
    if inventory.distro is not None:
        target["distro"] = inventory.distro.purl_qualifier
    counts: dict[str, int] = {}
    for pkg in inventory.packages:
        counts[pkg.type] = counts.get(pkg.type, 0) + 1
    report = Report(
        target=target,
        packages=list(inventory.packages),
        errors=[ReportError(e.message, e.path) for e in inventory.errors],
        summary={"packages": len(inventory.packages), "by_type": dict(sorted(counts.items()))},
    )
    return render_json(report)


RENDERERS: dict[str, Callable[[Inventory], str]] = {
    "table": render_table,
    "json": render_report_json,
    "cyclonedx-json": cyclonedx.render,
    "spdx-json": spdx.render,
}


def render(inventory: Inventory, fmt: str) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise InputError(
            f"unknown SBOM format {fmt!r} (choose from {', '.join(FORMATS)})"
        ) from None
    return renderer(inventory)
