"""Opening the vulnerability database for a scan, and telling the user when it is old.

``open_database`` opens ``--db``/``$HULLCHECK_DB``/the cache default; on a first run, when
no database exists yet, it builds one from the embedded snapshot (in the cache dir, or in
memory when the cache dir is not writable), so scanning works offline out of the box.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from hullcheck.errors import DatabaseError
from hullcheck.vulns.embedded import install_snapshot
from hullcheck.vulns.names import base_ecosystem
from hullcheck.vulns.store import DatabaseWriter, VulnDatabase, default_db_path

STALE_AFTER_DAYS = 7


def install_embedded(path: Path) -> None:
    """Create the database at ``path`` from the embedded snapshot (atomically)."""
    with DatabaseWriter(path, keep_existing=False) as writer:
        install_snapshot(writer)
        writer.commit()


def open_database(path: Path | None = None, *, create: bool = True) -> VulnDatabase:
    """The database at ``path`` (default: :func:`default_db_path`).

    When it does not exist and ``create`` is true, it is built from the embedded snapshot.
    """
    path = (path or default_db_path()).expanduser()
    if path.exists() or not create:
        return VulnDatabase.open(path)
    try:
        install_embedded(path)
    except DatabaseError:
        if path.exists():
            raise
        return _in_memory()
    return VulnDatabase.open(path)


def _in_memory() -> VulnDatabase:
    """The snapshot in a private temp copy when the cache dir cannot be written."""
    import tempfile  # noqa: PLC0415

    tmpdir = Path(tempfile.mkdtemp(prefix="hullcheck-db-"))
    target = tmpdir / "osv.sqlite3"
    install_embedded(target)
    conn = sqlite3.connect(":memory:")
    src = sqlite3.connect(target)
    src.backup(conn)
    src.close()
    target.unlink()
    tmpdir.rmdir()
    return VulnDatabase(conn, None)


def _days(stamp: str, now: datetime) -> float | None:
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (now - then).total_seconds() / 86400


def ecosystem_dates(db: VulnDatabase) -> dict[str, str | None]:
    """Per base ecosystem (``PyPI``, ``Debian``...): the newest ``modified`` among its
    records, else the data date of the sources holding it (the embedded Go records carry
    a placeholder), else ``None``."""
    out: dict[str, str | None] = {}
    for cov in db.coverage():
        base = base_ecosystem(cov.ecosystem)
        if cov.newest and cov.newest > (out.get(base) or ""):
            out[base] = cov.newest
        else:
            out.setdefault(base, None)
    for source in db.sources():
        for eco in source.ecosystems:
            base = base_ecosystem(eco)
            if base in out and out[base] is None and source.data_date:
                out[base] = source.data_date
    return out


def data_age_days(db: VulnDatabase, now: datetime | None = None) -> float | None:
    """How old the database's data is, in days: the age of its stalest ecosystem, each
    ecosystem as old as its newest record's ``modified``.  Not the import time.

    ``None`` when the database is empty or an ecosystem's age is not known: an age that
    is not known is never reported as fresh.
    """
    now = now or datetime.now(UTC)
    dates = ecosystem_dates(db)
    if not dates or any(d is None for d in dates.values()):
        return None
    ages = [_days(d, now) for d in dates.values() if d is not None]
    if any(a is None for a in ages):
        return None
    return max(a for a in ages if a is not None)


def staleness_warning(
    db: VulnDatabase, *, now: datetime | None = None, max_age_days: float = STALE_AFTER_DAYS
) -> str | None:
    """One line to show before scan results when the data is old or embedded, else None."""
    sources = db.sources()
    if not sources:
        return "the vulnerability database is empty: run 'hullcheck db update'"
    now = now or datetime.now(UTC)
    embedded = [
        f"{s.name} data of {(s.data_date or 'unknown date')[:10]}"
        for s in sources
        if s.name.startswith("embedded:")
    ]
    if embedded:
        return (
            f"using the embedded vulnerability snapshot ({', '.join(embedded)}): "
            "run 'hullcheck db update'"
        )
    for source in sources:
        age = source.age_days(now)
        if age is None:
            return (
                f"the age of the vulnerability data of {source.name} is unknown (no record "
                "says when it was modified): run 'hullcheck db update'"
            )
        if age > max_age_days:
            return (
                f"vulnerability data for {source.name} is {age:.0f} days old (newest record "
                f"{(source.data_date or '')[:10]}): run 'hullcheck db update'"
            )
    return None
