"""The ``sbom`` pipeline: catalogue a target and render the inventory in one format.

A target is an image (any reference ``hullcheck.sources`` opens: OCI layout, docker
archive, registry, engine), an unpacked root filesystem (a directory without an
``oci-layout`` file) or an SBOM file read back.  Images are read in one pass by the layer
walker, with the catalogers subscribed through
:class:`hullcheck.catalog.subscriber.CatalogSubscriber`; :class:`CatalogAnalyser` is the
same thing shaped as a ``hullcheck.scan`` analyser, so ``scan`` lists packages too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hullcheck.analysis import walk_diagnostics
from hullcheck.catalog.collector import catalog_directory
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.sbom_input import check_image_file, is_sbom_file, read_sbom
from hullcheck.catalog.subscriber import CatalogSubscriber
from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.report import cyclonedx, spdx
from hullcheck.report.json_format import render as render_json
from hullcheck.report.source_lines import visible
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.open import SourceOptions

FORMATS = ("table", "json", "cyclonedx-json", "spdx-json")


def inventory_for(
    target: str,
    *,
    source: str | None = None,
    platform: Platform | None = None,
    options: SourceOptions | None = None,
) -> Inventory:
    """Catalogue ``target``: an image reference, a rootfs directory or an SBOM file."""
    path = Path(target)
    if source is None and path.is_dir() and not (path / "oci-layout").exists():
        result = catalog_directory(path, CATALOGERS)
        return Inventory(
            target=Target(kind="directory", name=target),
            packages=tuple(result.packages),
            distro=result.distro,
            diagnostics=tuple(e.diagnostic() for e in result.errors),
        )
    if source is None and path.is_file():
        if is_sbom_file(path):
            return read_sbom(path)
        check_image_file(path)
    return inventory_for_image(target, source=source, platform=platform, options=options)


def inventory_for_image(
    reference: str,
    *,
    source: str | None = None,
    platform: Platform | None = None,
    options: SourceOptions | None = None,
) -> Inventory:
    """Open the image, read each layer once with the catalogers subscribed."""
    with open_image(reference, source=source, platform=platform, options=options) as handle:
        image = handle.image
        subscriber = CatalogSubscriber(CATALOGERS)
        walk = handle.walk(subscriber.subscriptions())
        result = subscriber.finish(walk)
    return Inventory(
        target=Target(
            kind="image",
            name=image.reference,
            digest=image.manifest_digest,
            platform=str(image.platform),
        ),
        packages=tuple(result.packages),
        distro=result.distro,
        diagnostics=(
            *walk_diagnostics(walk),
            *(e.diagnostic() for e in result.errors),
        ),
    )


def render_table(inventory: Inventory) -> str:
    rows = [("NAME", "VERSION", "TYPE", "SOURCE")]
    for pkg in inventory.packages:
        source = ""
        if pkg.source_name and (pkg.source_name, pkg.source_version) != (pkg.name, pkg.version):
            source = pkg.source_name
            if pkg.source_version and pkg.source_version != pkg.version:
                source += f" ({pkg.source_version})"
        # names come from hostile files: terminal escapes must not reach the terminal
        rows.append((visible(pkg.name), visible(pkg.version), visible(pkg.type), visible(source)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip()
        for r in rows
    ]
    distro = inventory.distro
    head = f"{visible(inventory.target.name)}: {len(inventory.packages)} packages"
    if distro is not None:
        head += f", {visible(distro.pretty_name or distro.purl_qualifier)}"
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
        diagnostics=list(inventory.diagnostics),
        summary={
            "packages": len(inventory.packages),
            "by_type": dict(sorted(counts.items())),
            "complete": inventory.complete,
        },
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
