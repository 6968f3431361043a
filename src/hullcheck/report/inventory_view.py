"""An SBOM's view of a report: the :class:`Inventory` a report describes, and back.

Every format renders a :class:`~hullcheck.document.Report`.  ``sbom`` builds its report
with :func:`report_of`; the SBOM formats (CycloneDX, SPDX) read the target, the
distribution and the packages back with :func:`inventory_of`, from an ``sbom`` report and
from a ``scan`` report alike, so ``scan --format cyclonedx-json`` is the same SBOM plus
the vulnerabilities.
"""

from __future__ import annotations

from collections.abc import Mapping

from hullcheck.catalog.base import Distro
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.document import Report
from hullcheck.model import JSONValue

SBOM_KIND = "sbom-inventory"
"""``summary.kind`` of a report made by :func:`report_of` (how a format tells it apart)."""


def report_of(inventory: Inventory) -> Report:
    """The report ``sbom`` renders: the target, the packages, what could not be read."""
    target: dict[str, JSONValue] = {"kind": inventory.target.kind, "name": inventory.target.name}
    if inventory.target.digest:
        target["digest"] = inventory.target.digest
    if inventory.target.platform:
        target["platform"] = inventory.target.platform
    if inventory.distro is not None:
        target["distro"] = inventory.distro.purl_qualifier
    counts: dict[str, int] = {}
    for pkg in inventory.packages:
        counts[pkg.type] = counts.get(pkg.type, 0) + 1
    summary: dict[str, JSONValue] = {
        "packages": len(inventory.packages),
        "by_type": dict(sorted(counts.items())),
        "complete": inventory.complete,
    }
    if inventory.distro is not None:
        summary["base_os"] = _distro_json(inventory.distro)
    return Report(
        target=target,
        packages=list(inventory.packages),
        diagnostics=list(inventory.diagnostics),
        summary=summary,
    )


def is_inventory(report: Report) -> bool:
    """Whether ``report`` came from :func:`report_of` (an SBOM, no findings)."""
    target = report.target or {}
    return "by_type" in report.summary and "kind" in target and "name" in target


def inventory_of(report: Report) -> Inventory:
    """The inventory a report describes (an ``sbom`` or a ``scan`` report)."""
    target: Mapping[str, JSONValue] = report.target or {}
    kind = _text(target.get("kind")) or ("image" if target else "directory")
    name = _text(target.get("name")) or _text(target.get("reference")) or "unknown"
    return Inventory(
        target=Target(
            kind=kind,
            name=name,
            digest=_text(target.get("digest")) or None,
            platform=_text(target.get("platform")) or None,
        ),
        packages=tuple(report.packages or ()),
        distro=_distro(report.summary.get("base_os")),
        diagnostics=tuple(report.diagnostics),
    )


def _distro_json(distro: Distro) -> dict[str, JSONValue]:
    return {
        "id": distro.id,
        "version_id": distro.version_id,
        "pretty_name": distro.pretty_name or None,
    }


def _distro(value: JSONValue) -> Distro | None:
    if not isinstance(value, Mapping) or not _text(value.get("id")):
        return None
    return Distro(
        id=_text(value.get("id")),
        version_id=_text(value.get("version_id")),
        pretty_name=_text(value.get("pretty_name")),
    )


def _text(value: JSONValue) -> str:
    return value if isinstance(value, str) else ""
