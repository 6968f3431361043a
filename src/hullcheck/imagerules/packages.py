"""Packages and their known vulnerabilities, as a scan analyser.

The catalogers (``hullcheck.catalog``) subscribe to the same single pass as the image
rules; once the pass is over their packages are matched against the vulnerability
database (``hullcheck.vulns``: the embedded snapshot by default, ``--db`` otherwise).
Vulnerability findings carry the layer of the package, so tracing points them at the
Dockerfile line that installed it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.analysis import AnalyserOutput
from hullcheck.catalog.analyser import CatalogAnalyser
from hullcheck.catalog.base import Distro
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Finding, JSONValue, Package
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

RULES = ()  # findings are advisories: their ids come from the database
BINARIES = "catalog-binaries"


def match_vulnerabilities(
    packages: Sequence[Package], distro: Distro | None, settings: ScanSettings
) -> tuple[list[Finding], dict[str, JSONValue]]:
    """Vulnerability findings for ``packages`` and what the summary says about the match."""
    from hullcheck.vulns.database import open_database, staleness_warning  # noqa: PLC0415
    from hullcheck.vulns.matcher import MatchStats, match_packages  # noqa: PLC0415

    db = open_database(settings.db_path)
    try:
        stats = MatchStats()
        findings = match_packages(packages, db, distro, stats)
        info: dict[str, JSONValue] = {
            "packages": stats.packages,
            "unmatched": dict(sorted(stats.unsupported.items())),
            "warning": staleness_warning(db, now=settings.now),
        }
    finally:
        db.close()
    return findings, info


class Packages:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings
        self.catalog = CatalogAnalyser()

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        if not self.settings.packages:
            return ()
        # the program catalogers' subscription accepts executables only (on the tar
        # header), so big data files are never buffered for them
        return self.catalog.subscriptions(image)

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        if not self.settings.packages:
            return AnalyserOutput()
        out = self.catalog.finish(image, walk)
        result = self.catalog.result
        if self.settings.vulnerabilities and result is not None:
            findings, info = match_vulnerabilities(out.packages, result.distro, self.settings)
            out.findings.extend(findings)
            out.summary["vulnerability_db"] = info
        return out


def analyser(settings: ScanSettings) -> Packages:
    return Packages(settings)
