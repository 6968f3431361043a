from __future__ import annotations

import json
import zlib

import pytest

from hullcheck.catalog import cargo
from hullcheck.catalog.base import CatalogContext
from hullcheck.catalog.elf import parse_elf

from .helpers import make_elf, ref

AUDIT = {
    "packages": [
        {"name": "myapp", "version": "0.1.0", "source": "local", "root": True},
        {"name": "serde", "version": "1.0.188", "source": "crates.io", "dependencies": []},
        {"name": "cc", "version": "1.0.83", "source": "crates.io", "kind": "build"},
    ]
}


def _binary(payload: bytes) -> bytes:
    return make_elf({".text": b"\x90" * 16, ".dep-v0": payload})


def test_crates_from_dep_v0() -> None:
    data = _binary(zlib.compress(json.dumps(AUDIT).encode()))
    assert parse_elf(data).section(".dep-v0") is not None
    pkgs = cargo.parse(ref("/usr/bin/myapp", mode=0o100755), data, CatalogContext())
    assert [(p.name, p.version, p.purl) for p in pkgs] == [
        ("myapp", "0.1.0", "pkg:cargo/myapp@0.1.0"),
        ("serde", "1.0.188", "pkg:cargo/serde@1.0.188"),
    ]
    assert pkgs[0].metadata["root"] is True


def test_no_section_or_not_elf() -> None:
    assert cargo.parse(ref("/bin/x"), make_elf({".text": b"\0"}), CatalogContext()) == []
    assert cargo.parse(ref("/bin/x"), b"#!/bin/sh\n", CatalogContext()) == []


def test_zip_bomb_is_bounded() -> None:
    bomb = zlib.compress(b"{" + b" " * (cargo.MAX_JSON + 10) + b"}")
    with pytest.raises(ValueError):
        cargo.parse(ref("/bin/x"), _binary(bomb), CatalogContext())


def test_corrupt_section_raises_for_the_collector() -> None:
    with pytest.raises(zlib.error):
        cargo.parse(ref("/bin/x"), _binary(b"not zlib"), CatalogContext())
