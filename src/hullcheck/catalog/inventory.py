"""What an SBOM describes: the target, its distribution and its packages.

Every SBOM format (CycloneDX, SPDX, table, JSON) renders an :class:`Inventory`, and
:mod:`hullcheck.catalog.sbom_input` reads SBOM files back into one, so ``scan`` can
match vulnerabilities against an SBOM exactly as against an image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullcheck.catalog.base import Distro
from hullcheck.diagnostics import Diagnostic, Level
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
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)
    """What could not be read (errors: packages may be missing) or should be said."""

    @property
    def complete(self) -> bool:
        """False when something could not be read: packages may be missing."""
        return not any(d.level is Level.ERROR for d in self.diagnostics)
