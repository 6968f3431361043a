"""Wiring: the FastAPI application of ``hullcheck serve`` and its lifetime.

Starting opens (and migrates) the database and starts the workers; stopping (SIGTERM or
Ctrl-C through uvicorn) lets running scans finish for a grace period and hands the rest
back to the queue, where the next start picks them up.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hullcheck import __version__
from hullcheck.server import alerts, api, dashboard
from hullcheck.server.alerts import Deliverer
from hullcheck.server.db import open_database
from hullcheck.server.guard import Authenticator, BodyLimit, RateLimiter
from hullcheck.server.metrics import Metrics
from hullcheck.server.rematch import DatabaseWatcher
from hullcheck.server.settings import ServerSettings
from hullcheck.server.watches import Poller
from hullcheck.server.worker import Workers

log = logging.getLogger("hullcheck.server")

SECRET_ENV = "HULLCHECK_SERVER_SECRET"  # noqa: S105 - the variable's name, not a secret
"""Signs the dashboard's CSRF tokens; random per process when unset (forms then expire
at restart)."""


def create_app(settings: ServerSettings, *, start_workers: bool = True) -> Any:
    """The ASGI application (the FastAPI app inside the body-size guard)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sessions = open_database(settings.database)
    deliverer = Deliverer(sessions)
    busy: list[Workers] = []
    metrics = Metrics(sessions, lambda: busy[0].busy if busy else 0, settings.vulnerability_db)

    def finished(scan_id: int) -> None:
        with sessions() as session:
            if alerts.queue_for_scan(session, scan_id):
                deliverer.wake()

    workers = Workers(sessions, settings, observe=metrics.observe, finished=finished)
    busy.append(workers)
    poller = Poller(sessions, settings, on_queue=workers.wake)
    watcher = DatabaseWatcher(
        sessions, settings.vulnerability_db, settings.watch_db_seconds, on_queue=workers.wake
    )
    secret = os.environ.get(SECRET_ENV, "").encode() or secrets.token_bytes(32)
    ctx = api.Context(
        settings=settings,
        sessions=sessions,
        auth=Authenticator(sessions),
        limiter=RateLimiter(settings.rate_per_minute),
        workers=workers,
        metrics=metrics,
        secret=secret,
        deliverer=deliverer,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if start_workers:
            workers.start()
            deliverer.start()
            watcher.start()
            poller.start()
        log.info("hullcheck serve ready on %s:%d", settings.host, settings.port)
        yield
        log.info("stopping: letting running scans finish")
        if start_workers:
            poller.stop()
            watcher.stop()
            workers.stop()
            deliverer.stop()

    app = FastAPI(
        title="hullcheck",
        version=__version__,
        description="Stored scans of container images, watched over time.",
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/v1/openapi.json",
        redoc_url=None,
    )
    app.include_router(api.router(ctx))
    app.include_router(dashboard.router(ctx))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        try:
            with sessions() as session:
                session.execute(text("SELECT 1 FROM scans LIMIT 1"))
        except Exception as err:  # any database failure means not ready
            return JSONResponse({"status": "not ready", "reason": type(err).__name__}, 503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        ctx.auth.require(request, "read")
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    app.state.context = ctx
    return BodyLimit(app, settings.max_body_bytes)
