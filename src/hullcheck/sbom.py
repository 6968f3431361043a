"""The ``sbom`` pipeline: catalogue a target and render the inventory in one format.

A target is an image (any reference ``hullcheck.sources`` opens: OCI layout, docker
archive, registry, engine), an unpacked root filesystem (a directory without an
``oci-layout`` file) or an SBOM file read back.  Images are read in one pass by the layer
walker, with the catalogers subscribed through
:class:`hullcheck.catalog.subscriber.CatalogSubscriber`; :class:`CatalogAnalyser` is the
same thing shaped as a ``hullcheck.scan`` analyser, so ``scan`` lists packages too.
"""

from __future__ import annotations

from pathlib import Path

from hullcheck.analysis import Progress, walk_diagnostics
from hullcheck.catalog.collector import catalog_directory
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.catalog.sbom_input import check_image_file, is_sbom_file, read_sbom
from hullcheck.catalog.subscriber import CatalogSubscriber
from hullcheck.report.inventory_view import report_of
from hullcheck.report.options import RenderOptions
from hullcheck.report.registry import SBOM, available_formats, render_as
from hullcheck.scan import walk_image
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.open import SourceOptions

FORMATS = available_formats(SBOM)


def inventory_for(
    target: str,
    *,
    source: str | None = None,
    platform: Platform | None = None,
    options: SourceOptions | None = None,
    progress: Progress | None = None,
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
    return inventory_for_image(
        target, source=source, platform=platform, options=options, progress=progress
    )


def inventory_for_image(
    reference: str,
    *,
    source: str | None = None,
    platform: Platform | None = None,
    options: SourceOptions | None = None,
    progress: Progress | None = None,
) -> Inventory:
    """Open the image, read each layer once with the catalogers subscribed."""
    with open_image(reference, source=source, platform=platform, options=options) as handle:
        image = handle.image
        subscriber = CatalogSubscriber(CATALOGERS)
        # the layer cache keeps what scan's analysers need; an SBOM run would only fill it
        walk = walk_image(handle, subscriber.subscriptions(), progress, layer_cache=False)
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


def render(inventory: Inventory, fmt: str, options: RenderOptions | None = None) -> str:
    """The inventory in the registered SBOM format ``fmt`` (``InputError`` if unknown)."""
    return render_as(fmt, report_of(inventory), options, kind=SBOM)
