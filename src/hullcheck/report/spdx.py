"""SPDX 2.3 JSON SBOM, written directly (the spdx-tools library pulls in rdflib and more).

The image is the package ``DESCRIBED`` by the document (purpose ``CONTAINER``, its
manifest digest as a ``SHA256`` checksum); the distribution is an ``OPERATING_SYSTEM``
package; every catalogued package is a ``LIBRARY`` package with its purl as a
``PACKAGE-MANAGER`` external reference, and is ``CONTAIN``\\ ed by the image.  Licence
strings that are not valid SPDX expressions become ``LicenseRef-`` identifiers with the
original text kept in ``hasExtractedLicensingInfos``.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime

from hullcheck import __version__
from hullcheck.catalog.inventory import Inventory
from hullcheck.catalog.licenses import to_spdx
from hullcheck.catalog.sbom_input import INCOMPLETE_MARK
from hullcheck.document import Report
from hullcheck.model import JSONValue, Package
from hullcheck.report.inventory_view import inventory_of
from hullcheck.report.options import RenderOptions

NOASSERTION = "NOASSERTION"
_IDCHARS = re.compile(r"[^A-Za-z0-9.-]+")


def _spdx_id(prefix: str, text: str) -> str:
    return f"SPDXRef-{prefix}-{_IDCHARS.sub('-', text).strip('-')[:80]}"


class _Licenses:
    """Turns licence strings into SPDX expressions, collecting ``LicenseRef-`` texts."""

    def __init__(self) -> None:
        self.extracted: dict[str, str] = {}

    def expression(self, values: tuple[str, ...]) -> str:
        parts = [self._one(v) for v in values if v.strip()]
        if not parts:
            return NOASSERTION
        if len(parts) == 1:
            return parts[0]
        return " AND ".join(f"({p})" if " " in p else p for p in parts)

    def _one(self, value: str) -> str:
        value = value.strip()
        if (spdx := to_spdx(value)) is not None:
            return spdx
        ref = "LicenseRef-" + (_IDCHARS.sub("-", value).strip("-") or "unknown")
        self.extracted.setdefault(ref, value)
        return ref


def _package(pkg: Package, spdx_id: str, licenses: _Licenses) -> dict[str, JSONValue]:
    out: dict[str, JSONValue] = {
        "SPDXID": spdx_id,
        "name": pkg.name,
        "versionInfo": pkg.version,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": licenses.expression(pkg.licenses),
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "LIBRARY",
        "sourceInfo": f"acquired package info from {pkg.cataloger or pkg.type}: "
        + ", ".join(pkg.files),
    }
    if pkg.purl:
        out["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": pkg.purl,
            }
        ]
    if pkg.layer_digest or pkg.layer_index is not None:
        out["comment"] = f"layer {pkg.layer_index}: {pkg.layer_digest or ''}".strip()
    return out


def _creation_info(inventory: Inventory, when: str) -> dict[str, JSONValue]:
    info: dict[str, JSONValue] = {"created": when, "creators": [f"Tool: hullcheck-{__version__}"]}
    if not inventory.complete:
        # SPDX 2.3 has no completeness field: the creator comment says it, and
        # hullcheck.catalog.sbom_input reads it back as an incomplete inventory
        lost = "; ".join(str(d) for d in inventory.diagnostics if d.level == "error")[:2000]
        info["comment"] = f"{INCOMPLETE_MARK}: {lost}"
    return info


def build_document(
    inventory: Inventory, *, created: datetime | None = None, namespace_id: str | None = None
) -> dict[str, JSONValue]:
    target = inventory.target
    when = (created or datetime.now(tz=UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ns = namespace_id or str(uuid.uuid4())
    licenses = _Licenses()
    root_id = _spdx_id("Image" if target.kind == "image" else "Directory", target.name)
    root: dict[str, JSONValue] = {
        "SPDXID": root_id,
        "name": target.name,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "primaryPackagePurpose": "CONTAINER" if target.kind == "image" else "FILE",
    }
    if target.digest:
        root["versionInfo"] = target.digest
        if target.digest.startswith("sha256:"):
            root["checksums"] = [{"algorithm": "SHA256", "checksumValue": target.digest[7:]}]
    packages: list[dict[str, JSONValue]] = [root]
    relationships: list[dict[str, JSONValue]] = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relatedSpdxElement": root_id,
            "relationshipType": "DESCRIBES",
        }
    ]
    if inventory.distro is not None:
        d = inventory.distro
        os_id = _spdx_id("OperatingSystem", f"{d.id}-{d.version_id}")
        os_pkg: dict[str, JSONValue] = {
            "SPDXID": os_id,
            "name": d.id,
            "downloadLocation": NOASSERTION,
            "filesAnalyzed": False,
            "primaryPackagePurpose": "OPERATING_SYSTEM",
        }
        if d.version_id:
            os_pkg["versionInfo"] = d.version_id
        if d.pretty_name:
            os_pkg["description"] = d.pretty_name
        packages.append(os_pkg)
        relationships.append(
            {"spdxElementId": root_id, "relatedSpdxElement": os_id, "relationshipType": "CONTAINS"}
        )
    seen: set[str] = set()
    by_purl: dict[str, str] = {}
    owned: list[tuple[str, str]] = []
    for pkg in inventory.packages:
        key = hashlib.sha256("\0".join((pkg.purl, *pkg.files)).encode()).hexdigest()[:16]
        spdx_id = _spdx_id("Package", f"{pkg.type}-{pkg.name}-{key}")
        if spdx_id in seen:
            continue
        seen.add(spdx_id)
        by_purl.setdefault(pkg.purl, spdx_id)
        if pkg.owner:
            owned.append((pkg.owner, spdx_id))
        packages.append(_package(pkg, spdx_id, licenses))
        relationships.append(
            {
                "spdxElementId": root_id,
                "relatedSpdxElement": spdx_id,
                "relationshipType": "CONTAINS",
            }
        )
    # the OS package that installed a language package's metadata CONTAINS it
    for owner, spdx_id in owned:
        if owner in by_purl:
            relationships.append(
                {
                    "spdxElementId": by_purl[owner],
                    "relatedSpdxElement": spdx_id,
                    "relationshipType": "CONTAINS",
                }
            )
    doc: dict[str, JSONValue] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": target.name,
        "documentNamespace": f"https://hullcheck.invalid/spdx/{target.kind}/{ns}",
        "creationInfo": _creation_info(inventory, when),
        "packages": packages,
        "relationships": relationships,
    }
    if licenses.extracted:
        doc["hasExtractedLicensingInfos"] = [
            {"licenseId": ref, "extractedText": text, "name": text}
            for ref, text in sorted(licenses.extracted.items())
        ]
    return doc


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report's packages as an SPDX 2.3 JSON document."""
    opts = options or RenderOptions()
    return render_inventory(inventory_of(report), created=opts.now)


def render_inventory(inventory: Inventory, *, created: datetime | None = None) -> str:
    """The SPDX 2.3 JSON document, pretty-printed, ending in a newline."""
    return (
        json.dumps(build_document(inventory, created=created), indent=2, ensure_ascii=False) + "\n"
    )
