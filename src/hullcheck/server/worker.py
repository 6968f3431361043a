"""The scan queue's workers: threads that claim, run and commit scans.

Each worker holds a lease on the scan it runs and renews it while the scan runs; a scan
whose lease runs out (the server was killed) is queued again by any worker, so a
restart completes it.  On a graceful stop the workers take nothing new, give running
scans ``grace`` seconds to finish, then stop them and hand them back to the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from hullcheck.isolated import Outcome, run_scan
from hullcheck.server import store
from hullcheck.server.db import Watch
from hullcheck.server.policies import policy_for
from hullcheck.server.policies import write as write_policy
from hullcheck.server.settings import ServerSettings
from hullcheck.server.vault import VaultError
from hullcheck.server.watches import credentials

log = logging.getLogger("hullcheck.server")

Observer = Callable[[str, float], None]
"""Told each scan's end: its status and how long it took (metrics)."""

Finished = Callable[[int], None]
"""Told the id of each scan that ended with a report (alerts)."""


class Workers:
    def __init__(
        self,
        sessions: sessionmaker[Any],
        settings: ServerSettings,
        observe: Observer | None = None,
        poll: float = 0.5,
        finished: Finished | None = None,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._observe = observe
        self._finished = finished
        self._poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, list[BaseProcess]] = {}
        self._lock = threading.Lock()
        self.owner_prefix = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        for n in range(self._settings.workers):
            thread = threading.Thread(
                target=self._loop,
                args=(f"{self.owner_prefix}:{n}",),
                name=f"hullcheck-worker-{n}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        """A scan was queued: look now rather than at the next poll."""
        self._wake.set()

    def stop(self, grace: float = 20.0) -> None:
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + grace
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            procs = [p for ps in self._running.values() for p in ps]
        for proc in procs:  # still running after the grace period: stop, re-queue below
            proc.kill()
        for thread in self._threads:
            thread.join(5)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def _loop(self, owner: str) -> None:
        while not self._stop.is_set():
            try:
                worked = self._once(owner)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("worker %s: error while taking a scan", owner)
                worked = False
            if not worked:
                self._wake.wait(self._poll)
                self._wake.clear()

    def _once(self, owner: str) -> bool:
        settings = self._settings
        with self._sessions() as session:
            store.requeue_expired(session, settings.max_attempts)
            scan = store.claim(session, owner, settings.lease_seconds, settings.max_attempts)
            if scan is None:
                return False
            scan_id, uid, kind = scan.id, scan.uid, scan.kind
            reference, input_text = scan.reference, scan.input_text
        log.info("scan %s started: %s %s", uid, kind, reference)
        started = time.monotonic()
        procs: list[BaseProcess] = []
        with self._lock:
            self._running[uid] = procs
        renewing = threading.Event()
        renewer = threading.Thread(target=self._renew, args=(scan_id, owner, renewing), daemon=True)
        renewer.start()
        try:
            with tempfile.TemporaryDirectory(prefix="policy-", dir=self._work_dir()) as tmp:
                outcome = run_scan(
                    settings.job,
                    uid,
                    kind,
                    reference,
                    input_text,
                    started=procs,
                    credentials=self._credentials(kind, reference),
                    policy_files=self._policy_files(reference, Path(tmp)),
                )
        finally:
            renewing.set()
            renewer.join()
            with self._lock:
                self._running.pop(uid, None)
        self._commit(scan_id, uid, owner, outcome, time.monotonic() - started)
        return True

    def _work_dir(self) -> Path:
        work = self._settings.data_dir / "work"
        work.mkdir(parents=True, exist_ok=True)
        return work

    def _policy_files(self, reference: str, directory: Path) -> list[Path] | None:
        """The policy for this image's repository, as files for the scan (None: defaults)."""
        with self._sessions() as session:
            policy = policy_for(session, store.repository_of(reference))
            if policy is None:
                return None
            return write_policy(directory, policy.config, policy.ignores)

    def _credentials(self, kind: str, reference: str) -> tuple[str, str] | None:
        """A watched repository's stored credentials, for pulling its images."""
        if kind != "image":
            return None
        with self._sessions() as session:
            watch = session.scalar(
                select(Watch).where(Watch.repository == store.repository_of(reference))
            )
            if watch is None:
                return None
            try:
                return credentials(watch)
            except VaultError as err:
                log.warning("cannot use the credentials of %s: %s", watch.repository, err)
                return None

    def _commit(self, scan_id: int, uid: str, owner: str, outcome: Outcome, took: float) -> None:
        with self._sessions() as session:
            if self._stop.is_set() and outcome.report is None:
                # stopped by the shutdown, not by the image: it runs again after restart
                store.release(session, scan_id, owner)
                log.info("scan %s handed back to the queue at shutdown", uid)
                return
            kept = store.finish(
                session,
                scan_id,
                owner,
                report=outcome.report,
                exit_code=outcome.exit_code,
                error=outcome.error,
            )
        status = "done" if outcome.report is not None else "failed"
        log.info("scan %s %s in %.1f s%s", uid, status, took, "" if kept else " (lease lost)")
        if kept and self._observe is not None:
            self._observe(status, took)
        if kept and outcome.report is not None and self._finished is not None:
            self._finished(scan_id)

    def _renew(self, scan_id: int, owner: str, done: threading.Event) -> None:
        interval = max(0.5, self._settings.lease_seconds / 3)
        while not done.wait(interval):
            try:
                with self._sessions() as session:
                    store.renew(session, scan_id, owner, self._settings.lease_seconds)
            except Exception:
                log.exception("could not renew the lease of scan %s", scan_id)
