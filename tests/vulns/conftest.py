"""A database holding every record of shared/osv (native formats converted by the test
fixture builder), shared by the matcher tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from hullcheck.vulns.importer import import_path
from hullcheck.vulns.store import VulnDatabase

from . import osv_fixtures


def build_full_db(shared: Path, work: Path) -> Path:
    osv = shared / "osv"
    converted = osv_fixtures.convert_native(osv, work / "converted")
    samples = work / "samples"
    samples.mkdir()
    for path in (osv / "samples/osv-schema-ghsa-converter").glob("*.osv.json"):
        shutil.copy(path, samples / path.name)
    db = work / "all.sqlite3"
    for folder in (
        osv / "pypi/pypa-advisory-database/vulns",
        osv / "go/golang-vulndb",
        osv / "redhat/osv-schema-fixtures",
        osv / "ubuntu/osv.dev-fixtures",
        samples,
        converted,
    ):
        import_path(db, folder)
    return db


@pytest.fixture(scope="session")
def full_db_path(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_full_db(shared_dir, tmp_path_factory.mktemp("osvdb"))


@pytest.fixture
def full_db(full_db_path: Path) -> Iterator[VulnDatabase]:
    with VulnDatabase.open(full_db_path) as db:
        yield db
