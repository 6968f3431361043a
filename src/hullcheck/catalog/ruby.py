"""Installed Ruby gems: ``specifications/*.gemspec`` (what ``gem install`` writes).

Installed gemspecs are generated Ruby; the ``name``, ``version`` and ``licenses``
assignments are read with regular expressions (the file is never evaluated).
"""

from __future__ import annotations

import re

from hullcheck.catalog.base import CatalogContext, Cataloger, glob_predicate
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "ruby"

wants = glob_predicate("**/specifications/*.gemspec", "**/specifications/**/*.gemspec")
_NAME = re.compile(r"""^\s*\w+\.name\s*=\s*["']([^"']+)["']""", re.M)
_VERSION = re.compile(r"""^\s*\w+\.version\s*=\s*["']([^"']+)["']""", re.M)
_LICENSES = re.compile(r"""^\s*\w+\.licenses?\s*=\s*\[?([^\]\n]*)""", re.M)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    text = content.decode("utf-8", "replace")
    name, version = _NAME.search(text), _VERSION.search(text)
    if not name or not version:
        return []
    licenses: list[str] = []
    for match in _LICENSES.finditer(text):
        licenses.extend(_QUOTED.findall(match.group(1)))
    return [
        Package(
            name=name.group(1),
            version=version.group(1),
            type="gem",
            purl=make_purl("gem", name.group(1), version.group(1)),
            licenses=tuple(dict.fromkeys(licenses)),
            files=(file.path,),
        )
    ]


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=1024 * 1024)
