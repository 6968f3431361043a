"""Hostile images through a Docker engine's export (``docker:NAME``, a fake engine socket):
the same odd-entry warnings and broken-link errors as every other form (engine exports go
through the same bounded reader), and an altered ``layer.tar`` is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.errors import ImageError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.open import SourceOptions
from tests.fixtures.imagebuilder import Fifo, File, Hardlink, Layer, make_image
from tests.sources.test_deadlines import SECRET
from tests.sources.test_engine import FakeEngine, engine

__all__ = ["engine"]

META = b"Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n"


def _scan(engine: FakeEngine, tmp: Path) -> object:
    options = SourceOptions(
        cache_dir=tmp / "cache", timeout=5, extra={"engine_host": f"unix://{engine.sock}"}
    )
    request = ScanRequest("docker:app:1", options=options, settings=ScanSettings())
    return scan_image(request)


def test_odd_and_broken_entries_through_an_engine_export(
    engine: FakeEngine, tmp_path: Path
) -> None:
    img = make_image(
        tmp_path / "img",
        [Layer([File(b"caf\xe9", b"1"), Fifo("srv/pipe"), File("a", b"1"), Hardlink("x", "x")])],
        form="docker-archive",
    )
    engine.add("app:1", img.config_digest, img.path)
    report = _scan(engine, tmp_path)
    by_kind = sorted((d.kind, d.level.value) for d in report.diagnostics)  # type: ignore[attr-defined]
    assert ("image-invalid", "error") in by_kind
    assert by_kind.count(("layer-entry", "warning")) == 2  # the Latin-1 name, the FIFO


def test_a_tampered_layer_in_an_engine_export_reports_nothing(
    engine: FakeEngine, tmp_path: Path
) -> None:
    members = [
        File("app/settings.py", SECRET),
        File("usr/lib/python3/dist-packages/evilpkg-1.0.dist-info/METADATA", META),
        File("pad", os.urandom(2 << 20)),
    ]
    probe = make_image(tmp_path / "probe", [Layer(members, compression="none")])
    blob = bytearray(probe.blobs[probe.layer_digests[0]])
    blob[-200_000] ^= 0xFF
    img = make_image(
        tmp_path / "img",
        [Layer(members, blob=bytes(blob), compression="none")],
        form="docker-archive",
    )
    engine.add("app:1", img.config_digest, img.path)
    # the export's file is stored under its own hash: before, nothing compared it with the
    # config's diff_id, and the layer's secret and package were reported without a word
    with pytest.raises(ImageError, match="does not match its diff_id") as err:
        _scan(engine, tmp_path)
    assert "\n" not in str(err.value)
