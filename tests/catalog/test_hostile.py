"""Every cataloger against garbage, truncations and lies: never an escaping exception."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest

from hullcheck.catalog.collector import Collector
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.model import FileRef

from .helpers import make_elf

PATHS = {
    "dpkg": "/var/lib/dpkg/status",
    "apk": "/lib/apk/db/installed",
    "rpm": "/var/lib/rpm/rpmdb.sqlite",
    "python": "/x/site-packages/a-1.dist-info/METADATA",
    "npm": "/app/node_modules/a/package.json",
    "java": "/app/a.jar",
    "ruby": "/gems/specifications/a-1.gemspec",
    "composer": "/app/vendor/composer/installed.json",
    "dotnet": "/app/a.deps.json",
    "golang": "/usr/bin/prog",
    "cargo-auditable": "/usr/bin/prog",
}


def _samples() -> list[bytes]:
    rng = random.Random(1234)
    jar = io.BytesIO()
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/maven/g/a/pom.properties", "artifactId=a\nversion=1\n")
    return [
        b"",
        b"\0" * 64,
        bytes(rng.randrange(256) for _ in range(4096)),
        b"[" * 100_000,
        b'{"packages": [' + b"{}," * 1000 + b"{}]}",
        jar.getvalue()[:-30],  # truncated zip directory
        b"SQLite format 3\0" + bytes(rng.randrange(256) for _ in range(2000)),
        b"RpmP" + struct.pack("<III", 0, 1, 1) + b"\xff" * 5000,
        b"\0" * 12 + struct.pack("<I", 0x061561) + struct.pack("<I", 1) + struct.pack("<I", 512)
        + b"\0" * 8 + struct.pack("<I", 10**9) + b"\xff" * 2000,
        make_elf({".dep-v0": zlib.compress(b"[1,2")}),
        make_elf({".go.buildinfo": b"\xff Go buildinf:\x08\x02" + b"\xff" * 40}),
        b"\x7fELF\x02\x01\x01" + b"\xff" * 200,
        b"Package: a\nVersion: 1\n" + b" continuation\n" * 1000,
        b"P:a\nV:1\n" + b"R:x\n" * 1000,
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(PATHS))
def test_no_input_breaks_a_cataloger(name: str) -> None:
    cataloger = next(c for c in CATALOGERS if c.name == name)
    for i, data in enumerate(_samples()):
        collector = Collector([cataloger])
        ref = FileRef(PATHS[name], len(data), mode=0o100755, layer_index=0)
        collector.feed(ref, data)
        result = collector.finish()  # errors are recorded, never raised
        for err in result.errors:
            assert name in err.message, (i, err)
            assert "\n" not in err.message
            assert len(err.message) < 500
