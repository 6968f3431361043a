"""Mutated documents read outside images: CycloneDX/SPDX SBOMs given to ``sbom``, OSV
records (JSON and YAML) and zips given to ``db update --from``, Docker's config.json
credentials, and the vulnerability database file ``db status`` opens.  Each reads or
fails with one ``HullcheckError`` line, in bounded time and memory."""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.catalog.base import Distro
from hullcheck.catalog.inventory import Inventory, Target
from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.errors import HullcheckError
from hullcheck.model import Package
from hullcheck.report import cyclonedx, spdx
from hullcheck.sources.limits import MiB
from hullcheck.sources.registry.credentials import find_credentials
from hullcheck.vulns.importer import import_path, iter_zip
from hullcheck.vulns.osv import check_record, load_record, parse_advisory
from hullcheck.vulns.store import VulnDatabase

from .mutations import bounded, examples, mutated

_counter = itertools.count()


def _fresh(root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=root, prefix=f"ex{next(_counter)}-"))


def _inventory() -> Inventory:
    debian = Distro(id="debian", version_id="12", pretty_name="Debian GNU/Linux 12")
    pkgs = (
        Package(
            name="bash",
            version="5.2.15-2+b2",
            type="deb",
            purl="pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
            source_name="bash",
            licenses=("GPL-3.0-or-later",),
        ),
        Package(name="requests", version="2.31.0", type="python", purl="pkg:pypi/requests@2.31.0"),
        Package(name="@s/a", version="1.0.0", type="npm", purl="pkg:npm/%40s/a@1.0.0"),
    )
    return Inventory(Target("image", "example:1", "sha256:" + "a" * 64), pkgs, debian)


SBOMS = {
    "cyclonedx": cyclonedx.render_inventory(_inventory()).encode(),
    "spdx": spdx.render_inventory(_inventory()).encode(),
}


@pytest.mark.parametrize("fmt", sorted(SBOMS))
def test_sbom_seed_reads_back(fmt: str) -> None:
    assert len(parse_sbom(SBOMS[fmt]).packages) == 3


@pytest.mark.parametrize("fmt", sorted(SBOMS))
@given(data=st.data())
@examples(60)
def test_mutated_sbom_input(fmt: str, data: st.DataObject) -> None:
    raw = data.draw(mutated(SBOMS[fmt], max_mutations=4))
    bounded(lambda: parse_sbom(raw, "x.json"), seconds=5, peak_bytes=32 * MiB)


RECORD = {
    "schema_version": "1.6.0",
    "id": "GHSA-aaaa-bbbb-cccc",
    "modified": "2024-01-02T03:04:05Z",
    "published": "2023-01-02T03:04:05Z",
    "aliases": ["CVE-2023-0001"],
    "summary": "a bug",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests", "purl": "pkg:pypi/requests"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.32"}]}],
            "versions": ["2.31.0"],
        },
        {
            "package": {"ecosystem": "Debian:12", "name": "bash"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "5.3"}]}],
        },
    ],
    "references": [{"type": "WEB", "url": "https://example.com/a"}],
}


def _osv(raw: bytes, name: str) -> object:
    rec = load_record(raw, name)
    if check_record(rec) is None:
        return parse_advisory(rec, ())
    return None


@pytest.mark.parametrize("suffix", ["json", "yaml"])
@given(data=st.data())
@examples(60)
def test_mutated_osv_record(suffix: str, data: st.DataObject) -> None:
    seed = json.dumps(RECORD).encode() if suffix == "json" else yaml.safe_dump(RECORD).encode()
    raw = data.draw(mutated(seed, max_mutations=4))
    bounded(lambda: _osv(raw, f"r.{suffix}"), seconds=5, peak_bytes=64 * MiB)


def _zip(compression: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for i in range(3):
            rec = dict(RECORD, id=f"GHSA-aaaa-bbbb-ccc{i}")
            z.writestr(f"GHSA-{i}.json", json.dumps(rec))
        z.writestr("notes.txt", "not a record")
    return out.getvalue()


def _import(path: Path, db: Path) -> object:
    stats = import_path(db, path)
    return stats.records


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "osv.sqlite3")


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
@given(data=st.data())
@examples(40)
def test_mutated_osv_zip_import(compression: int, data: st.DataObject, tmp_path: Path) -> None:
    raw = data.draw(mutated(_zip(compression), max_mutations=3))
    work = _fresh(tmp_path)
    src = work / "all.zip"
    src.write_bytes(raw)
    dbdir = work / "db"
    result = bounded(lambda: _import(src, dbdir / "osv.sqlite3"), seconds=10, peak_bytes=64 * MiB)
    # nothing half-written: either a database or nothing, and no temp files either way
    assert not dbdir.exists() or _leftovers(dbdir) == []
    if isinstance(result, HullcheckError):
        assert not (dbdir / "osv.sqlite3").exists()


@given(data=st.data())
@examples(40)
def test_mutated_osv_zip_members(data: st.DataObject) -> None:
    raw = data.draw(mutated(_zip(zipfile.ZIP_DEFLATED), max_mutations=3))
    with tempfile.NamedTemporaryFile(suffix=".zip") as fh:
        fh.write(raw)
        fh.flush()
        bounded(lambda: list(iter_zip(Path(fh.name))), seconds=5, peak_bytes=64 * MiB)


DOCKER_CONFIG = json.dumps(
    {
        "auths": {
            "https://index.docker.io/v1/": {"auth": "dXNlcjpzM2NyM3Rwdw=="},
            "registry.example.com:5000": {"username": "u", "password": "s3cr3tpw"},
            "ghcr.io": {"identitytoken": "t0k3nvalue"},
        },
        "credHelpers": {"gcr.io": "gcloud"},
    }
).encode()


@given(data=st.data(), host=st.sampled_from(["docker.io", "registry.example.com:5000", "gcr.io"]))
@examples(60)
def test_mutated_docker_config(
    data: st.DataObject, host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a credHelpers/credsStore runs nothing real
    raw = data.draw(mutated(DOCKER_CONFIG, max_mutations=3))
    path = _fresh(tmp_path) / "config.json"
    path.write_bytes(raw)
    creds = bounded(lambda: find_credentials(host, path, 2.0), seconds=5)
    if creds is not None and not isinstance(creds, HullcheckError):
        assert "s3cr3t" not in repr(creds) and "t0k3n" not in repr(creds)


def _db_seed(path: Path) -> bytes:
    src = path / "r.json"
    src.write_text(json.dumps(RECORD))
    import_path(path / "osv.sqlite3", src)
    return (path / "osv.sqlite3").read_bytes()


def _status(db: Path) -> object:
    with VulnDatabase.open(db) as handle:
        return (
            handle.record_count(),
            [(s.name, s.records, s.age_days(), dict(s.ecosystems)) for s in handle.sources()],
        )


@given(data=st.data())
@examples(60)
def test_mutated_database_file(data: st.DataObject, tmp_path: Path) -> None:
    seed_dir = tmp_path / "seed"
    if not seed_dir.exists():
        seed_dir.mkdir()
        _db_seed(seed_dir)
    seed = (seed_dir / "osv.sqlite3").read_bytes()
    raw = data.draw(mutated(seed, max_mutations=3))
    db = _fresh(tmp_path) / "osv.sqlite3"
    db.write_bytes(raw)
    bounded(lambda: _status(db), seconds=5)


def test_database_with_a_garbage_timestamp(tmp_path: Path) -> None:
    _db_seed(tmp_path)
    con = sqlite3.connect(tmp_path / "osv.sqlite3")
    con.execute("UPDATE sources SET imported_at = 'yesterday-ish', data_date = NULL")
    con.commit()
    con.close()
    bounded(lambda: _status(tmp_path / "osv.sqlite3"), seconds=5)


def test_database_without_its_tables(tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "osv.sqlite3")
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    from hullcheck.vulns.store import SCHEMA_VERSION

    con.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    con.commit()
    con.close()
    bounded(lambda: _status(tmp_path / "osv.sqlite3"), seconds=5)
