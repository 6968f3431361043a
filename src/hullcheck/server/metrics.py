"""Prometheus metrics of the service: scans, durations, queue, findings, data age."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import sessionmaker

from hullcheck.server import store


class _Live(Collector):
    """Values read from the database at scrape time, so every server agrees."""

    def __init__(self, sessions: sessionmaker[Any], busy: Callable[[], int]) -> None:
        self._sessions = sessions
        self._busy = busy

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


class Metrics:
    def __init__(self, sessions: sessionmaker[Any], busy: Callable[[], int]) -> None:
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
        self.registry.register(_Live(sessions, busy))

    def observe(self, status: str, seconds: float) -> None:
        self.scans.labels(status).inc()
        self.durations.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
