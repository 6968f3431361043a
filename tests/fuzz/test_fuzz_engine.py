"""Mutated ``docker save`` exports through a Docker engine (``docker:NAME`` on a fake engine
socket: no Docker runs here): the same bounded reader as docker-archive files, so every
mutation ends in a report or one ``HullcheckError`` line, in bounded time and memory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hullcheck.imagerules.base import ScanSettings
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.open import SourceOptions
from tests.fixtures.imagebuilder import BuiltImage, Dir, File, Layer, Symlink, make_image
from tests.sources.test_engine import FakeEngine, engine

from .mutations import SCALE, bounded, mutated

__all__ = ["engine"]

MiB = 1 << 20
MEMBERS = [
    Dir("etc"),
    File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
    File("var/lib/dpkg/status", b"Package: a\nStatus: install ok installed\nVersion: 1\n\n"),
    Symlink("etc/alt", "os-release"),
    File("srv/blob", os.urandom(4096)),
]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    return make_image(
        tmp_path_factory.mktemp("engine") / "save.tar", [Layer(MEMBERS)], form="docker-archive"
    )


def _scan(engine: FakeEngine, cache: Path) -> object:
    options = SourceOptions(
        cache_dir=cache, timeout=10, extra={"engine_host": f"unix://{engine.sock}"}
    )
    return scan_image(ScanRequest("docker:app:1", options=options, settings=ScanSettings()))


def test_the_unmutated_export_is_read(
    engine: FakeEngine, export: BuiltImage, tmp_path: Path
) -> None:
    engine.add("app:1", export.config_digest, export.path)
    report = _scan(engine, tmp_path / "cache")
    assert not report.errors  # type: ignore[attr-defined]


@given(data=st.data())
@settings(
    max_examples=30 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_mutated_engine_exports(
    data: st.DataObject, engine: FakeEngine, export: BuiltImage, tmp_path: Path
) -> None:
    raw = data.draw(mutated(export.path.read_bytes(), max_mutations=4))
    engine.add("app:1", export.config_digest, raw)
    cache = tmp_path / f"cache-{len(engine.seen)}"
    bounded(lambda: _scan(engine, cache), seconds=15, peak_bytes=96 * MiB)
