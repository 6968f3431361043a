"""Watches: poll a repository's tags, scan every new digest, notice moved base tags.

A watch lists its repository's tags (filtered by a glob), resolves each to its manifest
digest and queues a scan of every digest not seen under that tag before.  When a tag
moves (the image was rebuilt, often for security fixes), the event names the stored
images whose layers begin with the old digest's layers: the images built on the old
base, which need a rebuild.
"""

from __future__ import annotations

import fnmatch
import logging
import threading
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hullcheck.errors import HullcheckError
from hullcheck.server import store
from hullcheck.server.db import Event, Image, Scan, ScanLayer, Tag, Watch
from hullcheck.server.settings import ServerSettings
from hullcheck.server.vault import VaultError, unseal
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.listing import list_tags
from hullcheck.sources.registry.options import RegistryOptions

log = logging.getLogger("hullcheck.server.watches")

MAX_TAGS = 500


def credentials(watch: Watch) -> tuple[str, str] | None:
    if watch.username and watch.sealed_password:
        return watch.username, unseal(watch.sealed_password)
    return None


def layers_of(session: Session, scan_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ScanLayer.digest)
            .where(ScanLayer.scan_id == scan_id)
            .order_by(ScanLayer.position)
        )
    )


def built_on(session: Session, digest: str) -> list[str]:
    """Repositories whose newest scan starts with the layers of the image ``digest``."""
    base = session.scalar(
        select(Scan).where(Scan.digest == digest, Scan.status == "done").order_by(Scan.id.desc())
    )
    if base is None:
        return []
    prefix = layers_of(session, base.id)
    if not prefix:
        return []
    found = []
    for image, scan in store.latest_scans(session):
        if scan.id == base.id or image.id == base.image_id:
            continue
        layers = layers_of(session, scan.id)
        if len(layers) > len(prefix) and layers[: len(prefix)] == prefix:
            found.append(image.repository)
    return found


def _client(watch: Watch, settings: ServerSettings) -> RegistryClient:
    creds = credentials(watch)
    options = RegistryOptions(
        insecure_registries=frozenset(settings.insecure_registries),
        username=creds[0] if creds else None,
        password=creds[1] if creds else None,
        timeout=30.0,
    )
    return RegistryClient(parse_reference(f"{watch.repository}:latest"), options)


def _already_queued(session: Session, reference: str, digest: str) -> bool:
    return (
        session.scalar(
            select(Scan.id).where(
                Scan.reference == reference,
                Scan.status.in_(("queued", "running")),
            )
        )
        is not None
        or session.scalar(select(Scan.id).where(Scan.digest == digest, Scan.reference == reference))
        is not None
    )


def poll(session: Session, watch: Watch, settings: ServerSettings) -> int:
    """Look at the watch's tags once; the number of scans queued."""
    client = _client(watch, settings)
    try:
        tags = [t for t in list_tags(client) if fnmatch.fnmatchcase(t, watch.tag_pattern)]
        resolved = {tag: client.get_manifest(tag).digest for tag in tags[:MAX_TAGS]}
    finally:
        client.close()
    image = session.scalar(select(Image).where(Image.repository == watch.repository))
    if image is None:
        image = Image(repository=watch.repository)
        session.add(image)
        session.flush()
    queued = 0
    for tag, digest in sorted(resolved.items()):
        row = session.scalar(select(Tag).where(Tag.image_id == image.id, Tag.tag == tag))
        if row is not None and row.digest == digest:
            continue
        reference = f"{watch.repository}:{tag}"
        if row is not None:
            dependents = built_on(session, row.digest)
            session.add(
                Event(
                    kind="tag-moved",
                    repository=watch.repository,
                    detail={
                        "tag": tag,
                        "old": row.digest,
                        "new": digest,
                        "built_on_old": dependents,
                    },
                )
            )
            log.warning(
                "%s moved from %s to %s; built on the old one: %s",
                reference,
                row.digest,
                digest,
                ", ".join(dependents) or "nothing stored",
            )
            row.digest, row.updated_at = digest, store.now()
        else:
            session.add(
                Event(
                    kind="new-tag",
                    repository=watch.repository,
                    detail={"tag": tag, "digest": digest},
                )
            )
            session.add(Tag(image_id=image.id, tag=tag, digest=digest))
        if not _already_queued(session, reference, digest):
            session.add(
                Scan(
                    uid=str(uuid.uuid4()),
                    kind="image",
                    reference=reference,
                    status="queued",
                    attempts=0,
                )
            )
            queued += 1
    return queued


class Poller:
    """A thread that polls the watches that are due."""

    def __init__(
        self,
        sessions: sessionmaker[Any],
        settings: ServerSettings,
        on_queue: Any = None,
        tick: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._on_queue = on_queue
        self._tick = tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hullcheck-watches", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            try:
                self.poll_due()
            except Exception:
                log.exception("polling the watches failed")

    def poll_due(self) -> int:
        queued = 0
        with self._sessions() as session:
            due = [
                w.id
                for w in session.scalars(select(Watch).where(Watch.next_poll_at <= store.now()))
            ]
        for watch_id in due:
            with self._sessions() as session:
                watch = session.get(Watch, watch_id)
                if watch is None:
                    continue
                try:
                    queued += poll(session, watch, self._settings)
                    watch.last_error = None
                except (HullcheckError, VaultError) as err:
                    watch.last_error = str(err)[:2000]
                    log.warning("watch %s: %s", watch.repository, err)
                watch.last_polled_at = store.now()
                watch.next_poll_at = store.now() + timedelta(seconds=max(1, watch.interval))
                session.commit()
        if queued and self._on_queue is not None:
            self._on_queue()
        return queued
