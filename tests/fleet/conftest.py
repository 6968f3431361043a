"""Fixtures of the fleet tests: a real registry holding several images built on shared
bases, a real redis-server, and real Celery worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.sources.test_registry_integration import Registry, push, start_registry

# name in the test layout -> repositories it is pushed to: 6 images on 2 real bases
FLEET = {
    "debian-minbase": ("base/debian", "apps/minimal-a", "apps/minimal-b"),
    "python-npm": ("apps/python", "apps/python-copy"),
    "secret-deleted": ("apps/leaky",),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fleet_registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Registry:
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("fleet-reg"))
    for name, repos in FLEET.items():
        for repo in repos:
            push(test_images, reg, name, repo)
    return reg


def expected_references(reg: Registry) -> list[str]:
    return sorted(f"{reg.host}/{repo}:latest" for repos in FLEET.values() for repo in repos)


@dataclass
class Redis:
    port: int
    directory: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def start_redis(directory: Path, port: int | None = None) -> Redis:
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing (scripts/setup.sh installs it)")
        pytest.skip("redis-server is missing")
    port = port or free_port()
    directory.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--save",
            "",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Redis(port, directory, proc)
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[Redis]:
    server = start_redis(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """Like a machine dying: the worker and its pool children, at once."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(broker: str, log: Path, name: str, visibility: int = 5, *extra: str) -> Worker:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hullcheck",
                "fleet",
                "worker",
                "--broker",
                broker,
                "--concurrency",
                "1",
                "--visibility-timeout",
                str(visibility),
                "--name",
                name,
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if b"ready." in log.read_bytes():
            return Worker(proc, log)
        if proc.poll() is not None:
            raise RuntimeError(f"the worker exited: {log.read_text()[-2000:]}")
        time.sleep(0.2)
    raise RuntimeError(f"the worker did not get ready: {log.read_text()[-2000:]}")
