"""Security of the service: tokens and scopes, limits, SSRF, CSRF, nothing secret stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from hullcheck.server.app import create_app
from hullcheck.server.db import open_database
from hullcheck.server.references import RefusedReference, check_reference
from hullcheck.server.settings import ServerSettings
from tests.server.conftest import make_token

AWS_KEY = "AKIA" + "QWERTYUIOPASDFGH"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "ZZZZZZZZZZ"


def minimal_report(**target: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "tool": {"name": "hullcheck", "version": "0.1.0"},
        "target": {
            "reference": "registry.example.com/app:1",
            "digest": "sha256:" + "a" * 64,
            **target,
        },
        "findings": [
            {
                "rule": "HC8001",
                "practice": "privileges",
                "severity": "high",
                "title": "runs as root",
                "message": "the image runs as root",
                "location": {},
            },
        ],
        "errors": [],
        "summary": {},
    }


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    admin = make_token(url, "admin")
    settings = ServerSettings(
        database=url,
        data_dir=tmp_path / "data",
        workers=1,
        max_body_bytes=64 * 1024,
        rate_per_minute=120,
    )
    with TestClient(create_app(settings, start_workers=False)) as client:
        yield client, admin


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_of(client: TestClient, admin: str, scope: str) -> tuple[int, str]:
    r = client.post("/api/v1/tokens", json={"name": scope, "scope": scope}, headers=bearer(admin))
    assert r.status_code == 201, r.text
    return int(r.json()["id"]), str(r.json()["token"])


def test_every_api_route_needs_a_token(app_client: tuple[TestClient, str]) -> None:
    client, _ = app_client
    assert client.get("/api/v1/images").status_code == 401
    assert client.post("/api/v1/scans", json={"report": minimal_report()}).status_code == 401
    assert client.get("/api/v1/tokens").status_code == 401
    assert client.get("/metrics").status_code == 401
    assert client.get("/api/v1/images", headers=bearer("hcs_made-up")).status_code == 401
    assert client.get("/healthz").status_code == 200  # probes reveal nothing


def test_scopes_nest_and_a_read_token_cannot_write(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    _, read = token_of(client, admin, "read")
    _, write = token_of(client, admin, "write")
    assert client.get("/api/v1/images", headers=bearer(read)).status_code == 200
    r = client.post("/api/v1/scans", json={"report": minimal_report()}, headers=bearer(read))
    assert r.status_code == 403
    assert "write" in r.json()["detail"]
    r = client.post("/api/v1/scans", json={"report": minimal_report()}, headers=bearer(write))
    assert r.status_code == 201
    assert client.get("/api/v1/tokens", headers=bearer(write)).status_code == 403


def test_a_revoked_token_is_refused(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    token_id, read = token_of(client, admin, "read")
    assert client.get("/api/v1/images", headers=bearer(read)).status_code == 200
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(admin)).status_code == 204
    assert client.get("/api/v1/images", headers=bearer(read)).status_code == 401
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=bearer(admin)).status_code == 404


def test_tokens_are_stored_hashed(app_client: tuple[TestClient, str], tmp_path: Path) -> None:
    client, admin = app_client
    _, read = token_of(client, admin, "read")
    raw = (tmp_path / "db.sqlite3").read_bytes()
    for name in ("db.sqlite3-wal",):
        if (tmp_path / name).exists():
            raw += (tmp_path / name).read_bytes()
    assert read.encode() not in raw and admin.encode() not in raw


def test_an_oversized_body_is_refused(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    big = minimal_report(padding="x" * 100_000)
    r = client.post("/api/v1/scans", json={"report": big}, headers=bearer(admin))
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'{"report": {"padding": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}}'

    r = client.post(
        "/api/v1/scans",
        content=chunks(),
        headers={**bearer(admin), "content-type": "application/json"},
    )
    assert r.status_code == 413


def test_requests_past_the_rate_limit_get_429(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    codes = [client.get("/api/v1/images", headers=bearer(admin)).status_code for _ in range(130)]
    assert codes[:100] == [200] * 100
    assert 429 in codes[120:]


@pytest.mark.parametrize(
    "reference",
    [
        "oci:/etc:latest",
        "docker-archive:/root/secret.tar",
        "dir:/",
        "docker:app:1",
        "/var/lib/x",
        "http://169.254.169.254/latest",
        "127.0.0.1:5000/app:1",
        "localhost:5000/app:1",
        "169.254.169.254/latest/meta-data:1",
        "[::1]:5000/app:1",
        "10.1.2.3:5000/app:1",
    ],
)
def test_references_to_local_or_internal_places_are_refused(
    app_client: tuple[TestClient, str], reference: str
) -> None:
    client, admin = app_client
    r = client.post("/api/v1/scans", json={"image": reference}, headers=bearer(admin))
    assert r.status_code == 422, r.text


def test_a_name_that_resolves_inside_is_refused_unless_allowed() -> None:
    def inside(_: str) -> list[str]:
        return ["169.254.169.254"]

    with pytest.raises(RefusedReference, match="internal address"):
        check_reference("registry.evil.example/app:1", (), resolver=inside)
    assert (
        check_reference("registry.evil.example/app:1", ("registry.evil.example",), resolver=inside)
        == "registry.evil.example/app:1"
    )
    assert check_reference("ghcr.io/acme/app:1", (), resolver=lambda _: ["140.82.112.33"])


def test_secrets_in_submitted_reports_are_redacted_before_storage(
    app_client: tuple[TestClient, str], tmp_path: Path
) -> None:
    client, admin = app_client
    report = minimal_report(
        config={"env": [f"AWS_ACCESS_KEY_ID={AWS_KEY}", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}"]}
    )
    r = client.post("/api/v1/scans", json={"report": report}, headers=bearer(admin))
    assert r.status_code == 201
    stored = client.get(f"/api/v1/scans/{r.json()['id']}/report", headers=bearer(admin)).json()
    text_out = json.dumps(stored)
    assert AWS_KEY not in text_out and AWS_SECRET not in text_out
    assert "AWS_ACCESS_KEY_ID=" in text_out
    sessions = open_database(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with sessions() as session:
        blobs = session.execute(text("SELECT report FROM scans")).scalars().all()
    assert all(AWS_KEY not in str(b) and AWS_SECRET not in str(b) for b in blobs)


def test_dashboard_needs_login_and_forms_need_csrf(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = client.post("/login", data={"token": "hcs_wrong"}, follow_redirects=False)
    assert "error" in r.headers["location"]
    r = client.post("/login", data={"token": admin}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    page = client.get("/").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303


def test_a_report_that_is_not_hullchecks_is_refused(app_client: tuple[TestClient, str]) -> None:
    client, admin = app_client
    for body in (
        {"report": {"schema": 2}},
        {"sbom": {"hello": 1}},
        {},
        {"image": "a/b:1", "report": minimal_report()},
    ):
        assert client.post("/api/v1/scans", json=body, headers=bearer(admin)).status_code == 422


class RedirectingRegistry:
    """A registry whose every manifest and blob answer is a redirect to ``target``."""

    def __init__(self, target: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/v2/":
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                    return
                self.send_response(307)
                self.send_header("Location", f"http://{target}/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_HEAD = do_GET

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.mark.parametrize("target", ["169.254.169.254", "127.0.0.1:1"])
def test_a_registry_redirect_to_an_internal_address_is_refused(tmp_path: Path, target: str) -> None:
    from tests.server.conftest import start_server, wait_for

    registry = RedirectingRegistry(target)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    server = start_server(url, tmp_path / "data", "--allow-registry", registry.host)
    try:
        write = make_token(url, "write")
        with server.client(write) as client:
            r = client.post("/api/v1/scans", json={"image": f"{registry.host}/app:1"})
            assert r.status_code == 202, r.text
            done = wait_for(client, r.json()["id"], ("done", "failed"), timeout=120)
        assert done["status"] == "failed"
        assert "refusing a redirect" in done["error"] and "internal address" in done["error"]
    finally:
        server.stop()
        registry.close()
