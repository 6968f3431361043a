"""Declared licence names -> SPDX identifiers, for the SBOM formats.

Packages keep the names their metadata declares (``Package.licenses``); SBOMs want SPDX
ids.  Debian's DEP-5 short names (``GPL-2+``, ``Expat``) and Python's trove classifier
names (``MIT License``) are mapped here; anything unknown is left for the format to
carry as a name (CycloneDX) or ``LicenseRef-`` (SPDX).
"""

from __future__ import annotations

from cyclonedx.spdx import fixup_id, is_expression

_GNU = {"GPL": "GPL", "LGPL": "LGPL", "AGPL": "AGPL", "GFDL": "GFDL"}
_VERSIONS = {"1": "1.0", "2": "2.0", "2.0": "2.0", "2.1": "2.1", "3": "3.0", "3.0": "3.0"}
_FDL = {"1.1": "1.1", "1.2": "1.2", "1.3": "1.3"}

_ALIASES = {
    "expat": "MIT",
    "mit license": "MIT",
    "mit": "MIT",
    "apache-2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "bsd license": "BSD-3-Clause",
    "isc license (iscl)": "ISC",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "python software foundation license": "PSF-2.0",
    "psf": "PSF-2.0",
    "public-domain": "LicenseRef-public-domain",
    "zlib": "Zlib",
    "artistic": "Artistic-1.0-Perl",
    "artistic-2": "Artistic-2.0",
    "cc0": "CC0-1.0",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
}


def _gnu(name: str) -> str | None:
    """``GPL-2`` -> ``GPL-2.0-only``, ``LGPL-2.1+`` -> ``LGPL-2.1-or-later``, ``GFDL-1.3``."""
    family, _, version = name.partition("-")
    if family.upper() not in _GNU or not version:
        return None
    plus = version.endswith("+")
    version = version.rstrip("+")
    if family.upper() == "GFDL":
        if version not in _FDL:
            return None
        return f"GFDL-{_FDL[version]}-{'or-later' if plus else 'only'}"
    if version not in _VERSIONS:
        return None
    return f"{_GNU[family.upper()]}-{_VERSIONS[version]}-{'or-later' if plus else 'only'}"


def to_spdx(name: str) -> str | None:
    """The SPDX id or expression for a declared licence name, ``None`` when unknown."""
    text = name.strip()
    if not text:
        return None
    if (alias := _ALIASES.get(text.lower())) is not None:
        return alias if not alias.startswith("LicenseRef-") else None
    # before fixup_id, which also accepts the deprecated ids GPL-2.0+, GFDL-1.3, LGPL-2.1+
    if (gnu := _gnu(text)) is not None and fixup_id(gnu) is not None:
        return gnu
    if (fixed := fixup_id(text)) is not None:
        return fixed
    if " " in text and is_expression(text):
        return text
    return None
