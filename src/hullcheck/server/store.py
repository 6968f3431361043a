"""Every read and write of the service's tables: submissions, the queue, reports, images.

The ``scans`` table is also the work queue: a worker claims the oldest queued scan with a
conditional update (so two workers, or two servers on one PostgreSQL, never take the same
one), holds a lease it keeps renewing, and commits the report and the scan's end in one
transaction.  A scan whose lease ran out (its worker died or the server was killed) is
queued again, so every submission ends scanned exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hullcheck.isolated import json_object
from hullcheck.server.db import Image, Scan, ScanLayer, StoredFinding, Tag
from hullcheck.server.redact import redact_document

obj = json_object
"""A JSON object or an empty one: submitted reports are untrusted input."""

KINDS = ("image", "sbom", "report", "rematch")
SEVERITIES = ("critical", "high", "unknown", "medium", "low", "info")
"""Most severe first; ``unknown`` (no severity in the data) ranks as the gate treats it."""


def now() -> datetime:
    return datetime.now(UTC)


def worst_of(severities: list[str]) -> str | None:
    for level in SEVERITIES:
        if level in severities:
            return level
    return None


def repository_of(reference: str) -> str:
    """``registry/name`` of a reference: the tag or digest and any source prefix dropped."""
    ref = reference.split("://", 1)[-1]
    for prefix in ("registry:", "docker:", "oci:", "oci-archive:", "docker-archive:", "dir:"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
            break
    ref = ref.split("@", 1)[0]
    last = ref.rsplit("/", 1)
    if ":" in last[-1]:
        ref = ref.rsplit(":", 1)[0]
    return ref or reference


def tag_of(reference: str) -> str | None:
    ref = reference.split("@", 1)[0]
    last = ref.rsplit("/", 1)[-1]
    return last.rsplit(":", 1)[1] if ":" in last else None


def fingerprint(finding: dict[str, Any]) -> str:
    """What makes a finding the same problem across rebuilds: not lines, not layers.

    A package's advisory is the same problem wherever the package's files sit (an image
    scan and a re-match of its SBOM must agree), so it is keyed by the package alone.
    """
    location = obj(finding.get("location"))
    package = obj(finding.get("package"))
    if package.get("name"):
        where = f"{package.get('type', '')}/{package['name']}@{package.get('version', '')}"
        parts = [str(finding.get("rule", "")), where]
    else:
        parts = [
            str(finding.get("rule", "")),
            str(location.get("file") or location.get("path") or ""),
            str(finding.get("title", ""))[:200],
        ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def where_of(finding: dict[str, Any]) -> str:
    location = finding.get("location") or {}
    package = finding.get("package") or {}
    bits = []
    if package.get("purl"):
        bits.append(str(package["purl"]))
    if location.get("file"):
        bits.append(str(location["file"]))
    if location.get("path"):
        line = location.get("line")
        bits.append(f"{location['path']}:{line}" if line else str(location["path"]))
    if location.get("layer_index") is not None:
        bits.append(f"layer {int(location['layer_index']) + 1}")
    return ", ".join(bits)


# -- submissions -------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Submission:
    kind: str
    reference: str
    input_text: str | None = None
    report: dict[str, Any] | None = None
    idempotency_key: str | None = None
    token_id: int | None = None


def submit(session: Session, sub: Submission) -> tuple[Scan, bool]:
    """Store a submission; a report is stored complete, anything else is queued.

    Returns the scan and whether it is new (False: the idempotency key was seen before).
    """
    if sub.idempotency_key:
        existing = session.scalar(select(Scan).where(Scan.idempotency_key == sub.idempotency_key))
        if existing is not None:
            return existing, False
    scan = Scan(
        uid=str(uuid.uuid4()),
        kind=sub.kind,
        reference=sub.reference[:1000],
        status="queued",
        idempotency_key=sub.idempotency_key,
        submitted_by=sub.token_id,
        input_text=sub.input_text,
        attempts=0,
    )
    session.add(scan)
    try:
        session.flush()
    except IntegrityError:  # the same key submitted concurrently: the other one won
        session.rollback()
        existing = session.scalar(select(Scan).where(Scan.idempotency_key == sub.idempotency_key))
        if existing is None:
            raise
        return existing, False
    if sub.report is not None:
        record_report(session, scan, sub.report, exit_code=None)
    return scan, True


# -- the queue ---------------------------------------------------------------------
def claim(session: Session, owner: str, lease: float, max_attempts: int) -> Scan | None:
    """Take the oldest queued scan for ``owner`` (None: nothing to do)."""
    for _ in range(5):  # another worker may take the candidate between select and update
        candidate = session.scalar(
            select(Scan.id)
            .where(Scan.status == "queued", Scan.attempts < max_attempts)
            .order_by(Scan.id)
            .limit(1)
        )
        if candidate is None:
            return None
        moment = now()
        taken = session.execute(
            update(Scan)
            .where(Scan.id == candidate, Scan.status == "queued")
            .values(
                status="running",
                lease_owner=owner,
                lease_expires=moment + timedelta(seconds=lease),
                started_at=moment,
                attempts=Scan.attempts + 1,
            )
        )
        session.commit()
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(Scan, candidate, populate_existing=True)
    return None


def renew(session: Session, scan_id: int, owner: str, lease: float) -> bool:
    """Extend a lease; False when the scan is no longer ours (it was re-queued)."""
    result = session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == "running", Scan.lease_owner == owner)
        .values(lease_expires=now() + timedelta(seconds=lease))
    )
    session.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def requeue_expired(session: Session, max_attempts: int) -> int:
    """Queue again the running scans whose worker stopped renewing; fail the hopeless."""
    moment = now()
    expired = and_(Scan.status == "running", Scan.lease_expires < moment)
    failed = session.execute(
        update(Scan)
        .where(expired, Scan.attempts >= max_attempts)
        .values(
            status="failed",
            finished_at=moment,
            error="the scan's worker stopped answering too many times",
            lease_owner=None,
        )
    )
    again = session.execute(
        update(Scan).where(expired).values(status="queued", lease_owner=None, lease_expires=None)
    )
    session.commit()
    return int(again.rowcount) + int(failed.rowcount)  # type: ignore[attr-defined]


def release(session: Session, scan_id: int, owner: str) -> None:
    """Hand a running scan back to the queue (graceful shutdown before it finished)."""
    session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.lease_owner == owner, Scan.status == "running")
        .values(status="queued", lease_owner=None, lease_expires=None, attempts=Scan.attempts - 1)
    )
    session.commit()


def finish(
    session: Session,
    scan_id: int,
    owner: str,
    *,
    report: dict[str, Any] | None,
    exit_code: int | None,
    error: str | None,
) -> bool:
    """Commit a scan's outcome, if the lease is still ours (else another worker has it)."""
    scan = session.scalar(
        select(Scan)
        .where(Scan.id == scan_id, Scan.lease_owner == owner, Scan.status == "running")
        .with_for_update()
    )
    if scan is None:
        session.rollback()
        return False
    if report is not None:
        record_report(session, scan, report, exit_code=exit_code, error=error)
    else:
        scan.status = "failed"
        scan.error = error
        scan.exit_code = exit_code
        scan.finished_at = now()
    scan.lease_owner = None
    scan.lease_expires = None
    session.commit()
    return True


# -- reports -----------------------------------------------------------------------
def _image_for(session: Session, repository: str) -> Image:
    image = session.scalar(select(Image).where(Image.repository == repository))
    if image is None:
        image = Image(repository=repository)
        # created concurrently by another submission: its row is read below
        with contextlib.suppress(IntegrityError), session.begin_nested():
            session.add(image)
        image = session.scalar(select(Image).where(Image.repository == repository)) or image
    return image


def record_report(
    session: Session,
    scan: Scan,
    report: dict[str, Any],
    *,
    exit_code: int | None,
    error: str | None = None,
) -> None:
    """Store a report (redacted) on ``scan`` with its image, tags, layers and findings."""
    clean, _ = redact_document(report)
    target = obj(clean.get("target"))
    findings = [f for f in clean.get("findings", []) if isinstance(f, dict)]
    repository = repository_of(scan.reference)
    image = _image_for(session, repository)
    digest = str(target.get("digest") or target.get("config_digest") or "") or None
    parent = session.get(Scan, scan.parent_id) if scan.parent_id else None
    if parent is not None:  # a re-match describes the parent's image, not an SBOM file
        digest = parent.digest
        target = obj(parent.report).get("target") or target
    scan.image_id = image.id
    scan.digest = digest
    scan.report = clean
    severities = [str(f.get("severity", "unknown")) for f in findings]
    scan.counts = dict(Counter(severities))
    scan.worst = worst_of(severities)
    scan.exit_code = exit_code
    scan.error = error
    scan.status = "done"
    scan.finished_at = now()
    scan.input_text = None
    tag = tag_of(scan.reference)
    if tag and digest:
        row = session.scalar(select(Tag).where(Tag.image_id == image.id, Tag.tag == tag))
        if row is None:
            session.add(Tag(image_id=image.id, tag=tag, digest=digest))
        else:
            row.digest, row.updated_at = digest, now()
    session.execute(delete(ScanLayer).where(ScanLayer.scan_id == scan.id))
    session.execute(delete(StoredFinding).where(StoredFinding.scan_id == scan.id))
    for position, layer in enumerate(target.get("layers") or []):
        if isinstance(layer, dict) and layer.get("digest"):
            size = layer.get("size")
            session.add(
                ScanLayer(
                    scan_id=scan.id,
                    position=position,
                    digest=str(layer["digest"]),
                    size=size if isinstance(size, int) else None,
                )
            )
    for finding in findings:
        session.add(
            StoredFinding(
                scan_id=scan.id,
                fingerprint=fingerprint(finding),
                rule=str(finding.get("rule", ""))[:200],
                practice=str(finding.get("practice", ""))[:20],
                severity=str(finding.get("severity", "unknown"))[:10],
                title=str(finding.get("title", "")),
                where=where_of(finding),
            )
        )
    session.flush()


# -- reading -----------------------------------------------------------------------
def latest_scans(session: Session) -> list[tuple[Image, Scan]]:
    """Each image with its newest finished scan."""
    newest = (
        select(Scan.image_id, func.max(Scan.id).label("scan_id"))
        .where(Scan.status == "done", Scan.image_id.is_not(None))
        .group_by(Scan.image_id)
        .subquery()
    )
    rows = session.execute(
        select(Image, Scan)
        .join(newest, newest.c.image_id == Image.id)
        .join(Scan, Scan.id == newest.c.scan_id)
        .order_by(Image.repository)
    )
    return [(image, scan) for image, scan in rows]


def image_scans(session: Session, image_id: int, limit: int = 100) -> list[Scan]:
    return list(
        session.scalars(
            select(Scan).where(Scan.image_id == image_id).order_by(Scan.id.desc()).limit(limit)
        )
    )


def scan_by_uid(session: Session, uid: str) -> Scan | None:
    return session.scalar(select(Scan).where(Scan.uid == uid))


def queue_length(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Scan).where(or_(Scan.status == "queued")))
        or 0
    )


def findings_of(session: Session, scan_id: int) -> list[StoredFinding]:
    return list(session.scalars(select(StoredFinding).where(StoredFinding.scan_id == scan_id)))


def compare(session: Session, old: Scan, new: Scan) -> dict[str, list[dict[str, str]]]:
    """Findings new in ``new`` and resolved since ``old``, matched by fingerprint."""
    before = {f.fingerprint: f for f in findings_of(session, old.id)}
    after = {f.fingerprint: f for f in findings_of(session, new.id)}

    def rows(items: list[StoredFinding]) -> list[dict[str, str]]:
        return [
            {"rule": f.rule, "severity": f.severity, "title": f.title, "where": f.where}
            for f in sorted(
                items,
                key=lambda f: (
                    SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9,
                    f.rule,
                ),
            )
        ]

    return {
        "new": rows([f for k, f in after.items() if k not in before]),
        "resolved": rows([f for k, f in before.items() if k not in after]),
    }
