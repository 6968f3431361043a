"""Layer records in PostgreSQL, e.g. the server's own database, shared by every fleet
worker that points at it (``--layer-cache postgresql://user@host/db[?ttl=SECONDS]``).

The framing, the HMAC and the failure rules are ``layerstore_shared``'s.  Records are rows
of one table of their own, ``hullcheck_layer_records`` (name, value, expiry), created on
first use; the server's tables are never touched.  Expired rows are purged when a process
first connects; ``cache clean`` empties the table.

Every command has a deadline on this side of the wire: PostgreSQL's ``statement_timeout``
bounds a slow query, but a server that stops answering altogether (a frozen host, a
stopped process) would leave libpq waiting for ever, so a timer shuts the socket down
and the command fails like a dropped connection: the store turns off, the scan goes on.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hullcheck.errors import InputError
from hullcheck.sources.layerstore_shared import DEFAULT_TTL, SharedLayerCache

if TYPE_CHECKING:
    import psycopg

TIMEOUT = 3.0
"""Seconds to connect and per command: a stuck server costs a scan at most this once."""
_CREATE = (
    "CREATE TABLE IF NOT EXISTS hullcheck_layer_records ("
    "name text PRIMARY KEY, value bytea NOT NULL, expires timestamptz NOT NULL)"
)


class PostgresLayerCache(SharedLayerCache):
    """Layer records as rows of ``hullcheck_layer_records``."""

    scheme = "postgresql"

    def __init__(self, url: str, cache_dir: Path, ttl: int = DEFAULT_TTL) -> None:
        super().__init__(url, cache_dir, ttl)
        try:
            import psycopg as psycopg_mod  # noqa: PLC0415  # the server extra
        except ImportError as err:
            raise InputError("a postgresql layer cache needs hullcheck[server] installed") from err
        try:
            psycopg_mod.conninfo.conninfo_to_dict(self.url)
        except psycopg_mod.ProgrammingError:
            # libpq's message can quote the URL, password and all: it is not passed on
            raise InputError(
                "--layer-cache: not a postgresql URL libpq can read "
                "(postgresql://user@host:port/db?option=value)"
            ) from None
        self._psycopg = psycopg_mod
        self.errors = (psycopg_mod.Error,)
        self._conn: psycopg.Connection[Any] | None = None
        self._pid = 0

    def _connection(self) -> psycopg.Connection[Any]:
        # a connection is one process's: a fork (the layer helper, a pool worker) opens
        # its own rather than write into its parent's socket, and never closes the one it
        # inherited (that would end the parent's session; psycopg's finaliser knows)
        if self._conn is None or self._pid != os.getpid():
            conn = self._psycopg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, round(TIMEOUT)),
                options=f"-c statement_timeout={int(TIMEOUT * 1000)}",
            )
            self._conn, self._pid = conn, os.getpid()
            errors = self._psycopg.errors
            # another worker may create it at the same moment
            with contextlib.suppress(errors.UniqueViolation, errors.DuplicateTable):
                self._execute(_CREATE)
            self._execute("DELETE FROM hullcheck_layer_records WHERE expires <= now()")
        return self._conn

    def _execute(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        conn = self._conn
        assert conn is not None
        watchdog = threading.Timer(TIMEOUT, _hang_up, (conn.pgconn.socket,))
        watchdog.daemon = True
        watchdog.start()
        try:
            cursor = conn.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description is not None else []
        finally:
            watchdog.cancel()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        self._connection()
        try:
            return self._execute(sql, params)
        except self._psycopg.Error:
            self._conn = None  # broken or hung up on: the store turns off, never reused
            raise

    def _fetch(self, name: str) -> bytes | None:
        rows = self._run(
            "SELECT substring(value FROM 1 FOR %s) FROM hullcheck_layer_records "
            "WHERE name = %s AND expires > now()",
            (self.max_value + 1, name),
        )
        return bytes(rows[0][0]) if rows else None

    def _put(self, name: str, value: bytes) -> None:
        self._run(
            "INSERT INTO hullcheck_layer_records (name, value, expires) "
            "VALUES (%s, %s, now() + make_interval(secs => %s)) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires",
            (name, value, self.ttl),
        )

    def _exists(self, name: str) -> bool:
        return bool(
            self._run(
                "SELECT 1 FROM hullcheck_layer_records WHERE name = %s AND expires > now()", (name,)
            )
        )

    def _sizes(self) -> Iterator[int]:
        for (length,) in self._run("SELECT octet_length(value) FROM hullcheck_layer_records"):
            yield int(length)

    def _remove_all(self) -> tuple[int, int]:
        rows = self._run("DELETE FROM hullcheck_layer_records RETURNING octet_length(value)")
        return len(rows), sum(int(length) for (length,) in rows)


def _hang_up(fd: int) -> None:
    """End a command the server does not answer: shut the connection's socket down (a
    duplicate of its descriptor, so libpq's own stays valid until it closes it)."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()
