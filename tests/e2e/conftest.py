"""Shared pieces of the end-to-end tests: the real test images, databases built from the
real OSV records of shared/osv, and running the CLI as a user does."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hullcheck.cli.main import main
from hullcheck.vulns.importer import import_path
from tests.vulns.conftest import build_full_db

GHSA_DIR = Path(__file__).parent.parent / "vulns" / "data" / "ghsa"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(capsys: pytest.CaptureFixture[str], args: Sequence[str]) -> Run:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def run_main(args: Sequence[str]) -> Run:
    """The CLI with its output captured here (for module-scoped fixtures, where pytest's
    capsys is not available)."""
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def python_npm(test_images: Path) -> str:
    return f"docker-archive:{test_images / 'docker-archive' / 'python-npm.tar'}"


@pytest.fixture(scope="session")
def pypi_db(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of the PyPI advisories only (pypa/advisory-database, all of it)."""
    db = tmp_path_factory.mktemp("pypi-db") / "osv.sqlite3"
    import_path(db, shared_dir / "osv/pypi/pypa-advisory-database/vulns")
    return db


@pytest.fixture(scope="session")
def pypi_ghsa_db(pypi_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PyPI advisories plus GitHub's record of CVE-2020-14343 (CVSS 9.8)."""
    db = tmp_path_factory.mktemp("pypi-ghsa-db") / "osv.sqlite3"
    shutil.copy(pypi_db, db)
    import_path(db, GHSA_DIR)
    return db


@pytest.fixture(scope="session")
def full_osv_db(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every record of shared/osv (PyPI, Go, npm, Debian 10/11, Alpine, Red Hat...)."""
    return build_full_db(shared_dir, tmp_path_factory.mktemp("full-db"))
