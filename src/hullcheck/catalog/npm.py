"""Installed npm packages: every ``package.json`` with a name and a version.

This follows syft's image cataloger, which reads ``**/package.json`` (the packages under
``node_modules`` and the application's own manifest).  Lock files are not read as
inventory: a lock file says what *would* be installed, not what is.  Licences come from
``license`` (a string or ``{"type": ...}``) or the legacy ``licenses`` list.  Scoped
names (``@babel/core``) become the purl namespace.  Not packages: manifests without a
name and a version, helper manifests below a module's root, copies under ``/usr/share/doc``.
"""

from __future__ import annotations

import json

from hullcheck.catalog.base import CatalogContext, Cataloger, glob_predicate
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, JSONValue, Package

NAME = "npm"
MAX_SIZE = 2 * 1024 * 1024

wants = glob_predicate("**/package.json")
DOC_DIR = "/usr/share/doc/"
_MODULES = "/node_modules/"


def is_helper(path: str) -> bool:
    """A ``package.json`` inside a module but not at its root (``foo/bin/package.json``).

    Under ``node_modules`` a package lives at ``node_modules/<name>`` or
    ``node_modules/@scope/<name>``; a manifest deeper than that marks a sub-directory
    (module type, browser field) of the enclosing package, not a package of its own.
    """
    at = path.rfind(_MODULES)
    if at < 0:
        return False
    parts = path[at + len(_MODULES) :].split("/")[:-1]
    depth = 2 if parts and parts[0].startswith("@") else 1
    return len(parts) != depth


def _license_names(data: dict[str, JSONValue]) -> tuple[str, ...]:
    out: list[str] = []
    value = data.get("license")
    values = value if isinstance(value, list) else [value]
    legacy = data.get("licenses")
    if isinstance(legacy, list):
        values = [*values, *legacy]
    for item in values:
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        elif isinstance(item, dict) and isinstance(item.get("type"), str) and item["type"]:
            out.append(str(item["type"]).strip())
    return tuple(dict.fromkeys(out))


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError):
        return []  # many package.json-named files are templates or fixtures, not manifests
    if not isinstance(data, dict):
        return []
    name, version = data.get("name"), data.get("version")
    if not isinstance(name, str) or not isinstance(version, str) or not name or not version:
        return []
    if file.path.startswith(DOC_DIR) or is_helper(file.path):
        return []
    namespace = None
    short = name
    if name.startswith("@") and "/" in name:
        namespace, short = name.split("/", 1)
    return [
        Package(
            name=name,
            version=version,
            type="npm",
            purl=make_purl("npm", short, version, namespace),
            licenses=_license_names(data),
            files=(file.path,),
            metadata={"private": bool(data.get("private", False))},
        )
    ]


CATALOGER = Cataloger(name=NAME, wants=wants, parse=parse, max_size=MAX_SIZE)
