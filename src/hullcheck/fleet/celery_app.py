"""The fleet task on Celery, with a Redis broker: late acknowledgement, redelivery when a
worker dies, retries with backoff, one task at a time per worker process.

A worker acknowledges a task only when it finished, so a worker killed mid-scan leaves
its task in the broker, which hands it to another worker after the visibility timeout.
Results travel back through the same Redis.  The worker's pool is threads: each task
only waits on its scan, which already runs in a process of its own, forked from a
server that imported hullcheck once (:mod:`hullcheck.prestart`; a prefork pool's
daemonic children may not start processes).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import Celery

from hullcheck.fleet.task import Transient, scan_reference

TASK = "hullcheck.fleet.scan"
DEFAULT_VISIBILITY = 600
BROKER_OUTAGE_SECONDS = 180.0
"""How long a submitter keeps waiting for results while Redis is unreachable."""
BROKER_OUTAGE_RETRIES = 30
BROKER_DOWN: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)


def make_app(
    broker: str, visibility_timeout: int = DEFAULT_VISIBILITY, data_dir: str | None = None
) -> Celery:
    """The Celery app; ``data_dir`` (a worker's own) replaces the submitter's for work files
    and the local cache, as on a machine of its own."""
    app = Celery("hullcheck", broker=broker, backend=broker)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": visibility_timeout},
        result_backend_transport_options={"visibility_timeout": visibility_timeout},
        broker_connection_retry_on_startup=True,
        # a broker restart must cost a wait, not the images whose results were in flight
        result_backend_always_retry=True,
        result_backend_max_retries=BROKER_OUTAGE_RETRIES,
        result_expires=7 * 24 * 3600,
        worker_hijack_root_logger=False,
    )

    @app.task(  # type: ignore[untyped-decorator]
        name=TASK,
        bind=True,
        autoretry_for=(Transient,),
        retry_backoff=2,
        retry_backoff_max=120,
        retry_jitter=True,
        max_retries=8,
    )
    def scan(self: Any, reference: str, settings: dict[str, Any]) -> dict[str, Any]:
        if data_dir is not None:
            settings = {**settings, "data_dir": data_dir}
        return scan_reference(reference, settings)

    return app


def run_worker(
    broker: str,
    concurrency: int,
    visibility_timeout: int,
    name: str | None,
    data_dir: str | None = None,
) -> None:
    """Serve fleet tasks until stopped (``hullcheck fleet worker``)."""
    app = make_app(broker, visibility_timeout, data_dir)
    argv = [
        "worker",
        "--loglevel=INFO",
        f"--concurrency={concurrency}",
        "--pool=threads",
        "--without-gossip",
        "--without-mingle",
    ]
    if name:
        argv.append(f"--hostname={name}")
    app.worker_main(argv)


def celery_submitter(app: Celery, settings: dict[str, Any], inflight: int) -> tuple[Any, Any]:
    """A submitter sending the task to Celery; each future resolves with its result."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    waiters = ThreadPoolExecutor(max_workers=max(1, inflight), thread_name_prefix="celery-wait")

    def wait_for(reference: str) -> dict[str, Any]:
        result = app.send_task(TASK, args=[reference, settings])
        give_up = time.monotonic() + BROKER_OUTAGE_SECONDS
        delay = 0.5
        while True:
            try:
                record: dict[str, Any] = result.get(propagate=True)
                break
            except BROKER_DOWN:
                # the result waits in Redis (or the task is redelivered): ask again once
                # the broker is back, for as long as an outage is tolerated
                if time.monotonic() + delay > give_up:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                result = app.AsyncResult(result.id)
        with contextlib.suppress(*BROKER_DOWN):
            result.forget()
        return record

    return (lambda reference: waiters.submit(wait_for, reference)), waiters
