"""Driving a fleet scan: bounded work in flight, retries, results written once, progress.

The same loop serves both executors: the local pool (threads, each waiting on a ``hullcheck
scan`` subprocess: no broker needed on one machine) and Celery.  At most ``inflight``
tasks are outstanding, so a slow broker or slow workers hold the submitter back instead
of filling memory or the queue.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from hullcheck.fleet.results import JsonLines
from hullcheck.fleet.task import Transient, scan_reference

Submit = Callable[[str], "Future[dict[str, Any]]"]


@dataclass
class Summary:
    total: int = 0
    skipped: int = 0
    done: int = 0
    failed: int = 0
    repeated: int = 0
    retried: int = 0
    shared: int = 0
    """References that named an image already being scanned under another reference."""
    seconds: float = 0.0
    records: list[dict[str, Any]] = field(default_factory=list)


class Progress:
    """One line on stderr, rewritten (only on a terminal): done/total, rate and ETA."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.started = time.monotonic()

    def show(self, done: int) -> None:
        if not self.enabled:
            return
        took = time.monotonic() - self.started
        rate = done / took if took > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        sys.stderr.write(f"\rfleet: {done}/{self.total} images, {rate:.2f}/s, ETA {eta:.0f} s ")
        sys.stderr.flush()

    def end(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def local_pool(settings: dict[str, Any], jobs: int, retries: int = 5) -> tuple[Submit, Any]:
    """A submitter running the task in this machine's threads (each one a subprocess)."""
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="hullcheck-fleet")

    def attempt(reference: str) -> dict[str, Any]:
        for n in range(retries + 1):
            try:
                return scan_reference(reference, settings)
            except Transient:
                if n == retries:
                    raise
                time.sleep(min(60.0, 2.0 * 2**n))
        raise AssertionError("unreachable")

    return (lambda reference: pool.submit(attempt, reference)), pool


def _groups(pending: list[str], digests: dict[str, str]) -> dict[str, list[str]]:
    """The reference to scan for each image, with the other references naming it."""
    first: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    for reference in pending:
        digest = digests.get(reference)
        if digest is None:
            groups[reference] = [reference]
        elif digest in first:
            groups[first[digest]].append(reference)
        else:
            first[digest] = reference
            groups[reference] = [reference]
    return groups


def run_fleet(
    targets: Iterable[str],
    submit: Submit,
    sink: JsonLines,
    inflight: int,
    *,
    progress: bool = True,
    digests: dict[str, str] | None = None,
) -> Summary:
    """Scan every target once per image: references naming one digest share a scan."""
    todo = list(dict.fromkeys(targets))
    summary = Summary(total=len(todo))
    pending = [t for t in todo if t not in sink.done]
    summary.skipped = len(todo) - len(pending)
    groups = _groups(pending, digests or {})
    summary.shared = len(pending) - len(groups)
    pending = list(groups)
    bar = Progress(len(todo), progress)
    started = time.monotonic()
    running: dict[Future[dict[str, Any]], str] = {}
    queue = iter(pending)
    exhausted = False
    finished = summary.skipped
    while running or not exhausted:
        while not exhausted and len(running) < max(1, inflight):
            reference = next(queue, None)
            if reference is None:
                exhausted = True
                break
            running[submit(reference)] = reference
        if not running:
            break
        ready, _ = wait(list(running), return_when=FIRST_COMPLETED)
        for future in ready:
            reference = running.pop(future)
            try:
                record = future.result()
            except Exception as err:  # the task gave up: a failed record, said so
                record = {
                    "reference": reference,
                    "digest": None,
                    "status": "failed",
                    "exit_code": None,
                    "counts": {},
                    "layers": [],
                    "error": " ".join(str(err).split())[:500],
                    "seconds": None,
                }
            for other in groups[reference]:
                copy = (
                    record
                    if other == reference
                    else {**record, "reference": other, "same_image_as": reference}
                )
                if sink.add(copy):
                    summary.records.append(copy)
                    if copy["status"] == "done":
                        summary.done += 1
                    else:
                        summary.failed += 1
                else:
                    summary.repeated += 1
                finished += 1
            bar.show(finished)
    bar.end()
    summary.seconds = time.monotonic() - started
    return summary
