"""Version comparison, one module per scheme, exactly as each ecosystem's reference tool does.

Every scheme module exposes ``SCHEME``, a :class:`~hullcheck.vulns.versions.base.VersionScheme`
(``compare(a, b) -> -1|0|1`` and ``is_valid(text)``).  :data:`SCHEMES` is the explicit
registry; :func:`scheme_for_ecosystem` picks the scheme of an OSV ecosystem name
(``Debian:12`` -> dpkg, ``Alpine:v3.19`` -> apk, ``PyPI`` -> pep440 ...).
"""

from __future__ import annotations

from hullcheck.vulns.versions import (
    apk,
    composer,
    dpkg,
    golang,
    maven,
    nuget,
    pep440,
    rpm,
    rubygems,
    semver,
)
from hullcheck.vulns.versions.base import InvalidVersionError, VersionScheme

SCHEMES: tuple[VersionScheme, ...] = (
    dpkg.SCHEME,
    apk.SCHEME,
    rpm.SCHEME,
    pep440.SCHEME,
    semver.SCHEME,
    golang.SCHEME,
    maven.SCHEME,
    rubygems.SCHEME,
    nuget.SCHEME,
    composer.SCHEME,
)

_BY_NAME = {scheme.name: scheme for scheme in SCHEMES}

# OSV ecosystem (the part before the first ':') -> scheme name.  Ecosystems missing here
# have no exact scheme; their ECOSYSTEM ranges are not evaluated (versions lists still are).
ECOSYSTEM_SCHEMES: dict[str, str] = {
    "Debian": "dpkg",
    "Ubuntu": "dpkg",
    "Alpine": "apk",
    "Wolfi": "apk",
    "Chainguard": "apk",
    "Red Hat": "rpm",
    "Rocky Linux": "rpm",
    "AlmaLinux": "rpm",
    "openSUSE": "rpm",
    "SUSE": "rpm",
    "Mageia": "rpm",
    "PyPI": "pep440",
    "npm": "semver",
    "crates.io": "semver",
    "NuGet": "nuget",
    "Packagist": "composer",
    "Go": "golang",
    "Maven": "maven",
    "RubyGems": "rubygems",
}


def scheme_by_name(name: str) -> VersionScheme:
    """The scheme called ``name`` (``dpkg``, ``apk``, ``rpm``, ``pep440``, ``semver``...)."""
    return _BY_NAME[name]


def scheme_for_ecosystem(ecosystem: str) -> VersionScheme | None:
    """The version scheme of an OSV ecosystem such as ``Debian:12``; ``None`` if unknown."""
    name = ECOSYSTEM_SCHEMES.get(ecosystem.split(":", 1)[0])
    return _BY_NAME[name] if name else None


__all__ = [
    "ECOSYSTEM_SCHEMES",
    "SCHEMES",
    "InvalidVersionError",
    "VersionScheme",
    "scheme_by_name",
    "scheme_for_ecosystem",
]
