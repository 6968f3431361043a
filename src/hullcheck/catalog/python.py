"""Installed Python distributions: ``*.dist-info/METADATA`` and ``*.egg-info/PKG-INFO``.

The core-metadata headers give ``Name`` and ``Version``; the name is normalised as
PEP 503 and the pypi purl spec say (``Jinja2`` -> ``jinja2``).  Licences: the
``License-Expression`` header (PEP 639), else the ``License`` header when it is a short
name, else the ``License ::`` trove classifiers.  The directory holding the metadata
(``site-packages``) is recorded so a report can say which environment a package is in.
Not packages: Debian's ``pkg-resources 0.0.0`` wheel artefact and copies under
``/usr/share/doc``.
"""

from __future__ import annotations

import re

from hullcheck.catalog.base import CatalogContext, Cataloger, glob_predicate
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "python"
MAX_SIZE = 4 * 1024 * 1024

wants = glob_predicate(
    "**/*.dist-info/METADATA",
    "**/*.egg-info/PKG-INFO",
    "**/*.egg-info",
    "**/EGG-INFO/PKG-INFO",
)
DOC_DIR = "/usr/share/doc/"
_NORMALISE = re.compile(r"[-_.]+")
_HEADER_LIMIT = 256 * 1024


def normalise_name(name: str) -> str:
    """PEP 503 normal form: lower case, runs of ``-_.`` become one ``-``."""
    return _NORMALISE.sub("-", name).lower()


def read_headers(content: bytes) -> dict[str, list[str]]:
    """The RFC 822 header block of a core-metadata file (the body is ignored)."""
    headers: dict[str, list[str]] = {}
    last: str | None = None
    for line in content[:_HEADER_LIMIT].decode("utf-8", "replace").splitlines():
        if not line.strip():
            break
        if line[0] in " \t" and last is not None:
            headers[last][-1] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            last = None
            continue
        last = key.strip().lower()
        headers.setdefault(last, []).append(value.strip())
    return headers


def _licenses(headers: dict[str, list[str]]) -> tuple[str, ...]:
    if expr := (headers.get("license-expression") or [""])[0]:
        return (expr,)
    text = (headers.get("license") or [""])[0]
    if text and "\n" not in text and len(text) <= 100 and text.upper() != "UNKNOWN":
        return (text,)
    classifiers = [
        c.split("::")[-1].strip()
        for c in headers.get("classifier", [])
        if c.startswith("License ::") and c.count("::") >= 2
    ]
    return tuple(dict.fromkeys(classifiers))


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    headers = read_headers(content)
    raw_name = (headers.get("name") or [""])[0]
    version = (headers.get("version") or [""])[0]
    if not raw_name or not version:
        return []
    name = normalise_name(raw_name)
    if name == "pkg-resources" and version == "0.0.0":
        return []  # an artefact of Debian's patched wheel; pip itself hides it
    if file.path.startswith(DOC_DIR):
        return []  # a documentation copy, not an installed distribution
    meta_dir = file.path if file.path.endswith(".egg-info") else file.path.rsplit("/", 1)[0]
    site_packages = meta_dir.rsplit("/", 1)[0] or "/"
    return [
        Package(
            name=name,
            version=version,
            type="pypi",
            purl=make_purl("pypi", name, version),
            licenses=_licenses(headers),
            files=(file.path,),
            metadata={"site_packages": site_packages, "declared_name": raw_name},
        )
    ]


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=MAX_SIZE)
