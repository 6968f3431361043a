"""Fixtures of the service's tests: databases of each kind (PostgreSQL's on the session's
real server, ``tests/fixtures/postgres.py``) and a live service."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hullcheck.server import tokens
from hullcheck.server.db import open_database
from tests.fixtures.postgres import free_port, new_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database of each kind the service supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hullcheck.sqlite3'}"
    server: str = request.getfixturevalue("postgres_server")
    return new_postgres_database(server)


def make_token(url: str, scope: str, name: str | None = None) -> str:
    sessions = open_database(url)
    with sessions() as session:
        _, value = tokens.create_token(session, name or scope, scope)
        session.commit()
    sessions.kw["bind"].dispose()
    return value


@dataclass
class LiveServer:
    """A ``hullcheck serve`` process on 127.0.0.1."""

    url: str
    database: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def stop(self, sig: int = 15) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_server(
    database: str, data_dir: Path, *extra: str, env: dict[str, str] | None = None
) -> LiveServer:
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "hullcheck",
        "serve",
        "--database",
        database,
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        *extra,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    server = LiveServer(f"http://127.0.0.1:{port}", database, data_dir, proc, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"hullcheck serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop(9)
    raise RuntimeError(f"hullcheck serve did not get ready: {log.read_text()[-2000:]}")


@pytest.fixture
def live_server(database_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(database_url, tmp_path / "data")
    try:
        yield server
    finally:
        server.stop()


def wait_for(
    client: httpx.Client, uid: str, statuses: tuple[str, ...], timeout: float = 120
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/v1/scans/{uid}").json()
        if body.get("status") in statuses:
            return body
        time.sleep(0.2)
    raise AssertionError(f"scan {uid} never reached {statuses}")
