"""RPM packages from the rpmdb: sqlite (``rpmdb.sqlite``), Berkeley DB (``Packages``), ndb.

Looked for where RHEL/Fedora/SUSE/Amazon keep it: ``/var/lib/rpm``,
``/usr/lib/sysimage/rpm`` and ``/usr/share/rpm``.  The version is
``[epoch:]version-release`` as syft writes it; the purl carries ``arch``, ``epoch``,
``distro`` and ``upstream`` (the source RPM file name), and the source package (name and
version-release parsed from the source RPM) is what advisories are matched on.
``gpg-pubkey`` entries are signing keys imported into the database, not software, and
are skipped.
"""

from __future__ import annotations

from hullcheck.catalog import rpmheader as h
from hullcheck.catalog.base import (
    ByteSource,
    CatalogContext,
    Cataloger,
    Distro,
    MiB,
    PathPredicate,
    glob_predicate,
)
from hullcheck.catalog.purls import make_purl
from hullcheck.catalog.rpmdb import header_blobs
from hullcheck.model import FileRef, Package

NAME = "rpm"

wants = glob_predicate(
    "/var/lib/rpm/Packages",
    "/var/lib/rpm/Packages.db",
    "/var/lib/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    "/usr/share/rpm/Packages",
    "/usr/share/rpm/Packages.db",
    "/usr/share/rpm/rpmdb.sqlite",
)


def split_source_rpm(source_rpm: str) -> tuple[str, str] | None:
    """``bash-5.1.8-9.el9.src.rpm`` -> ``("bash", "5.1.8-9.el9")``."""
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if source_rpm.endswith(suffix):
            stem = source_rpm[: -len(suffix)]
            parts = stem.rsplit("-", 2)
            if len(parts) == 3 and all(parts):
                return parts[0], f"{parts[1]}-{parts[2]}"
    return None


def parse(file: FileRef, content: ByteSource, context: CatalogContext) -> list[Package]:
    distro = context.distro
    namespace = distro.id if distro else "redhat"
    out: list[Package] = []
    for blob in header_blobs(content):
        try:
            pkg = _package(file, blob, distro, namespace)
        except ValueError:
            # one damaged header must not hide every other package (scanner evasion);
            # a database whose structure is damaged still fails as a whole
            continue
        if pkg is not None:
            out.append(pkg)
    return out


def _package(file: FileRef, blob: bytes, distro: Distro | None, namespace: str) -> Package | None:
    header = h.parse_header(blob)
    name = header.string(h.TAG_NAME)
    version = header.string(h.TAG_VERSION)
    release = header.string(h.TAG_RELEASE)
    if not name or not version or name == "gpg-pubkey":
        return None
    epoch = header.integer(h.TAG_EPOCH)
    arch = header.string(h.TAG_ARCH)
    source_rpm = header.string(h.TAG_SOURCERPM)
    evr = f"{version}-{release}" if release else version
    full_version = f"{epoch}:{evr}" if epoch is not None else evr
    source = split_source_rpm(source_rpm)
    license_text = header.string(h.TAG_LICENSE)
    purl = make_purl(
        "rpm",
        name,
        evr,
        namespace,
        {
            "arch": arch,
            "epoch": str(epoch) if epoch is not None else None,
            "distro": distro.purl_qualifier if distro else None,
            "upstream": source_rpm or None,
        },
    )
    return Package(
        name=name,
        version=full_version,
        type="rpm",
        purl=purl,
        licenses=(license_text,) if license_text else (),
        files=(file.path,),
        source_name=source[0] if source else name,
        source_version=source[1] if source else evr,
        metadata={
            "architecture": arch,
            "epoch": epoch,
            "source_rpm": source_rpm,
            "vendor": header.string(h.TAG_VENDOR),
            "modularity_label": header.string(h.TAG_MODULARITYLABEL),
        },
    )


def owners(
    content: ByteSource, context: CatalogContext, interesting: PathPredicate
) -> dict[str, str]:
    """Files by owning package: ``DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`` of each header."""
    out: dict[str, str] = {}
    for blob in header_blobs(content):
        try:
            header = h.parse_header(blob)
        except ValueError:
            continue
        name = header.string(h.TAG_NAME)
        bases = header.tags.get(h.TAG_BASENAMES)
        dirs = header.tags.get(h.TAG_DIRNAMES)
        indexes = header.tags.get(h.TAG_DIRINDEXES)
        if not name or not isinstance(bases, list) or not isinstance(dirs, list):
            continue
        if not isinstance(indexes, list):
            continue
        for base, index in zip(bases, indexes, strict=False):
            if not isinstance(index, int) or not 0 <= index < len(dirs):
                continue
            path = f"{dirs[index]}{base}"
            if interesting(path):
                out.setdefault(path, name)
    return out


CATALOGER = Cataloger(
    name=NAME,
    wants=wants,
    parse=parse,
    max_size=512 * MiB,
    deferred=True,
    owners=owners,
    parse_spooled=parse,
    owners_spooled=owners,
)
