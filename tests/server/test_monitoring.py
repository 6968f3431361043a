"""Monitoring end to end: a stored image is matched again when the advisory database
changes (no pull), and each new finding reaches a local webhook once, signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hullcheck.server.store import fingerprint
from tests.server.conftest import make_token, start_server

PYPI = ("pypa-advisory-database", "vulns")


class Receiver:
    """A webhook receiver on 127.0.0.1 that records every delivery it gets."""

    def __init__(self, fail_first: int = 0) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = fail_first
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                if outer.fail_first > 0:
                    outer.fail_first -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)  # the first attempt fails: delivery must be retried
    try:
        yield r
    finally:
        r.close()


def advisories(shared: Path, dest: Path, packages: list[str]) -> Path:
    root = shared / "osv" / "pypi" / PYPI[0] / PYPI[1]
    for name in packages:
        shutil.copytree(root / name, dest / name)
    return dest


def hullcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hullcheck", *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.images
def test_new_advisories_rematch_stored_images_and_alert_once(
    tmp_path: Path, shared_dir: Path, test_images: Path, receiver: Receiver
) -> None:
    vdb = tmp_path / "osv.sqlite3"
    old = advisories(shared_dir, tmp_path / "old", ["requests", "urllib3"])
    new = advisories(shared_dir, tmp_path / "new", ["requests", "urllib3", "pyyaml"])
    assert hullcheck("db", "--db", str(vdb), "update", "--from", str(old)).returncode == 0

    report = tmp_path / "report.json"
    image = f"docker-archive:{test_images / 'docker-archive' / 'python-npm.tar'}"
    hullcheck(
        "scan", image, "-f", "json", "-o", str(report), "--db", str(vdb), "--fail-on", "none", "-q"
    )
    stored = json.loads(report.read_text())
    assert not any(
        "pyyaml" in json.dumps(f).lower()
        for f in stored["findings"]
        if f["practice"] == "vulnerabilities"
    )

    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    server = start_server(url, tmp_path / "data", "--vuln-db", str(vdb), "--watch-db", "0.3")
    admin = make_token(url, "admin")
    try:
        with server.client(admin) as client:
            hook = client.post(
                "/api/v1/webhooks", json={"url": receiver.url, "min_severity": "info"}
            ).json()
            first = client.post(
                "/api/v1/scans", json={"report": stored, "reference": "team/app:1"}
            ).json()
            assert first["status"] == "done"
            expected = {fingerprint(f) for f in stored["findings"]}
            deadline = time.monotonic() + 60
            while len(receiver.deliveries) < len(expected) and time.monotonic() < deadline:
                time.sleep(0.2)
            initial = len(receiver.deliveries)
            assert initial == len(expected)  # every finding of a first scan is new

            update = hullcheck("db", "--db", str(vdb), "update", "--from", str(new))
            assert update.returncode == 0, update.stderr
            deadline = time.monotonic() + 180
            rematched: dict[str, Any] = {}
            while time.monotonic() < deadline:
                images = client.get("/api/v1/images").json()
                latest = images[0]["latest"]
                if latest["kind"] == "rematch" and latest["status"] == "done":
                    rematched = latest
                    break
                time.sleep(0.3)
            assert rematched, "the database change did not re-match the stored image"
            report_after = client.get(f"/api/v1/scans/{rematched['id']}/report").json()
            yaml_findings = [
                f
                for f in report_after["findings"]
                if (f.get("package") or {}).get("name", "").lower() == "pyyaml"
            ]
            assert yaml_findings, "PyYAML 5.3's advisories were not matched"
            assert rematched["digest"] == first["digest"]

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                new_ones = receiver.deliveries[initial:]
                if len(new_ones) >= len(yaml_findings):
                    break
                time.sleep(0.2)
            metrics = client.get("/metrics").text
            assert 'hullcheck_vulnerability_data_age_days{source="' in metrics
            client.post("/api/v1/rematch")  # matching again announces nothing twice
            time.sleep(5)
    finally:
        server.stop()
    new_ones = receiver.deliveries[initial:]
    bodies = [json.loads(body) for _, body in new_ones]
    assert sorted(b["rule"] for b in bodies) == sorted(f["rule"] for f in yaml_findings)
    ids = [h["x-hullcheck-delivery"] for h, _ in receiver.deliveries]
    assert len(ids) == len(set(ids))
    for headers, body in receiver.deliveries:
        wanted = hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-hullcheck-signature"] == f"sha256={wanted}"
