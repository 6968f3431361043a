"""The local store: --from imports (folder, zip, YAML), status, the embedded snapshot,
staleness warnings and the ``hullcheck db`` command."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.errors import DatabaseError
from hullcheck.model import Package
from hullcheck.vulns.database import data_age_days, open_database, staleness_warning
from hullcheck.vulns.embedded import snapshot_manifest, snapshot_path
from hullcheck.vulns.importer import import_path
from hullcheck.vulns.matcher import match_packages
from hullcheck.vulns.store import VulnDatabase, default_db_path


def test_import_yaml_folder_counts_and_indexes(shared_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    stats = import_path(db, shared_dir / "osv/pypi/pypa-advisory-database/vulns")
    assert (stats.records, stats.skipped) == (2654, 7)
    with VulnDatabase.open(db) as vdb:
        assert vdb.record_count() == 2654
        [src] = vdb.sources()
        assert src.ecosystems == {"PyPI": 2654}
        cands = vdb.advisories_for("PyPI", "Requests")
        ids = {c.id for c in cands}
        assert {c.advisory().id for c in cands} == ids
        assert all(a.name == "requests" for c in cands for a in c.affected)
        assert ids == {
            "PYSEC-2014-13",
            "PYSEC-2014-14",
            "PYSEC-2015-17",
            "PYSEC-2018-28",
            "PYSEC-2023-74",
        }
        assert vdb.advisories_for("PyPI", "no-such-package") == []


def test_reimport_replaces_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "recs"
    folder.mkdir()
    rec = {
        "id": "X-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "a"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
            }
        ],
    }
    (folder / "X-1.json").write_text(json.dumps(rec))
    db = tmp_path / "db.sqlite3"
    import_path(db, folder)
    (folder / "X-1.json").unlink()
    rec["id"] = "X-2"
    (folder / "X-2.json").write_text(json.dumps(rec))
    import_path(db, folder)
    with VulnDatabase.open(db) as vdb:
        assert [a.id for a in vdb.advisories_for("npm", "a")] == ["X-2"]


def test_import_zip_export(shared_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((shared_dir / "osv/go/golang-vulndb").glob("*.json")):
            zf.write(path, path.name)
        zf.writestr("../../evil.json", "{}")  # a hostile name is only a bad record
    stats = import_path(tmp_path / "db.sqlite3", archive)
    assert (stats.records, stats.skipped) == (249, 1)
    assert not (tmp_path.parent / "evil.json").exists()


def test_bad_inputs_are_database_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatabaseError):
        import_path(tmp_path / "db.sqlite3", bad)
    with pytest.raises(DatabaseError, match="no such file"):
        import_path(tmp_path / "db.sqlite3", tmp_path / "missing")
    with pytest.raises(DatabaseError, match="no vulnerability database"):
        VulnDatabase.open(tmp_path / "none.sqlite3")
    not_db = tmp_path / "not.sqlite3"
    not_db.write_bytes(b"garbage" * 100)
    with pytest.raises(DatabaseError):
        VulnDatabase.open(not_db)
    assert not (tmp_path / "db.sqlite3").exists()


def test_embedded_snapshot_first_run(tmp_path: Path) -> None:
    manifest = snapshot_manifest()
    assert set(manifest["sources"]) == {"PyPI", "Go"}
    assert snapshot_path().stat().st_size < 4 * 1024 * 1024
    db_path = tmp_path / "cache" / "hullcheck" / "osv.sqlite3"
    with open_database(db_path) as db:
        assert db_path.is_file()
        names = {s.name: s.records for s in db.sources()}
        assert names == {"embedded:PyPI": 2654, "embedded:Go": 249}
        findings = match_packages([Package("requests", "2.19.1", "pypi", "pkg:pypi/requests")], db)
        assert {f.rule for f in findings} == {"PYSEC-2018-28", "PYSEC-2023-74"}
        warning = staleness_warning(db)
        assert warning is not None and "embedded" in warning and "2024-10-10" in warning


def test_staleness(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    record = {
        "id": "A-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": ["1"]}],
    }
    (folder / "a.json").write_text(json.dumps(record))
    db = tmp_path / "db.sqlite3"
    import_path(db, folder)
    with VulnDatabase.open(db) as vdb:
        # the data is as old as its newest record, whenever it was imported
        (source,) = vdb.sources()
        assert source.data_date == "2024-01-01T00:00:00Z"
        assert staleness_warning(vdb, now=datetime(2024, 1, 2, tzinfo=UTC)) is None
        later = datetime(2024, 1, 31, tzinfo=UTC)
        warning = staleness_warning(vdb, now=later)
        assert warning is not None and "30 days old" in warning
        assert data_age_days(vdb, later) == pytest.approx(30.0)
        assert staleness_warning(vdb) is not None  # today, 2024 data is old


def test_age_unknown_when_no_record_says(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    # golang/vulndb's repository records carry a placeholder 'modified'
    (folder / "a.json").write_text(json.dumps({"id": "A-1", "modified": "0001-01-01T00:00:00Z"}))
    db = tmp_path / "db.sqlite3"
    import_path(db, folder)
    with VulnDatabase.open(db) as vdb:
        assert vdb.sources()[0].age_days() is None
        assert data_age_days(vdb) is None
        warning = staleness_warning(vdb)
        assert warning is not None and "unknown" in warning


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HULLCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "hullcheck" / "osv.sqlite3"
    monkeypatch.setenv("HULLCHECK_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"


def test_cli(shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "cli.sqlite3")
    assert main(["db", "--db", db, "update", "--from", str(shared_dir / "osv/redhat")]) == 0
    assert "3 records imported, 0 skipped" in capsys.readouterr().out
    assert main(["db", "--db", db, "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["records"] == 3
    assert status["sources"][0]["ecosystems"]["Red Hat:rhel_aus:8.6::appstream"] == 2
    assert main(["db", "--db", db, "status"]) == 0
    assert "3 records" in capsys.readouterr().out
    assert main(["db", "--db", str(tmp_path / "missing.sqlite3"), "status"]) == 2
    assert "hullcheck db update" in capsys.readouterr().err
    assert main(["db", "--db", db, "update", "--mirror", "ftp://x"]) == 2
    assert "http(s)" in capsys.readouterr().err
