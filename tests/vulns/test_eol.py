"""End-of-life data: the document format, storing it, newest-wins, and the verdicts of lint
(HC1005) and scan (HC8301) following the refreshed data under an injected clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hullcheck.errors import DatabaseError
from hullcheck.lint import Linter
from hullcheck.model import Severity
from hullcheck.rules.base_images import EOL_BASE, end_of_life
from hullcheck.vulns.eol import (
    MAX_BYTES,
    current_eol,
    parse_document,
    read_stored,
    shipped,
    shipped_bytes,
    store,
    store_path,
)

CLOCK = datetime(2027, 1, 1, tzinfo=UTC)


def shipped_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(shipped_bytes())
    return doc


def refreshed(days_later: int = 1) -> tuple[bytes, datetime]:
    """The shipped document dated ``days_later`` after it, in which Debian 12's support
    (LTS included) ended on 2026-11-20; and a clock at which that date is not the future."""
    doc = shipped_doc()
    as_of = shipped().as_of + timedelta(days=days_later)
    doc["as_of"] = as_of.isoformat()
    doc["distributions"]["debian"]["12"] = {"name": "bookworm", "eol": "2026-06-10",
                                            "extended": "2026-11-20"}  # fmt: skip
    return json.dumps(doc).encode(), datetime.combine(as_of, datetime.min.time(), UTC)


def test_shipped_document_is_valid_and_dated() -> None:
    data = shipped()
    assert data.source == "shipped" and data.path is None
    assert data.as_of.isoformat() == shipped_doc()["as_of"]
    assert data.find("debian", "12.5") is not None and data.find("ubi", "9") is not None
    assert data.find("python", "3.12", runtime=True) is not None


def _bad(mutate: Any) -> bytes:
    doc = shipped_doc()
    mutate(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (b"\xff\xfe", "UTF-8 JSON"),
        (b"[1, 2]", "JSON object"),
        (b"[" * 100_000, "nested too deeply|UTF-8 JSON"),
        (b" " * (MAX_BYTES + 1), "larger than"),
        (_bad(lambda d: d.pop("version")), "'version' must be 1"),
        (_bad(lambda d: d.update(version=2)), "'version' must be 1"),
        (_bad(lambda d: d.update(as_of="2026-02-30")), "not a real date"),
        (_bad(lambda d: d.update(as_of="2999-01-01")), "in the future"),
        (_bad(lambda d: d.update(extra=1)), "unknown key"),
        (_bad(lambda d: d["distributions"]["debian"].update({"x": {"name": "x"}})), "'eol'"),
        (_bad(lambda d: d["distributions"]["debian"]["12"].update(eol="soon")), "YYYY-MM-DD"),
        (
            _bad(lambda d: d["distributions"]["debian"]["12"].update(extended="2020-01-01")),
            "before its eol",
        ),
        (_bad(lambda d: d["distributions"].update({"../x": {}})), "bad name"),
        (
            _bad(
                lambda d: d["distributions"].update(
                    {"big": {str(i): {"eol": "2020-01-01"} for i in range(500)}}
                )
            ),
            "releases",
        ),
        (_bad(lambda d: d.update(aliases={"ubi": "plan9"})), "'aliases'"),
    ],
)
def test_invalid_documents_are_refused_in_one_line(raw: bytes, why: str) -> None:
    with pytest.raises(DatabaseError, match=why) as err:
        parse_document(raw, "http://mirror/eol.json")
    assert "\n" not in str(err.value) and str(err.value).startswith("http://mirror/eol.json: ")


def test_store_is_atomic_and_keeps_old_data_on_refusal(tmp_path: Path) -> None:
    db = tmp_path / "cache" / "osv.sqlite3"
    raw, now = refreshed()
    stored = store(raw, "http://mirror/eol.json", db, now=now)
    assert stored.data.path == store_path(db) == tmp_path / "cache" / "eol.json"
    before = store_path(db).read_bytes()
    with pytest.raises(DatabaseError):
        store(b"{not json", "bad.json", db, now=now)
    assert store_path(db).read_bytes() == before
    assert sorted(p.name for p in store_path(db).parent.iterdir()) == ["eol.json"]
    again = read_stored(store_path(db))
    assert again is not None and again.origin == "http://mirror/eol.json"
    assert again.sha256 == stored.sha256


def test_newest_wins_never_an_older_stored_file(tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    assert current_eol(db).source == "shipped"
    raw, now = refreshed(days_later=-30)  # older than the shipped table
    store(raw, "old.json", db, now=now)
    data = current_eol(db)
    assert data.source == "shipped" and "not newer" in (data.note or "")
    raw, now = refreshed(days_later=1)
    store(raw, "new.json", db, now=now)
    data = current_eol(db)
    assert (data.source, data.as_of) == ("new.json", shipped().as_of + timedelta(days=1))


def test_damaged_stored_file_falls_back_to_shipped(tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    store_path(db).write_text('{"format": "hullcheck-eol-store/1", "document": []}')
    data = current_eol(db)
    assert data.source == "shipped" and "damaged" in (data.note or "")


def _lint(text: str, db: Path, today: date) -> list[str]:
    linter = Linter(rules=[EOL_BASE], today=today, eol=current_eol(db))
    return [f.message for f in linter.lint_text(text, "Dockerfile").findings]


def test_lint_verdict_follows_refreshed_data(tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    text = "FROM debian:12-slim\nFROM python:3.13-bookworm\n"
    assert _lint(text, db, CLOCK.date()) == []
    raw, now = refreshed()
    store(raw, "http://mirror/eol.json", db, now=now)
    messages = _lint(text, db, CLOCK.date())
    assert len(messages) == 2 and all("2026-11-20" in m for m in messages)
    assert _lint(text, db, date(2026, 11, 20)) == []  # the last day is still supported


def test_scan_verdict_follows_refreshed_data(tmp_path: Path) -> None:
    from tests.fixtures.imagebuilder import Dir, File, Layer
    from tests.imagerules.helpers import PASSWD, by_rule, scan

    db = tmp_path / "db" / "osv.sqlite3"
    layer = Layer([Dir("etc"), File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
                   File("etc/passwd", PASSWD)])  # fmt: skip
    before = scan(tmp_path / "a", [layer], now=CLOCK, max_age_days=9999, db_path=db)
    (lts,) = by_rule(before, "HC8301")  # shipped: in Debian LTS until 2028
    assert lts.severity is Severity.LOW and "2028-06-30" in lts.message
    assert before.summary["base_os"]["eol_data_source"] == "shipped"
    raw, now = refreshed()
    store(raw, "http://mirror/eol.json", db, now=now)
    after = scan(tmp_path / "b", [layer], now=CLOCK, max_age_days=9999, db_path=db)
    (finding,) = by_rule(after, "HC8301")
    assert finding.severity is Severity.HIGH and "2026-11-20" in finding.message
    assert after.summary["base_os"]["eol_data_source"] == "http://mirror/eol.json"
    assert after.summary["base_os"]["eol_data_as_of"] == now.date().isoformat()


@pytest.mark.parametrize(
    ("repository", "tag", "expected"),
    [
        ("library/python", "3.12-alpine3.18", ("alpine 3.18", "2025-05-09")),
        ("library/python", "3.8-bookworm", ("python 3.8", "2024-10-07")),
        ("library/php", "7", ("php 7.4", "2022-11-28")),
        ("library/ubuntu", "jammy", ("ubuntu 22.04", "2027-06-01")),
        ("library/debian", "bullseye-slim", ("debian 11", "2026-08-31")),
        ("library/node", "14-alpine", ("node 14", "2023-04-30")),
        ("library/python", "3", ("python 3.14", "2030-10-31")),
        ("library/nginx", "1.18", None),
    ],
)
def test_hc1005_lookup_in_the_shared_data(
    repository: str, tag: str, expected: tuple[str, str] | None
) -> None:
    found = end_of_life(shipped(), repository, tag)
    assert (None if found is None else (found[0], found[1].isoformat())) == expected
