"""``db update`` against a local HTTP server on 127.0.0.1 serving OSV zips, including the
ways a download goes wrong: the previous database must survive every one of them."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hullcheck.errors import DatabaseError
from hullcheck.model import Package
from hullcheck.vulns.importer import import_path
from hullcheck.vulns.matcher import match_packages
from hullcheck.vulns.store import VulnDatabase
from hullcheck.vulns.update import resolve_mirror, update_database


def record(ident: str, name: str, fixed: str) -> dict[str, object]:
    return {
        "id": ident,
        "modified": "2024-05-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


def make_zip(records: list[dict[str, object]], extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for rec in records:
            zf.writestr(f"{rec['id']}.json", json.dumps(rec))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


GOOD = make_zip([record("PYSEC-9000-1", "demo", "2.0"), record("PYSEC-9000-2", "demo", "3.0")])
SCHEMA_BAD = make_zip(
    [record("PYSEC-9000-1", "demo", "2.0")],
    {
        "BAD-1.json": json.dumps({"id": "BAD-1"}).encode(),  # no 'modified'
        "BAD-2.json": b"{not json",
        "BAD-3.json": json.dumps(
            {
                "id": "BAD-3",
                "modified": "2024-05-01T00:00:00Z",
                "affected": [
                    {
                        "package": {"ecosystem": "PyPI", "name": "demo"},
                        "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "1"}]}],
                    }
                ],
            }
        ).encode(),
    },
)


def _corrupt(data: bytes) -> bytes:
    # flip bytes inside the first member's compressed data: the CRC check must catch it
    out = bytearray(data)
    for i in range(40, 60):
        out[i] ^= 0xFF
    return bytes(out)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        mode = self.path.split("/")[1]
        self.server.hits.append(self.path)  # type: ignore[attr-defined]
        body = {"good": GOOD, "schema": SCHEMA_BAD, "corrupt": _corrupt(GOOD)}.get(mode, GOOD)
        if mode == "missing" or self.path.endswith("/eol.json"):  # an OSV-only mirror
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        md5 = hashlib.md5(body).digest()
        if mode == "badmd5":
            md5 = hashlib.md5(b"other").digest()
        if mode in ("good", "badmd5"):
            self.send_header(
                "x-goog-hash", f"crc32c=AAAAAA==, md5={base64.b64encode(md5).decode()}"
            )
        self.end_headers()
        if mode == "truncated":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "hang":
            self.wfile.write(body[:10])
            self.wfile.flush()
            time.sleep(6)
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.hits = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    src = tmp_path / "old"
    src.mkdir()
    (src / "PYSEC-1-1.json").write_text(json.dumps(record("PYSEC-1-1", "olddemo", "1.0")))
    db = tmp_path / "db" / "osv.sqlite3"
    import_path(db, src)
    return db


def _fingerprint(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


def _demo_rules(db: Path) -> set[str]:
    with VulnDatabase.open(db) as vdb:
        pkgs = [
            Package("demo", "1.0", "pypi", "pkg:pypi/demo@1.0"),
            Package("olddemo", "0.5", "pypi", "pkg:pypi/olddemo@0.5"),
        ]
        return {f.rule for f in match_packages(pkgs, vdb)}


def test_good_update_replaces_atomically(server: str, old_db: Path) -> None:
    results = update_database(old_db, ["PyPI"], mirror=f"{server}/good", timeout=5)
    assert [(r.ecosystem, r.stats.records, r.stats.skipped) for r in results] == [("PyPI", 2, 0)]
    assert results[0].sha256 == hashlib.sha256(GOOD).hexdigest()
    # the new source sits beside the old local import, which survives
    assert _demo_rules(old_db) == {"PYSEC-9000-1", "PYSEC-9000-2", "PYSEC-1-1"}
    assert sorted(p.name for p in old_db.parent.iterdir()) == ["osv.sqlite3"]


def test_schema_violations_are_skipped_and_counted(server: str, old_db: Path) -> None:
    results = update_database(old_db, ["PyPI"], mirror=f"{server}/schema", timeout=5)
    stats = results[0].stats
    assert (stats.records, stats.skipped) == (1, 3)
    assert any("modified" in r for r in stats.reasons)
    assert any("introduced" in r for r in stats.reasons)
    with VulnDatabase.open(old_db) as vdb:
        pypi = next(s for s in vdb.sources() if s.name == "PyPI")
        assert (pypi.records, pypi.skipped) == (1, 3)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("truncated", "interrupted|download failed"),
        ("corrupt", "corrupt zip|CRC|Bad"),
        ("badmd5", "MD5"),
        ("missing", "HTTP 404"),
        ("hang", "timed out|took too long|download failed"),
    ],
)
def test_failed_download_keeps_the_old_database(
    server: str, old_db: Path, mode: str, message: str
) -> None:
    before = _fingerprint(old_db)
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=message):
        update_database(old_db, ["PyPI"], mirror=f"{server}/{mode}", timeout=1)
    assert time.monotonic() - started < 5  # a hanging server does not hang the update
    assert _fingerprint(old_db) == before
    assert sorted(p.name for p in old_db.parent.iterdir()) == ["osv.sqlite3"]
    assert _demo_rules(old_db) == {"PYSEC-1-1"}


def test_one_bad_ecosystem_fails_the_whole_update(server: str, old_db: Path) -> None:
    before = _fingerprint(old_db)
    with pytest.raises(DatabaseError):
        update_database(old_db, ["PyPI", "npm"], mirror=f"{server}/missing", timeout=2)
    assert _fingerprint(old_db) == before


def test_mirror_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HULLCHECK_OSV_MIRROR", raising=False)
    assert resolve_mirror().startswith("https://osv-vulnerabilities.storage.googleapis.com")
    assert resolve_mirror(None, {"db": {"mirror": "http://m.example/osv/"}}) == (
        "http://m.example/osv"
    )
    monkeypatch.setenv("HULLCHECK_OSV_MIRROR", "https://env.example")
    assert resolve_mirror(None, {"db": {"mirror": "http://m.example"}}) == "https://env.example"
    assert resolve_mirror("http://cli.example") == "http://cli.example"
    with pytest.raises(DatabaseError):
        resolve_mirror("file:///etc")


def test_cli_update_from_mirror(
    server: str, old_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hullcheck.cli.main import main

    argv = [
        "db",
        "--db",
        str(old_db),
        "update",
        "--mirror",
        f"{server}/schema",
        "--ecosystem",
        "PyPI",
        "--timeout",
        "5",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "PyPI" in out and "1 records imported, 3 skipped" in out
    argv[5] = f"{server}/corrupt"
    before = _fingerprint(old_db)
    assert main(argv) == 2
    assert "corrupt zip" in capsys.readouterr().err
    assert _fingerprint(old_db) == before


def test_stale_temp_files_are_cleaned(server: str, old_db: Path) -> None:
    import os

    stale = old_db.parent / ".osv-abc.tmp"
    fresh = old_db.parent / ".osv-download-def.zip"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (time.time() - 3 * 86400,) * 2)
    update_database(old_db, ["PyPI"], mirror=f"{server}/good", timeout=5)
    assert not stale.exists()
    assert fresh.exists()  # maybe another update's live download


def test_update_shows_its_downloads_on_a_terminal_only(server: str, old_db: Path) -> None:
    from tests.support.terminal import run_with_terminal_stderr

    args = ["db", "--db", str(old_db), "update", "--mirror", f"{server}/schema",
            "--ecosystem", "PyPI", "--timeout", "5"]  # fmt: skip
    code, out, screen = run_with_terminal_stderr(args)
    assert code == 0, screen
    assert "download 1/1" in screen and "updated" in out
    piped = subprocess.run(
        [sys.executable, "-m", "hullcheck", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert "download 1/1" not in piped.stderr and "\x1b[" not in piped.stderr
