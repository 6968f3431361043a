"""CycloneDX 1.6 JSON SBOM, built with cyclonedx-python-lib.

The image (or directory) is ``metadata.component`` (type ``container``, its manifest
digest as version and as a ``sha256`` hash), the distribution is an
``operating-system`` component, and every package is a ``library`` component with its
purl, licences and ``hullcheck:*`` properties (layer, files, cataloger, source package)
which :mod:`hullcheck.catalog.sbom_input` reads back.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from hullcheck import __version__
from hullcheck.catalog.inventory import Inventory
from hullcheck.catalog.licenses import to_spdx
from hullcheck.model import Package

PROPERTY_PREFIX = "hullcheck:"
_factory = LicenseFactory()


def _licenses(values: Iterable[str]) -> list[License]:
    # SPDX ids where the declared name maps to one (GPL-2+ -> GPL-2.0-or-later), else names
    values = list(dict.fromkeys(to_spdx(v) or v.strip() for v in values if v.strip()))
    if len(values) == 1:
        made = _factory.make_from_string(values[0])
        return [made]
    out: list[License] = []
    for value in values:
        made = _factory.make_from_string(value)
        # a list of licences may not mix in expressions: keep such a value as a name
        out.append(DisjunctiveLicense(name=value) if isinstance(made, LicenseExpression) else made)
    return out


def bom_ref(pkg: Package) -> str:
    """A stable, unique reference: the purl plus a short hash of where it was found."""
    digest = hashlib.sha256("\0".join((pkg.purl, *pkg.files)).encode()).hexdigest()[:16]
    return f"{pkg.purl or pkg.type + ':' + pkg.name}#{digest}"


def _properties(pkg: Package) -> list[Property]:
    props = [Property(name=f"{PROPERTY_PREFIX}package:type", value=pkg.type)]
    if pkg.cataloger:
        props.append(Property(name=f"{PROPERTY_PREFIX}cataloger", value=pkg.cataloger))
    if pkg.layer_digest:
        props.append(Property(name=f"{PROPERTY_PREFIX}layer", value=pkg.layer_digest))
    if pkg.layer_index is not None:
        props.append(Property(name=f"{PROPERTY_PREFIX}layer_index", value=str(pkg.layer_index)))
    for i, path in enumerate(pkg.files):
        props.append(Property(name=f"{PROPERTY_PREFIX}file:{i}", value=path))
    if pkg.source_name:
        props.append(Property(name=f"{PROPERTY_PREFIX}source:name", value=pkg.source_name))
    if pkg.source_version:
        props.append(Property(name=f"{PROPERTY_PREFIX}source:version", value=pkg.source_version))
    if pkg.owner:
        props.append(Property(name=f"{PROPERTY_PREFIX}os-package", value=pkg.owner))
    return props


def build_bom(
    inventory: Inventory, *, timestamp: datetime | None = None, serial: UUID | None = None
) -> Bom:
    target = inventory.target
    root_hashes = []
    if target.digest and target.digest.startswith("sha256:"):
        root_hashes.append(HashType(alg=HashAlgorithm.SHA_256, content=target.digest[7:]))
    root = Component(
        name=target.name,
        version=target.digest,
        type=ComponentType.CONTAINER if target.kind == "image" else ComponentType.FILE,
        bom_ref=f"target:{target.name}",
        hashes=root_hashes,
        properties=[Property(name=f"{PROPERTY_PREFIX}target:kind", value=target.kind)],
    )
    components: list[Component] = []
    if inventory.distro is not None:
        d = inventory.distro
        components.append(
            Component(
                name=d.id,
                version=d.version_id or None,
                description=d.pretty_name or None,
                type=ComponentType.OPERATING_SYSTEM,
                bom_ref=f"os:{d.id}@{d.version_id}",
            )
        )
    seen: set[str] = set()
    for pkg in inventory.packages:
        ref = bom_ref(pkg)
        if ref in seen:
            continue
        seen.add(ref)
        purl = None
        if pkg.purl:
            try:
                purl = PackageURL.from_string(pkg.purl)
            except ValueError:
                purl = None
        components.append(
            Component(
                name=pkg.name,
                version=pkg.version,
                type=ComponentType.LIBRARY,
                bom_ref=ref,
                purl=purl,
                licenses=_licenses(pkg.licenses),
                properties=_properties(pkg),
            )
        )
    tools = ToolRepository(
        components=[
            Component(type=ComponentType.APPLICATION, name="hullcheck", version=__version__)
        ]
    )
    bom = Bom(
        components=components,
        metadata=BomMetaData(
            component=root, tools=tools, timestamp=timestamp or datetime.now(tz=UTC)
        ),
        serial_number=serial,
    )
    bom.dependencies.add(
        Dependency(ref=root.bom_ref, dependencies=[Dependency(ref=c.bom_ref) for c in components])
    )
    for c in components:
        bom.dependencies.add(Dependency(ref=c.bom_ref))
    return bom


def render(inventory: Inventory, *, timestamp: datetime | None = None) -> str:
    """The CycloneDX 1.6 JSON document, pretty-printed, ending in a newline."""
    # The library warns (a multi-line Python warning on stderr) about values a hostile
    # image can supply, e.g. a version over 1024 characters: the document is still
    # written, and stderr stays one line per problem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bom = build_bom(inventory, timestamp=timestamp)
        text: str = JsonV1Dot6(bom).output_as_string(indent=2)
    if not inventory.complete:
        # the library has no model of compositions: add the standard mark that the
        # inventory of the root component is partial
        doc = json.loads(text)
        doc["compositions"] = [
            {"aggregate": "incomplete", "assemblies": [f"target:{inventory.target.name}"]}
        ]
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    return text + "\n"
