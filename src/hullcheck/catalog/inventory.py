"""What an SBOM describes: the target, its distribution and its packages.

Every SBOM format (CycloneDX, SPDX, table, JSON) renders an :class:`Inventory`, and
:mod:`hullcheck.catalog.sbom_input` reads SBOM files back into one, so ``scan`` can
match vulnerabilities against an SBOM exactly as against an image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullcheck.catalog.base import Distro
from hullcheck.catalog.collector import CatalogError
from hullcheck.model import Package


@dataclass(frozen=True, slots=True)
class Target:
    """What was catalogued: ``kind`` is ``image``, ``directory`` or ``sbom``.

    ``name`` is how the user named it (a reference or a path); ``digest`` the image's
    manifest digest when there is one.
    """

    kind: str
    name: str
    digest: str | None = None
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class Inventory:
    """The packages of one target, ready to be rendered as an SBOM."""

    target: Target
    packages: tuple[Package, ...]
    distro: Distro | None = None
    errors: tuple[CatalogError, ...] = field(default_factory=tuple)
    complete: bool = True
    """False when the image could only be partly read: packages may be missing."""
