"""The local vulnerability database: one SQLite file indexed by (ecosystem, package name).

A scan asks only for the advisories of the packages it found, so it never loads the whole
database; and it reads only the ``affected`` entries of those packages plus a small "head"
of each record (ids, aliases, summary, severity, references), never whole records.  Full
records are kept too, as zlib-compressed OSV JSON, each tagged with the *source* it
came from (a downloaded ecosystem export, a local import, the embedded snapshot), so that
one source can be replaced without touching the others.  Writers always build a new file
next to the old one and rename it over (see :class:`DatabaseWriter`): a failed update
leaves the previous database as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from hullcheck.errors import DatabaseError
from hullcheck.vulns.names import base_ecosystem, normalize_name
from hullcheck.vulns.osv import (
    Advisory,
    Affected,
    advisory_head,
    parse_advisory,
    parse_affected,
)

SCHEMA_VERSION = "3"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    name TEXT PRIMARY KEY, origin TEXT NOT NULL, data_date TEXT, imported_at TEXT NOT NULL,
    records INTEGER NOT NULL, skipped INTEGER NOT NULL, sha256 TEXT
);
CREATE TABLE advisories (
    rid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL,
    modified TEXT NOT NULL, withdrawn INTEGER NOT NULL, head TEXT NOT NULL, body BLOB NOT NULL
);
CREATE TABLE affected (
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, release TEXT NOT NULL,
    rid INTEGER NOT NULL, entries TEXT NOT NULL
);
CREATE INDEX affected_key ON affected (ecosystem, name, release);
CREATE INDEX advisories_source ON advisories (source);
CREATE TABLE ecosystems (source TEXT NOT NULL, ecosystem TEXT NOT NULL, records INTEGER NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """One source of records in the database, for ``hullcheck db status``."""

    name: str
    origin: str
    data_date: str | None
    imported_at: str
    records: int
    skipped: int
    sha256: str | None
    ecosystems: Mapping[str, int]

    def age_days(self, now: datetime | None = None) -> float | None:
        """Days since the data was current: since ``data_date``, the newest record's
        ``modified`` (``None`` when no record says when it was modified: never the
        import time, which says nothing about how fresh the data is)."""
        stamp = self.data_date
        if not stamp:
            return None
        try:
            then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise DatabaseError(
                f"vulnerability database source {self.name[:100]!r} has an unreadable date "
                f"{stamp[:40]!r}: run 'hullcheck db update'"
            ) from None
        if then.tzinfo is None:
            then = then.replace(tzinfo=UTC)
        return ((now or datetime.now(UTC)) - then).total_seconds() / 86400


def default_db_path() -> Path:
    """``$HULLCHECK_DB``, else ``$XDG_CACHE_HOME/hullcheck/osv.sqlite3`` (``~/.cache``)."""
    env = os.environ.get("HULLCHECK_DB")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "hullcheck" / "osv.sqlite3"


class Candidate:
    """A record that names a package: its id, and that package's ``affected`` entries."""

    __slots__ = ("_db", "_entries", "_head", "id", "rid", "withdrawn")

    def __init__(self, db: VulnDatabase, row: tuple[int, str, int, str, str]) -> None:
        """``row``: rid, id, withdrawn, head JSON, entries JSON (as the query selects)."""
        self._db = db
        self.rid, self.id, withdrawn, self._head, self._entries = row
        self.withdrawn = bool(withdrawn)

    @property
    def affected(self) -> tuple[Affected, ...]:
        return tuple(parse_affected(item) for item in json.loads(self._entries))

    def advisory(self) -> Advisory:
        """The record (without its ``affected`` list), parsed once per database handle."""
        return self._db._advisory(self.rid, self._head)

    def __repr__(self) -> str:
        return f"Candidate({self.id!r})"


@dataclass(frozen=True, slots=True)
class EcosystemCoverage:
    """What the database holds for one ecosystem string (``PyPI``, ``Debian:11``...)."""

    ecosystem: str
    records: int
    newest: str | None  # the newest ``modified`` of those records


class VulnDatabase:
    """Read access to a database file, for matching and for ``db status``."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None) -> None:
        self._conn = conn
        self.path = path
        self._cache: dict[int, Advisory] = {}
        self._releases: dict[str, frozenset[str]] = {}

    @classmethod
    def open(cls, path: Path) -> VulnDatabase:
        """Open an existing database read-only; :class:`DatabaseError` if absent or corrupt."""
        if not path.is_file():
            raise DatabaseError(f"no vulnerability database at {path}: run 'hullcheck db update'")
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            # a damaged file may hold text that is not UTF-8: show it, do not fail on it
            conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database {path} is unreadable: {err}") from None
        if row is None or row[0] != SCHEMA_VERSION:
            conn.close()
            raise DatabaseError(
                f"vulnerability database {path} has another format: run 'hullcheck db update'"
            )
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> VulnDatabase:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def advisories_for(
        self, ecosystem: str, name: str, exact_ecosystem: str | None = None
    ) -> list[Candidate]:
        """Records with an ``affected`` entry for ``name`` in ``ecosystem``'s family (only
        those of ``exact_ecosystem``, e.g. ``Debian:11``, when given).

        Each candidate carries only that package's entries; its advisory head is parsed on
        demand, so records that do not match cost little.
        """
        base = base_ecosystem(ecosystem)
        sql = (
            "SELECT a.rid, a.id, a.withdrawn, a.head, f.entries FROM affected f "
            "JOIN advisories a ON a.rid = f.rid WHERE f.ecosystem = ? AND f.name = ?"
        )
        params: tuple[str, ...] = (base, normalize_name(base, name))
        if exact_ecosystem is not None:
            sql += " AND f.release = ?"
            params += (exact_ecosystem,)
        try:
            rows = self._conn.execute(sql, params).fetchall()
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database query failed: {err}") from None
        return [Candidate(self, row) for row in rows]

    def releases(self, base: str) -> frozenset[str]:
        """Every ecosystem string the database holds advisories for in ``base``'s family
        (``Debian`` -> ``{"Debian:11", "Debian:10"}``; ``PyPI`` -> ``{"PyPI"}``)."""
        cached = self._releases.get(base)
        if cached is None:
            try:
                rows = self._conn.execute(
                    "SELECT DISTINCT release FROM affected WHERE ecosystem = ?", (base,)
                ).fetchall()
            except (sqlite3.Error, UnicodeDecodeError) as err:
                raise DatabaseError(f"vulnerability database query failed: {err}") from None
            cached = frozenset(str(r[0]) for r in rows)
            self._releases[base] = cached
        return cached

    def records_named(self, names: Iterable[str]) -> list[Advisory]:
        """The records (heads) whose id is one of ``names``: an advisory's aliases as
        records of their own, which may say how severe the issue is."""
        wanted = sorted(set(names))[:200]
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        try:
            rows = self._conn.execute(
                f"SELECT rid, head FROM advisories WHERE id IN ({marks}) AND withdrawn = 0",  # noqa: S608 - only placeholders
                wanted,
            ).fetchall()
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database query failed: {err}") from None
        return [self._advisory(rid, head) for rid, head in rows]

    def coverage(self) -> list[EcosystemCoverage]:
        """Per ecosystem string: how many records, and the newest ``modified`` among them."""
        try:
            rows = self._conn.execute(
                "SELECT f.release, COUNT(DISTINCT f.rid), MAX(a.modified) FROM affected f "
                "JOIN advisories a ON a.rid = f.rid GROUP BY f.release ORDER BY f.release"
            ).fetchall()
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database query failed: {err}") from None
        return [
            EcosystemCoverage(str(eco), int(n), real_date(str(newest)) if newest else None)
            for eco, n, newest in rows
        ]

    def _advisory(self, rid: int, head: str) -> Advisory:
        adv = self._cache.get(rid)
        if adv is None:
            adv = parse_advisory(json.loads(head), ())
            self._cache[rid] = adv
        return adv

    def sources(self) -> list[SourceStatus]:
        try:
            rows = self._conn.execute(
                "SELECT name, origin, data_date, imported_at, records, skipped, sha256 "
                "FROM sources ORDER BY name"
            ).fetchall()
            ecos = self._conn.execute("SELECT source, ecosystem, records FROM ecosystems")
            by_source: dict[str, dict[str, int]] = {}
            for source, eco, count in ecos:
                by_source.setdefault(source, {})[eco] = count
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database query failed: {err}") from None
        out = []
        for row in rows:
            # a damaged file can hold any type in any column: refuse it rather than crash
            texts, numbers = (row[0], row[1], row[3]), (row[4], row[5])
            if (
                not all(isinstance(v, str) for v in texts)
                or not all(isinstance(v, int) for v in numbers)
                or not all(v is None or isinstance(v, str) for v in (row[2], row[6]))
                or not all(
                    isinstance(k, str) and isinstance(v, int)
                    for k, v in by_source.get(row[0], {}).items()
                )
            ):
                raise DatabaseError(
                    f"vulnerability database {self.path} is damaged: run 'hullcheck db update'"
                )
            out.append(
                SourceStatus(
                    name=row[0],
                    origin=row[1],
                    data_date=row[2],
                    imported_at=row[3],
                    records=row[4],
                    skipped=row[5],
                    sha256=row[6],
                    ecosystems=by_source.get(row[0], {}),
                )
            )
        return out

    def record_count(self) -> int:
        try:
            row = self._conn.execute("SELECT COUNT(*) FROM advisories").fetchone()
        except (sqlite3.Error, UnicodeDecodeError) as err:
            raise DatabaseError(f"vulnerability database query failed: {err}") from None
        return int(row[0])


# Records of some sources carry a placeholder ``modified`` (golang/vulndb's repository has
# 0001-01-01): a date before this says nothing about when the data was current.
_EARLIEST_REAL = "1990-01-01"


def real_date(stamp: str) -> str | None:
    """``stamp`` when it is a plausible record date, else ``None``."""
    return stamp if stamp >= _EARLIEST_REAL else None


STALE_TEMP_SECONDS = 24 * 3600


def _remove_stale_temps(folder: Path) -> None:
    """Delete temp files that a killed update left behind (a day old: never a live one)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    for pattern in (".osv-*.tmp", ".osv-download-*.zip", ".eol-*.tmp"):
        for leftover in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                    leftover.unlink()


class DatabaseWriter:
    """Builds a new database file beside ``path`` and renames it over ``path`` on commit.

    The new file starts as a copy of the current database (when there is one), so that
    sources not being replaced survive.  Until :meth:`commit`, ``path`` is untouched;
    :meth:`abort` (or leaving the ``with`` block on an exception) deletes the temp file.
    """

    def __init__(self, path: Path, *, keep_existing: bool = True) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".osv-", suffix=".tmp", dir=path.parent)
            os.close(fd)
        except OSError as err:
            raise DatabaseError(f"cannot write the database next to {path}: {err}") from None
        self._tmp = Path(tmp)
        _remove_stale_temps(path.parent)
        fresh = True
        if keep_existing and path.is_file():
            try:
                with VulnDatabase.open(path):
                    pass
                shutil.copyfile(path, self._tmp)
                fresh = False
            except (DatabaseError, OSError):
                fresh = True  # an unreadable old database is rebuilt rather than kept
        if fresh:
            self._tmp.write_bytes(b"")
        self._conn = sqlite3.connect(self._tmp, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = OFF")
        self._conn.execute("PRAGMA synchronous = OFF")
        if fresh:
            self._conn.executescript(_SCHEMA)
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
        # looking up an advisory's aliases by id (severity from the alias records)
        self._conn.execute("CREATE INDEX IF NOT EXISTS advisories_id ON advisories (id)")
        self._conn.execute("BEGIN")
        self._done = False
        self.newest: dict[str, str] = {}
        """Per source: the newest real ``modified`` among the records added."""

    def drop_source(self, name: str) -> None:
        """Remove every record of source ``name``."""
        c = self._conn
        c.execute(
            "DELETE FROM affected WHERE rid IN (SELECT rid FROM advisories WHERE source = ?)",
            (name,),
        )
        c.execute("DELETE FROM advisories WHERE source = ?", (name,))
        c.execute("DELETE FROM ecosystems WHERE source = ?", (name,))
        c.execute("DELETE FROM sources WHERE name = ?", (name,))

    def add_records(self, source: str, records: Iterable[Mapping[str, Any]]) -> dict[str, int]:
        """Store checked OSV records under ``source``; returns records per ecosystem."""
        per_eco: dict[str, int] = {}
        c = self._conn
        for rec in records:
            body = zlib.compress(json.dumps(rec, separators=(",", ":")).encode(), 6)
            head = json.dumps(advisory_head(rec), separators=(",", ":"))
            cur = c.execute(
                "INSERT INTO advisories (source, id, modified, withdrawn, head, body) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (source, rec["id"], rec["modified"], bool(rec.get("withdrawn")), head, body),
            )
            rid = cur.lastrowid
            stamp = real_date(rec["modified"])
            if stamp and stamp > self.newest.get(source, ""):
                self.newest[source] = stamp
            entries: dict[tuple[str, str, str], list[Any]] = {}
            ecos = set()
            for item in rec.get("affected") or ():
                pkg = item.get("package")
                if not pkg:
                    continue
                base = base_ecosystem(pkg["ecosystem"])
                key = (base, normalize_name(base, pkg["name"]), pkg["ecosystem"])
                entries.setdefault(key, []).append(item)
                ecos.add(pkg["ecosystem"])
            c.executemany(
                "INSERT INTO affected (ecosystem, name, release, rid, entries) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (eco, name, release, rid, json.dumps(items, separators=(",", ":")))
                    for (eco, name, release), items in entries.items()
                ],
            )
            for eco in ecos or {"(none)"}:
                per_eco[eco] = per_eco.get(eco, 0) + 1
        return per_eco

    def set_source(
        self,
        name: str,
        *,
        origin: str,
        records: int,
        skipped: int,
        ecosystems: Mapping[str, int],
        data_date: str | None = None,
        sha256: str | None = None,
    ) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._conn.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, origin, data_date, now, records, skipped, sha256),
        )
        self._conn.executemany(
            "INSERT INTO ecosystems (source, ecosystem, records) VALUES (?, ?, ?)",
            [(name, eco, count) for eco, count in sorted(ecosystems.items())],
        )

    def commit(self) -> None:
        """Make the new database the current one, atomically."""
        try:
            self._conn.execute("COMMIT")
            self._conn.execute("VACUUM")
            self._conn.close()
            with open(self._tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(self._tmp, self.path)
        except (OSError, sqlite3.Error) as err:
            self.abort()
            raise DatabaseError(f"cannot write the database {self.path}: {err}") from None
        self._done = True

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> DatabaseWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._done:
            self.abort()
