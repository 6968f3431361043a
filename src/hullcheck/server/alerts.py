"""Alerts: each new finding at or above a webhook's threshold, sent once, signed, retried.

An alert row is unique per (webhook, image, finding fingerprint), so a finding that stays
in an image across rebuilds and re-matches is announced once, when it first appears.  The
body is JSON, signed with HMAC-SHA256 over the exact bytes sent (``X-Hullcheck-Signature:
sha256=<hex>``) and carrying its delivery id (``X-Hullcheck-Delivery``) so a receiver can
drop a repeat; failures are retried with exponential backoff.  Every alert is also logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import threading
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hullcheck.server import store
from hullcheck.server.db import Alert, Image, Scan, Webhook

log = logging.getLogger("hullcheck.server.alerts")

MAX_ATTEMPTS = 10
CLAIM_SECONDS = 60


def at_or_above(severity: str, threshold: str) -> bool:
    order = store.SEVERITIES
    if severity not in order or threshold not in order:
        return False
    return order.index(severity) <= order.index(threshold)


def queue_for_scan(session: Session, scan_id: int) -> int:
    """Alert rows for the findings of a finished scan that were never announced."""
    scan = session.get(Scan, scan_id)
    if scan is None or scan.status != "done" or scan.image_id is None:
        return 0
    image = session.get(Image, scan.image_id)
    hooks = list(session.scalars(select(Webhook)))
    if not hooks or image is None:
        return 0
    made = 0
    for finding in store.findings_of(session, scan.id):
        for hook in hooks:
            if not at_or_above(finding.severity, hook.min_severity):
                continue
            payload = {
                "event": "new-finding",
                "image": image.repository,
                "digest": scan.digest,
                "scan": scan.uid,
                "rule": finding.rule,
                "severity": finding.severity,
                "practice": finding.practice,
                "title": finding.title,
                "where": finding.where,
                "fingerprint": finding.fingerprint,
            }
            with contextlib.suppress(IntegrityError), session.begin_nested():
                session.add(
                    Alert(
                        webhook_id=hook.id,
                        image_id=image.id,
                        scan_id=scan.id,
                        fingerprint=finding.fingerprint,
                        payload=payload,
                    )
                )
                session.flush()
                made += 1
                log.warning(
                    "alert: %s %s in %s (%s)",
                    finding.severity,
                    finding.rule,
                    image.repository,
                    finding.where,
                )
    session.commit()
    return made


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Deliverer:
    """A thread that sends pending alerts to their webhooks."""

    def __init__(self, sessions: sessionmaker[Any], poll: float = 1.0) -> None:
        self._sessions = sessions
        self._poll = poll
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hullcheck-alerts", daemon=True)
        self._http = httpx.Client(timeout=httpx.Timeout(10.0), follow_redirects=False)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(15)
        self._http.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                sent = self.deliver_due()
            except Exception:  # a database hiccup must not end the deliveries
                log.exception("alert delivery failed")
                sent = 0
            if not sent:
                self._wake.wait(self._poll)
                self._wake.clear()

    def _claim(self) -> list[int]:
        moment = store.now()
        with self._sessions() as session:
            rows = list(
                session.scalars(
                    select(Alert)
                    .where(
                        Alert.delivered_at.is_(None),
                        Alert.next_attempt_at <= moment,
                        Alert.attempts < MAX_ATTEMPTS,
                    )
                    .order_by(Alert.id)
                    .limit(50)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in rows:  # held for a minute: no other server sends it meanwhile
                row.next_attempt_at = moment + timedelta(seconds=CLAIM_SECONDS)
            session.commit()
            return [row.id for row in rows]

    def deliver_due(self) -> int:
        """Send what is due now; the number sent."""
        sent = 0
        for alert_id in self._claim():
            with self._sessions() as session:
                alert = session.get(Alert, alert_id)
                hook = session.get(Webhook, alert.webhook_id) if alert else None
                if alert is None or hook is None or alert.delivered_at is not None:
                    continue
                body = json.dumps(alert.payload, sort_keys=True).encode()
                error = self._post(hook, alert.id, body)
                alert.attempts += 1
                if error is None:
                    alert.delivered_at = store.now()
                    sent += 1
                else:
                    alert.last_error = error[:500]
                    backoff = min(3600, 2**alert.attempts)
                    alert.next_attempt_at = store.now() + timedelta(seconds=backoff)
                session.commit()
        return sent

    def _post(self, hook: Webhook, delivery: int, body: bytes) -> str | None:
        headers = {
            "content-type": "application/json",
            "x-hullcheck-signature": signature(hook.secret, body),
            "x-hullcheck-delivery": str(delivery),
            "user-agent": "hullcheck-serve",
        }
        try:
            response = self._http.post(hook.url, content=body, headers=headers)
        except httpx.HTTPError as err:
            return f"{type(err).__name__}: {err}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"
