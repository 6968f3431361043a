"""The service end to end, on SQLite and on a real PostgreSQL server: submissions of
reports, SBOMs and registry images, 50 at once, and a server killed in the middle of a scan.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from hullcheck.server.db import Scan, open_database
from tests.fixtures.postgres import new_postgres_database
from tests.server.conftest import LiveServer, make_token, start_server, wait_for
from tests.server.test_security import minimal_report
from tests.sources.test_registry_integration import push, start_registry


def report_with(findings: list[tuple[str, str, str]], digest: str) -> dict[str, Any]:
    report = minimal_report(digest=digest)
    report["findings"] = [
        {
            "rule": rule,
            "practice": "vulnerabilities",
            "severity": sev,
            "title": title,
            "message": title,
            "location": {"file": "/usr/lib/x"},
        }
        for rule, sev, title in findings
    ]
    return report


def test_reports_are_stored_listed_and_compared(live_server: LiveServer) -> None:
    admin = make_token(live_server.database, "admin")
    with live_server.client(admin) as client:
        first = report_with([("CVE-1", "high", "a"), ("CVE-2", "low", "b")], "sha256:" + "1" * 64)
        second = report_with(
            [("CVE-2", "low", "b"), ("CVE-3", "critical", "c")], "sha256:" + "2" * 64
        )
        a = client.post(
            "/api/v1/scans", json={"report": first, "reference": "ghcr.io/acme/app:1"}
        ).json()
        b = client.post(
            "/api/v1/scans", json={"report": second, "reference": "ghcr.io/acme/app:1"}
        ).json()
        assert a["status"] == b["status"] == "done"
        assert b["worst"] == "critical" and b["counts"] == {"low": 1, "critical": 1}
        images = client.get("/api/v1/images").json()
        assert [(i["repository"], i["latest"]["digest"]) for i in images] == [
            ("ghcr.io/acme/app", "sha256:" + "2" * 64)
        ]
        history = client.get(f"/api/v1/images/{images[0]['id']}/scans").json()
        assert [h["id"] for h in history] == [b["id"], a["id"]]
        diff = client.get("/api/v1/compare", params={"old": a["id"], "new": b["id"]}).json()
        assert [f["title"] for f in diff["new"]] == ["c"]
        assert [f["title"] for f in diff["resolved"]] == ["a"]
        assert (
            client.get(f"/api/v1/scans/{b['id']}/report")
            .json()["target"]["digest"]
            .endswith("2" * 64)
        )
        assert client.get("/api/v1/openapi.json").status_code == 200


def test_fifty_concurrent_submissions_are_all_stored_once(
    live_server: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    write = make_token(live_server.database, "write")

    def submit(n: int) -> str:
        with live_server.client(write) as client:
            body = {
                "report": report_with([(f"CVE-{n}", "medium", f"t{n}")], f"sha256:{n:064x}"),
                "reference": f"ghcr.io/acme/app{n % 5}:{n}",
            }
            r = client.post("/api/v1/scans", json=body, headers={"Idempotency-Key": f"k{n}"})
            assert r.status_code in (200, 201, 202), r.text
            return str(r.json()["id"])

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=50) as pool:
        first = list(pool.map(submit, range(50)))
    took = time.monotonic() - started
    with ThreadPoolExecutor(max_workers=50) as pool:  # the same keys again: no duplicates
        again = list(pool.map(submit, range(50)))
    assert len(set(first)) == 50
    assert first == again
    sessions = open_database(live_server.database)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Scan)) == 50
        assert (
            session.scalar(select(func.count()).select_from(Scan).where(Scan.status == "done"))
            == 50
        )
    with live_server.client(write) as client:
        assert len(client.get("/api/v1/images").json()) == 5
    kind = live_server.database.split(":", 1)[0]
    with capsys.disabled():
        print(f"\n[serve] {kind}: 50 concurrent submissions in {took:.2f} s ({50 / took:.1f}/s)")


@pytest.fixture(scope="module")
def registry_with_app(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("serve-reg"))
    push(test_images, reg, "python-npm", "team/app")
    return reg.host


def serve_args(host: str) -> list[str]:
    return ["--allow-registry", host, "--insecure-registry", host, "--workers", "1"]


@pytest.mark.registry
@pytest.mark.images
def test_an_image_reference_is_pulled_and_scanned(
    database_url: str, tmp_path: Path, registry_with_app: str, test_images: Path
) -> None:
    server = start_server(database_url, tmp_path / "data", *serve_args(registry_with_app))
    try:
        write = make_token(database_url, "write")
        with server.client(write) as client:
            ref = f"{registry_with_app}/team/app:latest"
            r = client.post("/api/v1/scans", json={"image": ref})
            assert r.status_code == 202, r.text
            done = wait_for(client, r.json()["id"], ("done", "failed"))
            assert done["status"] == "done", done
            report = client.get(f"/api/v1/scans/{done['id']}/report").json()
        layout = json.loads((test_images / "oci" / "index.json").read_text())
        wanted = next(
            m["digest"]
            for m in layout["manifests"]
            if m["annotations"]["org.opencontainers.image.ref.name"] == "python-npm"
        )
        assert done["digest"] == wanted
        assert any(f["rule"].startswith(("PYSEC", "GHSA", "CVE")) for f in report["findings"])
        assert done["counts"] == {
            s: sum(1 for f in report["findings"] if f["severity"] == s)
            for s in {f["severity"] for f in report["findings"]}
        }
    finally:
        server.stop()


@pytest.mark.registry
@pytest.mark.images
def test_two_replicas_share_layer_records_through_their_own_database(
    postgres_server: str, tmp_path: Path, registry_with_app: str
) -> None:
    """Two servers on one PostgreSQL database, each with a data directory (and so a local
    cache) of its own, their scans keeping layer records in that same database: the image
    the first one scanned, the second replays instead of reading its layers."""
    database = new_postgres_database(postgres_server)
    args = [*serve_args(registry_with_app), "--scan-arg=--layer-cache", f"--scan-arg={database}"]
    env = {"HULLCHECK_LAYER_CACHE_KEY": "replicas-key"}
    ref = f"{registry_with_app}/team/app:latest"
    reports = []
    for replica in ("a", "b"):
        server = start_server(database, tmp_path / replica, *args, env=env)
        try:
            write = make_token(database, "write")
            with server.client(write) as client:
                r = client.post("/api/v1/scans", json={"image": ref})
                assert r.status_code == 202, r.text
                done = wait_for(client, r.json()["id"], ("done", "failed"))
                assert done["status"] == "done", done
                reports.append(client.get(f"/api/v1/scans/{done['id']}/report").json())
        finally:
            server.stop()
        assert not (tmp_path / replica / "cache" / "layers").exists()  # kept in the database
    first, second = (
        [layer.get("cached", False) for layer in r["target"]["layers"]] for r in reports
    )
    assert first == [False, False]
    assert second == [True, True]
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT count(*) FROM hullcheck_layer_records").fetchone()
    assert rows == (2,)
    assert [f["rule"] for f in reports[1]["findings"]] == [
        f["rule"] for f in reports[0]["findings"]
    ]


@pytest.mark.images
def test_an_sbom_is_matched_by_the_service(
    live_server: LiveServer, test_images: Path, tmp_path: Path
) -> None:
    sbom = tmp_path / "app.cdx.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "sbom",
            f"docker-archive:{test_images / 'docker-archive' / 'python-npm.tar'}",
            "-f",
            "cyclonedx-json",
            "-o",
            str(sbom),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    write = make_token(live_server.database, "write")
    with live_server.client(write) as client:
        r = client.post(
            "/api/v1/scans",
            json={"sbom": json.loads(sbom.read_text()), "reference": "team/app:sbom"},
        )
        assert r.status_code == 202, r.text
        done = wait_for(client, r.json()["id"], ("done", "failed"))
        assert done["status"] == "done", done
        report = client.get(f"/api/v1/scans/{done['id']}/report").json()
    names = {str((f.get("package") or {}).get("name")).lower() for f in report["findings"]}
    assert {"pyyaml", "urllib3"} <= names
    # the embedded snapshot holds no Debian or npm data: the service says the check is partial
    assert done["complete"] is False and "not checked for vulnerabilities" in done["error"]


@pytest.mark.registry
@pytest.mark.images
def test_a_scan_interrupted_by_a_killed_server_completes_once_after_restart(
    database_url: str, tmp_path: Path, registry_with_app: str
) -> None:
    args = [*serve_args(registry_with_app), "--lease", "2"]
    server = start_server(database_url, tmp_path / "data", *args)
    write = make_token(database_url, "write")
    with server.client(write) as client:
        r = client.post("/api/v1/scans", json={"image": f"{registry_with_app}/team/app:latest"})
        uid = r.json()["id"]
        wait_for(client, uid, ("running",), timeout=60)
    server.stop(signal.SIGKILL)
    time.sleep(2.5)  # the lease runs out
    again = start_server(database_url, tmp_path / "data", *args)
    try:
        with again.client(write) as client:
            done = wait_for(client, uid, ("done", "failed"), timeout=180)
        assert done["status"] == "done", done
        assert done["attempts"] == 2
        sessions = open_database(database_url)
        with sessions() as session:
            assert session.scalar(select(func.count()).select_from(Scan)) == 1
    finally:
        again.stop()
