"""Watches on the real registry: new digests are scanned, a moved base tag names the
images built on the old base, and registry credentials are kept encrypted."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hullcheck.server.db import open_database
from hullcheck.server.vault import new_key
from tests.server.conftest import make_token, start_server
from tests.sources.test_registry_integration import push, start_registry

pytestmark = [pytest.mark.registry, pytest.mark.images]


def wait_images(client: Any, count: int, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        images = {i["repository"]: i["latest"] for i in client.get("/api/v1/images").json()}
        if len(images) >= count and all(i["status"] == "done" for i in images.values()):
            return images
        time.sleep(0.5)
    raise AssertionError(f"fewer than {count} images scanned: {images}")


def test_a_watch_scans_new_digests_and_a_moved_base_names_its_dependents(
    request: pytest.FixtureRequest, shared_dir: Path, test_images: Path, tmp_path: Path
) -> None:
    reg = start_registry(request, shared_dir, tmp_path / "reg")
    push(test_images, reg, "debian-minbase", "team/base")
    push(test_images, reg, "python-npm", "team/app")  # built on debian-minbase's layer
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    server = start_server(url, tmp_path / "data", "--allow-registry", reg.host, "--workers", "2")
    write = make_token(url, "write")
    try:
        with server.client(write) as client:
            for repo in ("team/base", "team/app"):
                r = client.post(
                    "/api/v1/watches", json={"repository": f"{reg.host}/{repo}", "interval": 1}
                )
                assert r.status_code == 201, r.text
            images = wait_images(client, 2)
            base_before = images[f"{reg.host}/team/base"]["digest"]

            push(test_images, reg, "python-npm-zstd", "team/base")  # the base tag moves
            deadline = time.monotonic() + 120
            moved: list[dict[str, Any]] = []
            while not moved and time.monotonic() < deadline:
                moved = [e for e in client.get("/api/v1/events").json() if e["kind"] == "tag-moved"]
                time.sleep(0.5)
            assert moved, "the moved tag was not noticed"
            assert moved[0]["old"] == base_before
            assert moved[0]["built_on_old"] == [f"{reg.host}/team/app"]
            deadline = time.monotonic() + 400  # the machine may be busy: a scan, not a hang
            while time.monotonic() < deadline:
                latest = wait_images(client, 2)[f"{reg.host}/team/base"]
                if latest["digest"] == moved[0]["new"]:
                    break
                time.sleep(0.5)
            assert latest["digest"] == moved[0]["new"] and latest["status"] == "done"
    finally:
        server.stop()


def test_watch_credentials_are_stored_encrypted_and_used(
    request: pytest.FixtureRequest, shared_dir: Path, test_images: Path, tmp_path: Path
) -> None:
    password = "correct-horse-battery"
    reg = start_registry(request, shared_dir, tmp_path / "reg", creds=f"alice:{password}")
    push(test_images, reg, "debian-minbase", "private/base")
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    body = {
        "repository": f"{reg.host}/private/base",
        "interval": 1,
        "username": "alice",
        "password": password,
    }
    keyless = start_server(url, tmp_path / "data", "--allow-registry", reg.host)
    write = make_token(url, "write")
    try:
        with keyless.client(write) as client:
            assert client.post("/api/v1/watches", json=body).status_code == 409
    finally:
        keyless.stop()
    server = start_server(
        url,
        tmp_path / "data",
        "--allow-registry",
        reg.host,
        env={"HULLCHECK_SERVER_KEY": new_key()},
    )
    try:
        with server.client(write) as client:
            r = client.post("/api/v1/watches", json=body)
            assert r.status_code == 201, r.text
            assert password not in r.text
            images = wait_images(client, 1)
            assert images[f"{reg.host}/private/base"]["status"] == "done"
            watches = client.get("/api/v1/watches").json()
            assert watches[0]["authenticated"] is True and password not in str(watches)
    finally:
        server.stop()
    sessions = open_database(url)
    with sessions() as session:
        stored = session.execute(text("SELECT sealed_password FROM watches")).scalar_one()
    assert password not in stored
