"""CycloneDX 1.6 JSON: the SBOM of ``sbom``, and of ``scan`` with its vulnerabilities and VEX.

The image (or directory) is ``metadata.component`` (type ``container``, its manifest
digest as version and as a ``sha256`` hash), the distribution is an
``operating-system`` component, and every package is a ``library`` component with its
purl, licences and ``hullcheck:*`` properties (layer, files, cataloger, source package)
which :mod:`hullcheck.catalog.sbom_input` reads back.

A scan report adds ``vulnerabilities``: one entry per advisory finding, ``affects`` the
component of its package, rated with the finding's severity (and CVSS vector), its
references and fix.  The advisories the policy took out keep their place with an
``analysis`` (CycloneDX's VEX): a VEX ``not_affected`` statement becomes
``state: not_affected`` with its justification, ``fixed`` becomes ``resolved``, and an
accepted risk (an ignore with its reason, a baseline) ``response: [will_not_fix]`` with
the reason as ``detail``.  Findings hidden by a filter (``--severity``,
``--ignore-unfixed``) are left out, as from every other format.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisJustification,
    ImpactAnalysisResponse,
    ImpactAnalysisState,
)
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.model.tool import ToolRepository
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from hullcheck import __version__
from hullcheck.catalog.inventory import Inventory
from hullcheck.catalog.licenses import to_spdx
from hullcheck.document import Report
from hullcheck.model import Finding, Package, Practice, Severity
from hullcheck.report.inventory_view import inventory_of
from hullcheck.report.options import RenderOptions

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


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report's SBOM, with its vulnerabilities and their VEX analysis (scan reports)."""
    opts = options or RenderOptions()
    inventory = inventory_of(report)
    vulns = vulnerabilities(report, inventory)
    return render_inventory(inventory, timestamp=opts.now, vulnerabilities=vulns)


def render_inventory(
    inventory: Inventory,
    *,
    timestamp: datetime | None = None,
    vulnerabilities: Iterable[Vulnerability] = (),
) -> str:
    """The CycloneDX 1.6 JSON document, pretty-printed, ending in a newline."""
    # The library warns (a multi-line Python warning on stderr) about values a hostile
    # image can supply, e.g. a version over 1024 characters: the document is still
    # written, and stderr stays one line per problem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bom = build_bom(inventory, timestamp=timestamp)
        for vuln in vulnerabilities:
            bom.vulnerabilities.add(vuln)
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


_RATING: dict[Severity, VulnerabilitySeverity] = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
    Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
}
# OpenVEX justifications -> CycloneDX's nearest (the original text stays in ``detail``)
_JUSTIFICATION: dict[str, ImpactAnalysisJustification] = {
    "component_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_present": ImpactAnalysisJustification.CODE_NOT_PRESENT,
    "vulnerable_code_not_in_execute_path": ImpactAnalysisJustification.CODE_NOT_REACHABLE,
    "vulnerable_code_cannot_be_controlled_by_adversary": (
        ImpactAnalysisJustification.PROTECTED_AT_RUNTIME
    ),
    "inline_mitigations_already_exist": (
        ImpactAnalysisJustification.PROTECTED_BY_MITIGATING_CONTROL
    ),
}
_NVD = "https://nvd.nist.gov/vuln/detail/"
_GHSA = "https://github.com/advisories/"
_OSV = "https://osv.dev/vulnerability/"
ACCEPTED_BY = ("vex", "ignore", "config", "baseline")
"""Suppressions that are a decision about the advisory (kept, with an analysis)."""


def vulnerabilities(report: Report, inventory: Inventory) -> list[Vulnerability]:
    """The report's advisory findings (and decided suppressions) as CycloneDX entries."""
    refs: dict[str, str] = {}
    for pkg in inventory.packages:
        refs.setdefault(pkg.purl, bom_ref(pkg))
    root = f"target:{inventory.target.name}"
    out: list[Vulnerability] = []
    seen: set[tuple[str, str]] = set()
    decided = [f for f in report.suppressed if _suppressed_by(f) in ACCEPTED_BY]
    for finding in [*report.findings, *decided]:
        if finding.practice is not Practice.VULNERABILITIES:
            continue
        package = finding.extra.get("package")
        purl = package.get("purl") if isinstance(package, dict) else None
        target = refs.get(purl, root) if isinstance(purl, str) else root
        if (finding.rule, target) in seen:
            continue
        seen.add((finding.rule, target))
        out.append(_vulnerability(finding, target))
    return out


def _vulnerability(finding: Finding, target: str) -> Vulnerability:
    rating = VulnerabilityRating(severity=_RATING[finding.severity])
    cvss = finding.extra.get("cvss")
    if isinstance(cvss, dict) and isinstance(cvss.get("vector"), str):
        vector = str(cvss["vector"])
        method = VulnerabilityScoreSource.get_from_vector(vector)
        score = cvss.get("score")
        rating = VulnerabilityRating(
            severity=_RATING[finding.severity],
            method=method,
            vector=vector,
            score=Decimal(str(score)) if isinstance(score, int | float) else None,
        )
    references = []
    for alias in finding.extra.get("aliases") or []:
        if isinstance(alias, str) and alias != finding.rule:
            references.append(VulnerabilityReference(id=alias, source=_source(alias)))
    links = [r for r in finding.extra.get("references") or [] if isinstance(r, str)]
    advisories = [u for u in links if u.startswith(("https://", "http://")) and " " not in u]
    return Vulnerability(
        bom_ref=f"vuln:{finding.rule}@{target}",
        id=finding.rule,
        source=_source(finding.rule),
        references=references,
        ratings=[rating],
        description=finding.title,
        detail=finding.message,
        recommendation=finding.fix or None,
        advisories=[VulnerabilityAdvisory(url=XsUri(u)) for u in advisories[:10]],
        affects=[BomTarget(ref=target)],
        analysis=_analysis(finding),
    )


def _source(advisory: str) -> VulnerabilitySource:
    if advisory.startswith("CVE-"):
        return VulnerabilitySource(name="NVD", url=XsUri(f"{_NVD}{advisory}"))
    if advisory.startswith("GHSA-"):
        return VulnerabilitySource(name="GitHub", url=XsUri(f"{_GHSA}{advisory}"))
    return VulnerabilitySource(name="OSV", url=XsUri(f"{_OSV}{advisory}"))


def _suppressed_by(finding: Finding) -> str:
    mark = finding.extra.get("suppressed")
    return str(mark.get("by", "")) if isinstance(mark, dict) else ""


def _analysis(finding: Finding) -> VulnerabilityAnalysis | None:
    mark = finding.extra.get("suppressed")
    if not isinstance(mark, dict):
        return None
    by = str(mark.get("by", ""))
    reason = str(mark.get("reason") or "")
    if by == "vex":
        status, _, why = reason.partition(": ")
        if status == "fixed":
            return VulnerabilityAnalysis(state=ImpactAnalysisState.RESOLVED, detail=reason)
        return VulnerabilityAnalysis(
            state=ImpactAnalysisState.NOT_AFFECTED,
            justification=_JUSTIFICATION.get(why.strip()),
            detail=reason,
        )
    return VulnerabilityAnalysis(
        responses=[ImpactAnalysisResponse.WILL_NOT_FIX],
        detail=f"accepted ({by}): {reason}" if reason else f"accepted ({by})",
    )
