"""``db update`` refreshing the end-of-life table from a local HTTP server on 127.0.0.1
(``<mirror>/eol.json``) or a file: a good document is stored and changes lint's verdict; a
missing one is a note; a corrupt, invalid, oversized or hanging one keeps the old data."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.errors import DatabaseError
from hullcheck.lint import Linter
from hullcheck.rules.base_images import EOL_BASE
from hullcheck.vulns.eol import MAX_BYTES, current_eol, shipped, store_path
from hullcheck.vulns.importer import import_path
from hullcheck.vulns.update import update_eol
from tests.vulns.test_eol import CLOCK, refreshed, shipped_doc
from tests.vulns.test_update import GOOD, record

FRESH, FRESH_NOW = refreshed(days_later=1)


def _body(mode: str) -> bytes:
    if mode == "good":
        return FRESH
    if mode == "invalid":
        doc = shipped_doc()
        doc["as_of"] = "2026-13-01"
        return json.dumps(doc).encode()
    if mode in ("big", "bigstream"):
        return b" " * (MAX_BYTES + 10)
    return b'{"version": 1, "as_of": "2026-'  # corrupt: cut JSON


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        mode = self.path.split("/")[1]
        if self.path.endswith("/all.zip"):
            body = GOOD
        elif mode == "missing":
            self.send_error(404)
            return
        elif mode == "error":
            self.send_error(500)
            return
        else:
            body = _body(mode)
        self.send_response(200)
        if mode != "bigstream":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "hang" and self.path.endswith("eol.json"):
            self.wfile.write(FRESH[:10])
            self.wfile.flush()
            time.sleep(6)
            return
        with contextlib.suppress(OSError):  # the client gives up on an oversized body
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database whose folder already holds stored EOL data (the shipped table, re-dated
    one day later) that every failed refresh must leave as it was."""
    src = tmp_path / "old"
    src.mkdir()
    (src / "PYSEC-1-1.json").write_text(json.dumps(record("PYSEC-1-1", "olddemo", "1.0")))
    path = tmp_path / "db" / "osv.sqlite3"
    import_path(path, src)
    old = tmp_path / "old-eol.json"
    doc = shipped_doc()
    doc["as_of"] = FRESH_NOW.date().isoformat()
    old.write_text(json.dumps(doc))
    assert main(["db", "--db", str(path), "update", "--eol-from", str(old)]) == 0
    return path


def _fingerprint(db: Path) -> str:
    return hashlib.sha256(store_path(db).read_bytes()).hexdigest()


def _hc1005(db: Path) -> list[str]:
    linter = Linter(rules=[EOL_BASE], today=CLOCK.date(), eol=current_eol(db))
    return [f.message for f in linter.lint_text("FROM debian:12\n", "Dockerfile").findings]


def test_refresh_from_the_mirror_changes_the_lint_verdict(server: str, db: Path) -> None:
    assert _hc1005(db) == []
    stored = update_eol(db, mirror=f"{server}/good", timeout=5, now=FRESH_NOW)
    assert stored is not None and stored.origin == f"{server}/good/eol.json"
    assert current_eol(db).source == f"{server}/good/eol.json"
    (message,) = _hc1005(db)
    assert "debian 12" in message and "2026-11-20" in message
    assert sorted(p.name for p in db.parent.iterdir()) == ["eol.json", "osv.sqlite3"]


def test_refresh_from_the_mirror_changes_the_scan_verdict(
    server: str, db: Path, tmp_path: Path
) -> None:
    from tests.fixtures.imagebuilder import Dir, File, Layer
    from tests.imagerules.helpers import PASSWD, by_rule, scan

    layer = Layer([Dir("etc"), File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
                   File("etc/passwd", PASSWD)])  # fmt: skip
    before = scan(tmp_path / "a", [layer], now=CLOCK, max_age_days=9999, db_path=db)
    assert [f.severity.value for f in by_rule(before, "HC8301")] == ["low"]  # in Debian LTS
    update_eol(db, mirror=f"{server}/good", timeout=5, now=FRESH_NOW)
    after = scan(tmp_path / "b", [layer], now=CLOCK, max_age_days=9999, db_path=db)
    (finding,) = by_rule(after, "HC8301")
    assert finding.severity.value == "high" and "2026-11-20" in finding.message
    assert after.summary["base_os"]["eol_data_source"] == f"{server}/good/eol.json"


def test_mirror_without_eol_json_is_not_a_failure(server: str, db: Path) -> None:
    before = _fingerprint(db)
    assert update_eol(db, mirror=f"{server}/missing", timeout=5) is None
    assert _fingerprint(db) == before


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("corrupt", "not UTF-8 JSON"),
        ("invalid", "not a real date"),
        ("big", "too large"),
        ("bigstream", "larger than"),
        ("error", "answered 500"),
        ("hang", "timed out|took too long|download failed"),
    ],
)
def test_bad_eol_download_keeps_the_old_data(
    server: str, db: Path, mode: str, message: str
) -> None:
    before = _fingerprint(db)
    started = time.monotonic()
    with pytest.raises(DatabaseError, match=message) as err:
        update_eol(db, mirror=f"{server}/{mode}", timeout=1)
    assert time.monotonic() - started < 5
    assert "\n" not in str(err.value)
    assert _fingerprint(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["eol.json", "osv.sqlite3"]
    assert _hc1005(db) == []


def test_cli_update_status_and_eol_from(
    server: str, db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    base = ["db", "--db", str(db), "update", "--ecosystem", "PyPI", "--timeout", "5"]
    assert main([*base, "--mirror", f"{server}/missing"]) == 0
    assert "serves no eol.json (HTTP 404)" in capsys.readouterr().out
    before = _fingerprint(db)
    assert main([*base, "--mirror", f"{server}/corrupt"]) == 2
    err = capsys.readouterr().err
    assert "end-of-life data not updated, previous kept" in err and len(err.splitlines()) == 1
    assert _fingerprint(db) == before
    assert main([*base, "--mirror", f"{server}/good"]) == 0
    assert "end-of-life data as of" in capsys.readouterr().out
    assert main(["db", "--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert f"end-of-life data: as of {FRESH_NOW.date()}, from {server}/good/eol.json" in out
    assert main(["db", "--db", str(db), "status", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)["eol"]
    assert info["source"] == f"{server}/good/eol.json" and info["sha256"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1}')
    before = _fingerprint(db)
    assert main(["db", "--db", str(db), "update", "--eol-from", str(bad)]) == 2
    assert "not a valid EOL document" in capsys.readouterr().err
    assert _fingerprint(db) == before
    older = tmp_path / "older.json"
    doc = shipped_doc()
    doc["as_of"] = "2020-01-01"
    older.write_text(json.dumps(doc))
    assert main(["db", "--db", str(db), "update", "--eol-from", str(older)]) == 0
    assert "stays in use" in capsys.readouterr().out
    assert current_eol(db).as_of == shipped().as_of  # an older stored file never wins
