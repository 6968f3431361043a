"""Installed R packages: ``<library>/<Package>/DESCRIPTION`` (what ``R CMD INSTALL`` writes).

An installed package's DESCRIPTION is a DCF paragraph (the RFC 822 form dpkg uses) with
``Package``, ``Version`` and ``License``; R writes it into a directory named after the
package, inside a library such as ``/usr/lib/R/site-library`` or
``/usr/local/lib/R/site-library``, and adds a ``Built`` field.  Only a DESCRIPTION with
``Built`` whose ``Package`` names its own directory is an installed package: a source
tree's DESCRIPTION (no ``Built``) or the same file name in a document is not one.  (syft
lists source trees too; an SBOM of an image lists what is installed in it.)
Debian's ``r-cran-*`` packages install here too; the collector marks those as owned by
their Debian package, so the OS advisories judge them.
"""

from __future__ import annotations

import posixpath
import re

from hullcheck.catalog.base import CatalogContext, Cataloger, glob_predicate
from hullcheck.catalog.deb822 import paragraphs
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "cran"

wants = glob_predicate("**/DESCRIPTION")
# R's own rule for a package name: letters, digits and dots, starting with a letter.
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]")
_VERSION = re.compile(r"[0-9]+([.-][0-9]+)+")


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    del context
    text = content.decode("utf-8", "replace")
    fields = next(paragraphs(text), {})
    name, version = fields.get("Package", "").strip(), fields.get("Version", "").strip()
    directory = posixpath.basename(posixpath.dirname(file.path))
    if name != directory or "Built" not in fields:
        return []
    if not _PACKAGE.fullmatch(name) or not _VERSION.fullmatch(version):
        return []
    license_ = " ".join(fields.get("License", "").split())
    return [
        Package(
            name=name,
            version=version,
            type="cran",
            purl=make_purl("cran", name, version),
            licenses=(license_,) if license_ else (),
            files=(file.path,),
        )
    ]


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=256 * 1024)
