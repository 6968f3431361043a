"""Packages and their known vulnerabilities, as a scan analyser.

The catalogers (``hullcheck.catalog``) subscribe to the same single pass as the image
rules; once the pass is over their packages are matched against the vulnerability
database (``hullcheck.vulns``: the embedded snapshot by default, ``--db`` otherwise).
Vulnerability findings carry the layer of the package, so tracing points them at the
Dockerfile line that installed it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck import diagnostics as diag
from hullcheck.analysis import AnalyserOutput
from hullcheck.catalog.analyser import CatalogAnalyser
from hullcheck.catalog.base import Distro
from hullcheck.diagnostics import Diagnostic
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Finding, JSONValue, Package
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

RULES = ()  # findings are advisories: their ids come from the database


def match_vulnerabilities(
    packages: Sequence[Package], distro: Distro | None, settings: ScanSettings
) -> tuple[list[Finding], dict[str, JSONValue], list[Diagnostic]]:
    """Vulnerability findings for ``packages``, what the summary says about the match
    (which data was used, how old it is, which packages it covered), and the coverage it
    lost as error diagnostics: packages of an ecosystem or release no data covers
    (``vulnerability-coverage``), data older than ``--max-db-age`` (``vulnerability-db``)."""
    from hullcheck.vulns.database import (  # noqa: PLC0415
        data_age_days,
        open_database,
        staleness_warning,
    )
    from hullcheck.vulns.matcher import MatchStats, match_packages  # noqa: PLC0415

    db = open_database(settings.db_path)
    try:
        stats = MatchStats()
        findings = match_packages(packages, db, distro, stats)
        sources = db.sources()
        age = data_age_days(db, settings.now)
        losses = [
            diag.error("vulnerability-coverage", "match", message, not_examined)
            for message, not_examined in stats.coverage.losses()
        ]
        limit = settings.max_db_age_days
        if limit is not None and (age is None or age > limit):
            told = "of unknown age" if age is None else f"{age:.0f} days old"
            losses.append(
                diag.error(
                    "vulnerability-db",
                    "match",
                    f"the vulnerability data is {told}, older than --max-db-age {limit:g} "
                    "allows: run 'hullcheck db update'",
                    "advisories published since the data was current",
                )
            )
        info: dict[str, JSONValue] = {
            "packages": stats.packages,
            "os_owned": stats.owned,
            "unmatched": dict(sorted(stats.unsupported.items())),
            "coverage": stats.coverage.to_json(),
            "sources": [
                {
                    "name": s.name,
                    "embedded": s.name.startswith("embedded:"),
                    "ecosystems": sorted(s.ecosystems),
                    "data_date": s.data_date,
                    "records": s.records,
                }
                for s in sources
            ],
            "age_days": None if age is None else round(age, 1),
            "warning": staleness_warning(db, now=settings.now),
        }
        embedded = sorted(
            {e for s in sources if s.name.startswith("embedded:") for e in s.ecosystems}
        )
        if embedded:
            info["embedded"] = {
                "ecosystems": embedded,
                "note": "the embedded snapshot holds advisories for "
                f"{' and '.join(embedded)} only: run 'hullcheck db update' for the others",
            }
    finally:
        db.close()
    return findings, info, losses


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
            findings, info, losses = match_vulnerabilities(
                out.packages, result.distro, self.settings
            )
            out.findings.extend(findings)
            out.summary["vulnerability_db"] = info
            out.diagnostics.extend(losses)
        return out


def analyser(settings: ScanSettings) -> Packages:
    return Packages(settings)
