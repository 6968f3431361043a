"""The service's tables (SQLAlchemy 2.0) and how to open a database.

SQLite is the default (one file, zero setup; WAL so readers never wait for the writer)
and PostgreSQL serves teams.  The schema is created and upgraded only by the Alembic
migrations in ``migrations/``; ``open_database`` runs them, so a new release upgrades an
old database in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from hullcheck.errors import InputError


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


class Token(Base):
    """An API token: only its SHA-256 is kept, so a leaked database leaks no token."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Image(Base):
    """A repository (``registry/name``): the thing a team ships, across digests and tags."""

    __tablename__ = "images"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository: Mapped[str] = mapped_column(String(500), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    """Where a tag of a repository pointed when it was last seen."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("image_id", "tag"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Scan(Base):
    """One submission and, once run, its report.  Also the work queue (``status``)."""

    __tablename__ = "scans"
    __table_args__ = (
        Index("ix_scans_status", "status"),
        Index("ix_scans_image_digest", "image_id", "digest"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    """``image`` (pulled and scanned here), ``sbom`` (matched here) or ``report`` (stored)."""
    reference: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10))
    """``queued``, ``running``, ``done`` or ``failed``."""
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100), default=None)
    lease_expires: Mapped[datetime | None] = mapped_column(default=None)
    input_text: Mapped[str | None] = mapped_column(Text, default=None)
    """The submitted SBOM, until its scan has run."""
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"), default=None)
    digest: Mapped[str | None] = mapped_column(String(80), default=None)
    report: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    worst: Mapped[str | None] = mapped_column(String(10), default=None)
    counts: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    exit_code: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id"), default=None)
    """For a re-match: the scan whose packages were matched again."""


class Watch(Base):
    """A repository polled for new digests; its tags live in ``tags`` like any image's."""

    __tablename__ = "watches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    repository: Mapped[str] = mapped_column(String(500), unique=True)
    tag_pattern: Mapped[str] = mapped_column(String(200), default="*")
    interval: Mapped[int] = mapped_column(Integer, default=300)
    username: Mapped[str | None] = mapped_column(String(200), default=None)
    sealed_password: Mapped[str | None] = mapped_column(Text, default=None)
    insecure: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_polled_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class Event(Base):
    """Something the watches saw: a new digest, a tag that moved (and who was built on it)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    repository: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Policy(Base):
    """A ``.hullcheck.yaml`` (and ``.hullcheckignore``) for the repositories matching a glob."""

    __tablename__ = "policies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    repositories: Mapped[str] = mapped_column(String(500))
    config: Mapped[str] = mapped_column(Text)
    ignores: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Webhook(Base):
    """Where alerts go: a URL, the HMAC key that signs each body, the lowest severity sent."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    min_severity: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Alert(Base):
    """One new finding of one image for one webhook: unique, so it is never sent twice."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("webhook_id", "image_id", "fingerprint"),
        Index("ix_alerts_pending", "delivered_at", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class ScanLayer(Base):
    """The layers of a scanned image, in order: shared layers link images to their bases."""

    __tablename__ = "scan_layers"
    __table_args__ = (Index("ix_scan_layers_digest", "digest"),)
    scan_id: Mapped[int] = mapped_column(
        ForeignKey("scans.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(80))
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)


class StoredFinding(Base):
    """A finding of a scan, keyed by a fingerprint that survives line moves and rebuilds."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_scan", "scan_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(200))
    practice: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(Text)
    where: Mapped[str] = mapped_column(Text)


SessionFactory = sessionmaker


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; ``postgresql://`` is driven by psycopg 3."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creating it in an empty database)."""
    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("hullcheck.server") / "migrations")
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str) -> sessionmaker[Any]:
    """A migrated database's session factory; ``InputError`` when it cannot be opened."""
    try:
        engine = make_engine(url)
    except (ArgumentError, ImportError, ValueError) as err:
        raise InputError(f"--database: not a database URL I can use ({err})") from None
    shown = engine.url.render_as_string(hide_password=True)
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    try:
        migrate(engine)
    except SQLAlchemyError as err:
        reason = " ".join(str(err.orig if hasattr(err, "orig") else err).split())[:300]
        raise InputError(f"cannot open the service database {shown}: {reason}") from None
    return sessionmaker(engine, expire_on_commit=False)
