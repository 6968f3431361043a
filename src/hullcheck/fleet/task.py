"""One fleet task: scan one reference and return its record (what the results keep).

The task is the same code on a local pool and on a Celery worker.  It is idempotent: a
record depends only on the reference and the image it names, so a task run twice (a
worker killed after the scan, a redelivery) yields the same record, and the results
keep the first.  A registry that rate-limits (429) or is briefly unreachable gives a
``Transient`` failure, which the caller retries with backoff.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

from hullcheck.isolated import Outcome, ScanJob, json_object, run_scan

TRANSIENT_MARKS = (
    "429",
    "too many requests",
    "timed out",
    "connection refused",
    "temporarily",
    "503",
    "502",
    "504",
)


class Transient(Exception):
    """A failure worth retrying: the registry said later, or could not be reached."""


def job_from(settings: dict[str, Any]) -> ScanJob:
    return ScanJob(
        data_dir=Path(settings["data_dir"]),
        vulnerability_db=Path(settings["vulnerability_db"]),
        insecure_registries=tuple(settings.get("insecure_registries", ())),
        scan_args=tuple(settings.get("scan_args", ())),
        scan_timeout=float(settings.get("scan_timeout", 900)),
    )


def job_settings(job: ScanJob) -> dict[str, Any]:
    """A job as plain JSON (what a Celery message can carry)."""
    out = asdict(job)
    out["data_dir"] = str(job.data_dir)
    out["vulnerability_db"] = str(job.vulnerability_db)
    out["insecure_registries"] = list(job.insecure_registries)
    out["scan_args"] = list(job.scan_args)
    return out


def record_of(reference: str, outcome: Outcome, took: float) -> dict[str, Any]:
    report = outcome.report or {}
    target = json_object(report.get("target"))
    findings = [f for f in report.get("findings", []) if isinstance(f, dict)]
    counts: dict[str, int] = {}
    for f in findings:
        level = str(f.get("severity", "unknown"))
        counts[level] = counts.get(level, 0) + 1
    described = [layer for layer in target.get("layers", []) if isinstance(layer, dict)]
    layers = [str(layer.get("digest")) for layer in described]
    return {
        "reference": reference,
        "digest": target.get("digest"),
        "status": "done" if outcome.report is not None else "failed",
        "exit_code": outcome.exit_code,
        "counts": counts,
        "layers": layers,
        "cached_layers": sum(1 for layer in described if layer.get("cached") is True),
        "error": outcome.error,
        "seconds": round(took, 3),
    }


def scan_reference(reference: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Scan one reference; raises ``Transient`` when it is worth trying again."""
    started = time.monotonic()
    job = job_from(settings)
    outcome = run_scan(job, f"fleet-{uuid.uuid4().hex}", "image", reference, None)
    if outcome.report is None and outcome.error:
        lowered = outcome.error.lower()
        if any(mark in lowered for mark in TRANSIENT_MARKS):
            raise Transient(outcome.error)
    return record_of(reference, outcome, time.monotonic() - started)
