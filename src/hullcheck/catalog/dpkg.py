"""Debian packages: ``/var/lib/dpkg/status`` and distroless ``/var/lib/dpkg/status.d/*``.

Each installed paragraph becomes a ``deb`` package.  ``Source: name (version)`` gives
the source package (advisories are keyed on it); without a version in parentheses the
source version is the binary version.  Licences come from
``/usr/share/doc/<package>/copyright`` only when it is machine-readable (DEP-5, a
``Format:`` header), read as syft does: ``License:`` short names and
``/usr/share/common-licenses/<name>`` references, de-duplicated and sorted.
The purl carries ``arch``, ``distro`` (``debian-12``) and ``upstream`` as syft writes it.
"""

from __future__ import annotations

import re

from hullcheck.catalog.base import (
    CatalogContext,
    Cataloger,
    MiB,
    PartialRead,
    PathPredicate,
    damage_note,
    glob_predicate,
)
from hullcheck.catalog.deb822 import paragraphs
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "dpkg"

_wants_db = glob_predicate("/var/lib/dpkg/status", "/var/lib/dpkg/status.d/*")
_wants_copyright = glob_predicate("/usr/share/doc/*/copyright")
_wants_list = glob_predicate("/var/lib/dpkg/info/*.list")
_LIST_DIR = "/var/lib/dpkg/info/"
_SOURCE = re.compile(r"^(?P<name>\S+)(?:\s+\((?P<version>[^)]*)\))?")
_LICENSE = re.compile(r"^License:\s*(?P<license>\S+)")
_COMMON = re.compile(r"/usr/share/common-licenses/(?P<license>[0-9A-Za-z_.\-]+)")
_FORMAT = re.compile(r"^Format:\s*\S+")
# dpkg states in which the package's files are on disk
_NOT_INSTALLED = {"not-installed", "config-files"}


def wants(path: str) -> bool:
    """The status file and distroless per-package status files (not their md5sums)."""
    return _wants_db(path) and not path.endswith(".md5sums")


def parse(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
    text = content.decode("utf-8", "replace")
    distro = context.distro
    namespace = distro.id if distro else "debian"
    out: list[Package] = []
    junk: list[int] = []
    incomplete = 0
    for para in paragraphs(text, junk):
        name = para.get("Package", "")
        version = para.get("Version", "")
        status = para.get("Status", "install ok installed").split()
        if "deinstall" in status or "purge" in status or (status and status[-1] in _NOT_INSTALLED):
            continue
        if not name or not version:
            incomplete += 1
            continue
        arch = para.get("Architecture", "")
        src_name, src_version = name, version
        upstream = None
        if match := _SOURCE.match(para.get("Source", "")):
            src_name = match["name"]
            upstream = src_name
            if match["version"]:
                src_version = match["version"].strip()
                upstream = f"{src_name}@{src_version}"
        copyright_path = f"/usr/share/doc/{name}/copyright"
        copyright_text = context.files.get(copyright_path)
        licenses = parse_copyright(copyright_text) if copyright_text is not None else ()
        files = [file.path]
        if copyright_text is not None:
            files.append(copyright_path)
        purl = make_purl(
            "deb",
            name,
            version,
            namespace,
            {
                "arch": arch,
                "distro": distro.purl_qualifier if distro else None,
                "upstream": upstream,
            },
        )
        out.append(
            Package(
                name=name,
                version=version,
                type="deb",
                purl=purl,
                licenses=licenses,
                files=tuple(files),
                source_name=src_name,
                source_version=src_version,
                metadata={"architecture": arch, "maintainer": para.get("Maintainer", "")},
            )
        )
    if junk or incomplete:
        raise PartialRead(damage_note(junk, incomplete, "Package or Version"), out)
    return out


def parse_copyright(content: bytes) -> tuple[str, ...]:
    """Licences named by a machine-readable (DEP-5) copyright file; ``()`` for free text."""
    lines = content.decode("utf-8", "replace").splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not _FORMAT.match(first):
        return ()
    found: set[str] = set()
    for line in lines:
        for pattern in (_LICENSE, _COMMON):
            if (match := pattern.search(line)) is not None:
                value = match["license"].strip().rstrip(".")
                if value and value.lower() != "none":
                    found.add(value)
    return tuple(sorted(found))


def _context_wants(path: str) -> bool:
    return _wants_copyright(path) or _wants_list(path)


def owners(content: bytes, context: CatalogContext, interesting: PathPredicate) -> dict[str, str]:
    """Paths listed in ``/var/lib/dpkg/info/<package>[:arch].list``, by package name."""
    out: dict[str, str] = {}
    for path, listing in context.files.items():
        if not _wants_list(path):
            continue
        package = path[len(_LIST_DIR) : -len(".list")].split(":", 1)[0]
        for line in listing.decode("utf-8", "replace").splitlines():
            if line and interesting(line):
                out.setdefault(line, package)
    return out


CATALOGER = Cataloger(
    name=NAME,
    wants=wants,
    parse=parse,
    max_size=64 * MiB,
    deferred=True,
    context_wants=_context_wants,
    # the file list of a large package (firmware, headers) runs to megabytes
    context_max_size=8 * MiB,
    owners=owners,
)
