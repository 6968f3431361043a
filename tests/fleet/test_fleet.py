"""Fleet scans end to end on the real registry: the local pool, real Celery workers on a
real Redis, a worker killed mid-task, Redis restarted mid-run, a registry that says 429.
Every image must end scanned exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.postgres import new_postgres_database
from tests.fleet.conftest import (
    Redis,
    Worker,
    expected_references,
    start_redis,
    start_worker,
)
from tests.sources.test_registry_integration import Registry

pytestmark = [pytest.mark.registry, pytest.mark.images]


def fleet(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hullcheck", "fleet", "scan", *args, "-q"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_a_registry_catalogue_on_the_local_pool(fleet_registry: Registry, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    run = fleet(
        "--registry",
        fleet_registry.host,
        "-o",
        str(out),
        "-j",
        "2",
        "--data-dir",
        str(tmp_path / "data"),
        "--fail-on",
        "none",
    )
    assert run.returncode == 0, run.stderr
    got = records(out)
    assert sorted(r["reference"] for r in got) == expected_references(fleet_registry)
    assert all(r["status"] == "done" and r["digest"].startswith("sha256:") for r in got)
    assert "(3 sharing another's image)" in run.stderr  # 6 references, 3 distinct images
    by_repo = {r["reference"].split("/", 1)[1]: r for r in got}
    assert by_repo["apps/minimal-a:latest"]["digest"] == by_repo["base/debian:latest"]["digest"]
    assert by_repo["apps/python:latest"]["layers"][0] == by_repo["base/debian:latest"]["layers"][0]
    again = fleet(
        "--registry",
        fleet_registry.host,
        "-o",
        str(out),
        "--fail-on",
        "none",
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert again.returncode == 0
    assert "6 already done" in again.stderr
    assert len(records(out)) == 6


def start_fleet(
    registry: Registry, redis: Redis, out: Path, tmp_path: Path
) -> subprocess.Popen[str]:
    """``fleet scan`` of the registry on the broker, running in the background."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "fleet",
            "scan",
            "--registry",
            registry.host,
            "--broker",
            redis.url,
            "-o",
            str(out),
            "--inflight",
            "6",
            "--visibility-timeout",
            "5",
            "--data-dir",
            str(tmp_path / "data"),
            "--fail-on",
            "none",
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_a_task(worker: Worker) -> None:
    """Until the worker holds a task (what the fault tests strike during)."""
    deadline = time.monotonic() + 120
    while b"Task hullcheck.fleet.scan" not in worker.log.read_bytes():
        assert time.monotonic() < deadline, worker.log.read_text()
        time.sleep(0.1)


def test_celery_workers_with_one_killed_mid_task(
    fleet_registry: Registry, redis: Redis, tmp_path: Path
) -> None:
    workers = [start_worker(redis.url, tmp_path / f"w{n}.log", f"w{n}@test") for n in (1, 2)]
    out = tmp_path / "results.jsonl"
    try:
        run = start_fleet(fleet_registry, redis, out, tmp_path)
        wait_for_a_task(workers[0])
        workers[0].kill()
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
    finally:
        for worker in workers:
            worker.stop()
    got = records(out)
    assert sorted(r["reference"] for r in got) == expected_references(fleet_registry)
    assert all(r["status"] == "done" for r in got)


@pytest.mark.parametrize("store", ["redis", "postgresql"])
def test_workers_on_two_machines_share_layer_records(
    fleet_registry: Registry,
    redis: Redis,
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    store: str,
) -> None:
    """Each worker with its own local cache (as on its own machine), records in a shared
    store (Redis, or PostgreSQL such as the server's database): the images share base
    layers, so some are replayed from the other worker's records."""
    monkeypatch.setenv("HULLCHECK_LAYER_CACHE_KEY", "fleet-test-key")
    machines = [tmp_path / f"machine{n}" for n in (1, 2)]
    if store == "redis":
        layers = f"redis://127.0.0.1:{redis.port}/1"
    else:
        layers = new_postgres_database(request.getfixturevalue("postgres_server"))
    workers = [
        start_worker(redis.url, tmp_path / f"w{n}.log", f"w{n}@test", 5, "--data-dir", str(d))
        for n, d in zip((1, 2), machines, strict=True)
    ]
    out = tmp_path / "results.jsonl"
    try:
        run = fleet(
            *("--registry", fleet_registry.host, "--broker", redis.url, "-o", str(out)),
            *("--layer-cache", layers, "--data-dir", str(tmp_path / "data"), "--fail-on", "none"),
        )
        assert run.returncode == 0, run.stderr
    finally:
        for worker in workers:
            worker.stop()
    got = records(out)
    assert sorted(r["reference"] for r in got) == expected_references(fleet_registry)
    assert all(r["status"] == "done" for r in got)
    assert sum(r["cached_layers"] for r in got) > 0
    for machine in machines:  # nothing recorded locally: the records are in the store
        assert not (machine / "cache" / "layers").exists()


@pytest.mark.parametrize("store", ["redis://127.0.0.1:1/1", "postgresql://u@127.0.0.1:1/db"])
def test_fleet_scan_with_a_shared_layer_cache_needs_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: str
) -> None:
    monkeypatch.delenv("HULLCHECK_LAYER_CACHE_KEY", raising=False)
    run = fleet(
        *("--layer-cache", store, "--data-dir", str(tmp_path)),
        *("--list", "/dev/null"),
    )
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "HULLCHECK_LAYER_CACHE_KEY" in lines[0], run.stderr


def test_redis_restarted_mid_run(fleet_registry: Registry, tmp_path: Path) -> None:
    redis = start_redis(tmp_path / "redis")
    workers: list[Worker] = []
    out = tmp_path / "results.jsonl"
    try:
        workers = [start_worker(redis.url, tmp_path / "w.log", "w@test")]
        run = start_fleet(fleet_registry, redis, out, tmp_path)
        wait_for_a_task(workers[0])
        redis.stop()
        time.sleep(2)
        redis = start_redis(tmp_path / "redis", redis.port)  # same data: the queue survives
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()
    got = records(out)
    assert sorted(r["reference"] for r in got) == expected_references(fleet_registry)


class RateLimited:
    """A proxy in front of the registry that answers 429 to the first ``limit`` requests."""

    def __init__(self, upstream: str, limit: int) -> None:
        self.left = limit
        self.refused = 0
        outer = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    refuse = outer.left > 0
                    outer.left -= 1 if refuse else 0
                    outer.refused += 1 if refuse else 0
                if refuse:
                    self.send_response(429)
                    self.send_header("Retry-After", "1")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with httpx.stream(
                    "GET",
                    f"http://{upstream}{self.path}",
                    headers={
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() not in ("host", "connection")
                    },
                ) as r:
                    self.send_response(r.status_code)
                    for key, value in r.headers.items():
                        if key.lower() not in ("transfer-encoding", "connection"):
                            self.send_header(key, value)
                    self.end_headers()
                    for chunk in r.iter_raw():
                        self.wfile.write(chunk)

            do_HEAD = do_GET

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def limited(fleet_registry: Registry) -> Iterator[RateLimited]:
    proxy = RateLimited(fleet_registry.host, limit=12)
    try:
        yield proxy
    finally:
        proxy.close()


def test_a_registry_answering_429_for_a_while(limited: RateLimited, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    run = fleet(
        "--registry",
        limited.host,
        "-o",
        str(out),
        "-j",
        "2",
        "--fail-on",
        "none",
        "--data-dir",
        str(tmp_path / "data"),
    )
    assert run.returncode == 0, run.stderr
    got = records(out)
    assert len(got) == 6 and len({r["reference"] for r in got}) == 6
    assert all(r["status"] == "done" for r in got)
    assert limited.refused == 12
