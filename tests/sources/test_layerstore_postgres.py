"""Layer records shared through a real PostgreSQL server (the server's database, say):
workers on different machines (here: different local cache directories) read a shared
base layer once, a record is trusted only with the operator's HMAC key, a database that
refuses, or stops answering mid-scan, never fails a scan, and a fork's connection is its
own."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hullcheck.cli.main import main
from hullcheck.sources import layerstore_postgres
from hullcheck.sources.layerstore_postgres import PostgresLayerCache
from hullcheck.sources.layerstore_shared import KEY_ENV
from tests.fixtures.imagebuilder import BuiltImage
from tests.fixtures.postgres import new_postgres_database
from tests.sources.shared_store import cache_warnings, scan_through, without_cache_warnings
from tests.sources.test_layercache import _cached, _doc, _packages, _secret_files, images

__all__ = ["images"]  # the fixture, shared with the local store's tests


@pytest.fixture
def database(postgres_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(KEY_ENV, "operator-key")
    return new_postgres_database(postgres_server)


def _rows(database: str) -> list[tuple[str, bytes, float]]:
    """(name, value, seconds to expiry) of every record."""
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT name, value, extract(epoch FROM expires - now()) "
            "FROM hullcheck_layer_records ORDER BY name"
        ).fetchall()
    return [(name, bytes(value), float(left)) for name, value, left in rows]


def test_two_machines_share_the_base_layer(
    tmp_path: Path, database: str, images: dict[str, BuiltImage]
) -> None:
    cleaner, plain = images["cleaner"].reference, images["plain"].reference
    first = scan_through(cleaner, tmp_path / "machine-a", database)
    assert _cached(first) == []
    assert cache_warnings(first) == []
    rows = _rows(database)
    assert len(rows) == 2
    assert all(29 * 86400 < left <= 30 * 86400 for _, _, left in rows)
    second = scan_through(plain, tmp_path / "machine-b", database)
    assert _cached(second) == [0]  # the base, recorded by the other machine
    assert not (tmp_path / "machine-b" / "layers").exists()
    assert cache_warnings(second) == []
    assert _doc(second) == _doc(scan_through(plain, tmp_path / "none", None))
    assert _packages(second) == {f"p{i}" for i in range(30)}
    assert _secret_files(second) == {
        ("/root/.ssh/id_ed25519", 0): None,
        ("/app/settings.py", 0): None,
    }


def test_expired_records_are_neither_used_nor_kept(
    tmp_path: Path, database: str, images: dict[str, BuiltImage]
) -> None:
    plain = images["plain"].reference
    scan_through(images["cleaner"].reference, tmp_path / "a", f"{database}?ttl=1")
    before = {name for name, _, _ in _rows(database)}
    assert len(before) == 2
    time.sleep(1.5)
    report = scan_through(plain, tmp_path / "b", database)
    assert _cached(report) == []  # the base expired: read again, and stored anew
    after = {name: left for name, _, left in _rows(database)}
    assert len(after) == 2 and all(round(left / 86400) == 30 for left in after.values())
    assert len(before & set(after)) == 1  # the base; the cleaner's own layer was purged


@pytest.mark.parametrize("how", ["flip", "other-key"])
def test_a_record_without_the_operators_hmac_is_ignored(
    tmp_path: Path,
    database: str,
    images: dict[str, BuiltImage],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    plain = images["plain"].reference
    clean = _doc(scan_through(plain, tmp_path / "none", None))
    scan_through(images["cleaner"].reference, tmp_path / "a", database)
    if how == "other-key":  # rewritten by someone with another key: well formed, wrong HMAC
        monkeypatch.setenv(KEY_ENV, "attacker-key")
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("DELETE FROM hullcheck_layer_records")
        scan_through(images["cleaner"].reference, tmp_path / "attacker", database)
        monkeypatch.setenv(KEY_ENV, "operator-key")
    else:
        with psycopg.connect(database, autocommit=True) as conn:
            for name, value, _ in _rows(database):  # one byte of the compressed body
                flipped = bytearray(value)
                flipped[-5] ^= 0x01
                conn.execute(
                    "UPDATE hullcheck_layer_records SET value = %s WHERE name = %s",
                    (bytes(flipped), name),
                )
    report = scan_through(plain, tmp_path / "b", database)
    assert _cached(report) == []
    warnings = cache_warnings(report)
    assert warnings and all("HMAC does not verify" in w for w in warnings), warnings
    assert without_cache_warnings(report) == clean


def test_a_database_that_refuses_costs_one_warning(
    tmp_path: Path, images: dict[str, BuiltImage], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "operator-key")
    ref = images["plain"].reference
    clean = _doc(scan_through(ref, tmp_path / "none", None))
    report = scan_through(ref, tmp_path / "a", "postgresql://nobody:hunter2@127.0.0.1:1/db")
    warnings = cache_warnings(report)
    assert len(warnings) == 1 and "unreachable" in warnings[0], warnings
    assert "hunter2" not in warnings[0]
    assert without_cache_warnings(report) == clean


@pytest.mark.timeout(90)  # without the deadline the scan waits for ever
def test_a_database_that_stops_answering_mid_scan_costs_one_timeout(
    tmp_path: Path,
    database: str,
    images: dict[str, BuiltImage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(layerstore_postgres, "TIMEOUT", 0.5)
    ref = images["cleaner"].reference
    clean = _doc(scan_through(ref, tmp_path / "none", None))
    frozen: list[int] = []
    real_load = PostgresLayerCache.load

    def load_then_freeze(self: PostgresLayerCache, *args: Any) -> Any:
        out = real_load(self, *args)  # the first layer's lookup reaches the server
        if not frozen:
            assert self._conn is not None
            frozen.append(self._conn.info.backend_pid)
            os.kill(frozen[0], signal.SIGSTOP)  # its server process answers nothing more
        return out

    monkeypatch.setattr(PostgresLayerCache, "load", load_then_freeze)
    try:
        started = time.monotonic()
        report = scan_through(ref, tmp_path / "a", database)
        elapsed = time.monotonic() - started
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
    assert frozen
    warnings = cache_warnings(report)
    assert len(warnings) == 1 and "unreachable" in warnings[0], warnings
    assert without_cache_warnings(report) == clean
    assert elapsed < 30  # bounded by the deadline, not by the frozen server


def _use_in_fork(store: PostgresLayerCache, name: str, out: Any) -> None:
    out.put(store._exists(name) is False and store._conn is not None)


def test_a_fork_opens_its_own_connection_and_leaves_its_parents_alone(
    tmp_path: Path, database: str
) -> None:
    store = PostgresLayerCache(database, tmp_path)
    assert store.usage() == (0, 0)  # connected here
    assert store._conn is not None
    session = store._conn.info.backend_pid  # no reference kept: the child must not hold one
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_use_in_fork, args=(store, "hullcheck:layer:none", out))
    child.start()
    child.join(30)
    assert child.exitcode == 0 and out.get(timeout=5) is True
    # the parent's session survived the child's (a shared socket would have been hung up)
    assert store.usage() == (0, 0)
    assert store._conn.info.backend_pid == session
    assert not store.down and store.warnings == []


def test_cache_info_and_clean_reach_the_records_and_only_them(
    tmp_path: Path,
    database: str,
    images: dict[str, BuiltImage],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE TABLE scans (id int)")  # the server's, say
        conn.execute("INSERT INTO scans VALUES (1)")
    scan_through(images["cleaner"].reference, tmp_path / "a", database)
    size = sum(len(value) for _, value, _ in _rows(database))
    cache = ["--cache-dir", str(tmp_path / "a"), "--layer-cache", database]
    capsys.readouterr()
    assert main(["cache", "info", *cache]) == 0
    where = database.rsplit("@", maxsplit=1)[-1]
    assert f"postgresql://{where}: 2 layer records, {size} bytes" in capsys.readouterr().out
    assert main(["cache", "clean", *cache]) == 0
    assert f"removed 2 layer records ({size} bytes)" in capsys.readouterr().out
    assert _rows(database) == []
    with psycopg.connect(database) as conn:
        assert conn.execute("SELECT id FROM scans").fetchall() == [(1,)]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://u:hunter2@127.0.0.1:1/db", "unreachable"),
        ("postgresql://u@127.0.0.1:1/db?password=hunter2&sslmode=disable", "unreachable"),
        ("postgresql://127.0.0.1/db?no_such_option=hunter2", "not a postgresql URL"),
        # libpq quotes these back whole: the message must not pass them on
        ("postgresql://u:hunter2%zz@127.0.0.1/db", "not a postgresql URL"),
        ("postgresql://u:hunter2@[::1/db", "not a postgresql URL"),
    ],
)
def test_cache_info_on_a_bad_store_is_one_line_without_the_password(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    says: str,
) -> None:
    monkeypatch.setenv(KEY_ENV, "operator-key")
    assert main(["cache", "info", "--cache-dir", str(tmp_path), "--layer-cache", url]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert "hunter2" not in captured.out + captured.err


def test_an_oversized_value_is_refused_after_one_byte_too_many(
    tmp_path: Path, database: str, images: dict[str, BuiltImage]
) -> None:
    scan_through(images["cleaner"].reference, tmp_path / "a", database)
    (name, value, _), *_ = _rows(database)
    store = PostgresLayerCache(database, tmp_path)
    assert store._fetch(name) == value
    store.max_value = len(value) - 1  # as if the row had grown past the limit
    assert store._fetch(name) == value  # read up to one byte past the limit, no more
    store.max_value = 100
    assert store._fetch(name) == value[:101]
    diff_id, fingerprint = name.removeprefix("hullcheck:layer:").rsplit(":", 1)
    assert store.load(diff_id, fingerprint, []) is None
    assert store.warnings and "over 100 bytes" in store.warnings[-1]
