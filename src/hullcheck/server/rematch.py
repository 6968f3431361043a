"""Re-matching stored packages when the advisory database changes, without pulling.

Every image's newest scan keeps its package list in its report; a change of the
vulnerability database (its file changed, or an admin asked) queues a ``rematch`` scan of
each: the packages, written as a CycloneDX SBOM, go through ``hullcheck scan`` again, and
findings that are new since the parent scan raise alerts like any other new finding.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from hullcheck.server import store
from hullcheck.server.db import Scan

log = logging.getLogger("hullcheck.server.rematch")


def sbom_of(report: dict[str, Any]) -> dict[str, Any] | None:
    """A CycloneDX document of a report's packages (None: the report has none)."""
    components = []
    for pkg in report.get("packages") or []:
        if not isinstance(pkg, dict) or not pkg.get("name") or not pkg.get("purl"):
            continue
        components.append(
            {
                "type": "library",
                "name": str(pkg["name"]),
                "version": str(pkg.get("version") or ""),
                "purl": str(pkg["purl"]),
            }
        )
    if not components:
        return None
    target = store.obj(report.get("target"))
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {"type": "container", "name": str(target.get("reference") or "image")}
        },
        "components": components,
    }


def queue_rematches(session: Session) -> int:
    """A ``rematch`` scan for each image's newest scan that lists packages."""
    queued = 0
    for _image, scan in store.latest_scans(session):
        sbom = sbom_of(scan.report or {})
        if sbom is None:
            continue
        session.add(
            Scan(
                uid=str(uuid.uuid4()),
                kind="rematch",
                reference=scan.reference,
                status="queued",
                input_text=json.dumps(sbom),
                attempts=0,
                parent_id=scan.id,
            )
        )
        queued += 1
    session.commit()
    return queued


class DatabaseWatcher:
    """Queues re-matches when the vulnerability database file changes."""

    def __init__(
        self, sessions: sessionmaker[Any], path: Path, poll: float = 5.0, on_queue: Any = None
    ) -> None:
        self._sessions = sessions
        self._path = path
        self._poll = poll
        self._on_queue = on_queue
        self._stop = threading.Event()
        self._seen = self._stamp()
        self._thread = threading.Thread(target=self._loop, name="hullcheck-dbwatch", daemon=True)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self._path.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self._poll):
            stamp = self._stamp()
            if stamp is None or stamp == self._seen:
                continue
            self._seen = stamp
            try:
                with self._sessions() as session:
                    n = queue_rematches(session)
                log.info("the vulnerability database changed: %d images queued to re-match", n)
                if self._on_queue is not None:
                    self._on_queue()
            except Exception:
                log.exception("could not queue re-matches")
