"""Prometheus metrics of the service: scans, durations, queue, findings, data age."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import sessionmaker

from hullcheck.errors import HullcheckError
from hullcheck.server import store
from hullcheck.vulns.database import open_database as open_vuln_db


class _Live(Collector):
    """Values read from the database at scrape time, so every server agrees."""

    def __init__(
        self, sessions: sessionmaker[Any], busy: Callable[[], int], vuln_db: Path | None
    ) -> None:
        self._sessions = sessions
        self._busy = busy
        self._vuln_db = vuln_db

    def _data_age(self) -> Iterator[GaugeMetricFamily]:
        """Days since each advisory source's newest record (absent: no database yet)."""
        if self._vuln_db is None or not self._vuln_db.is_file():
            return
        family = GaugeMetricFamily(
            "hullcheck_vulnerability_data_age_days",
            "Days since the newest advisory of each source of the scans' database",
            labels=["source"],
        )
        try:
            db = open_vuln_db(self._vuln_db, create=False)
            try:
                for source in db.sources():
                    age = source.age_days()
                    if age is not None:
                        family.add_metric([source.name], age)
            finally:
                db.close()
        except HullcheckError:
            return
        yield family

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._sessions() as session:
            queued = store.queue_length(session)
            latest = store.latest_scans(session)
        yield GaugeMetricFamily("hullcheck_queue_length", "Scans waiting for a worker", queued)
        yield GaugeMetricFamily("hullcheck_scans_running", "Scans running here", self._busy())
        family = GaugeMetricFamily(
            "hullcheck_findings",
            "Findings in the newest scan of every image, by severity",
            labels=["severity"],
        )
        totals: dict[str, int] = {level: 0 for level in store.SEVERITIES}
        for _, scan in latest:
            for level, count in (scan.counts or {}).items():
                totals[level] = totals.get(level, 0) + int(count)
        for level, count in sorted(totals.items()):
            family.add_metric([level], count)
        yield family
        yield GaugeMetricFamily("hullcheck_images", "Images with a finished scan", len(latest))
        yield from self._data_age()


class Metrics:
    def __init__(
        self, sessions: sessionmaker[Any], busy: Callable[[], int], vuln_db: Path | None = None
    ) -> None:
        self.registry = CollectorRegistry()
        self.scans = Counter(
            "hullcheck_scans", "Scans finished, by outcome", ["status"], registry=self.registry
        )
        self.durations = Histogram(
            "hullcheck_scan_duration_seconds",
            "How long scans took",
            buckets=(1, 2, 5, 10, 30, 60, 120, 300, 900),
            registry=self.registry,
        )
        self.submissions = Counter(
            "hullcheck_submissions", "Scans submitted, by kind", ["kind"], registry=self.registry
        )
        self.registry.register(_Live(sessions, busy, vuln_db))

    def observe(self, status: str, seconds: float) -> None:
        self.scans.labels(status).inc()
        self.durations.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
