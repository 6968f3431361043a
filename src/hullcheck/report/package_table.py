"""``sbom``'s table: one line per package (name, version, type, source package)."""

from __future__ import annotations

from hullcheck.document import Report
from hullcheck.report.columns import columns
from hullcheck.report.inventory_view import inventory_of
from hullcheck.report.options import RenderOptions
from hullcheck.report.source_lines import visible


def render(report: Report, options: RenderOptions | None = None) -> str:
    """A header line (target, count, distribution) and the package table."""
    del options
    inventory = inventory_of(report)
    rows: list[tuple[str, str, str, str]] = []
    for pkg in inventory.packages:
        source = ""
        if pkg.source_name and (pkg.source_name, pkg.source_version) != (pkg.name, pkg.version):
            source = pkg.source_name
            if pkg.source_version and pkg.source_version != pkg.version:
                source += f" ({pkg.source_version})"
        rows.append((pkg.name, pkg.version, pkg.type, source))
    head = f"{visible(inventory.target.name)}: {len(inventory.packages)} packages"
    if inventory.distro is not None:
        distro = inventory.distro
        head += f", {visible(distro.pretty_name or distro.purl_qualifier)}"
    return "\n".join([head, *columns(("NAME", "VERSION", "TYPE", "SOURCE"), rows)]) + "\n"
