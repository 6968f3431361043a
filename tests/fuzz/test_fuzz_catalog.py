"""Mutated package databases and manifests through every cataloger, as the collector runs
them: no exception escapes, every error is one bounded line, time and memory are bounded.

Seeds are real, valid inputs (the catalogers' own test fixtures, an rpmdb.sqlite and an
ndb Packages.db assembled from real header blobs, a Go buildinfo blob), so mutations reach
deep into each parser instead of failing at the first byte.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.catalog.collector import Collector
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.errors import HullcheckError
from hullcheck.model import FileRef
from hullcheck.sources.limits import MiB
from tests.catalog.helpers import make_elf
from tests.catalog.test_apk import INSTALLED
from tests.catalog.test_dpkg import STATUS
from tests.catalog.test_python import METADATA
from tests.catalog.test_rpm import tiny_header
from tests.catalog.test_ruby import GEMSPEC

from .mutations import bounded, examples, mutated


def _rpm_sqlite() -> bytes:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    for i, name in enumerate(("bash", "glibc", "openssl-libs")):
        con.execute("INSERT INTO Packages (blob) VALUES (?)", (tiny_header(name, f"{i}.1", "1"),))
    con.commit()
    data = con.serialize()
    con.close()
    return data


def _rpm_ndb() -> bytes:
    headers = [tiny_header(n, "1.0", "1.el9") for n in ("bash", "zlib")]
    out = bytearray(4096 * 2)
    out[0:16] = b"RpmP" + struct.pack("<III", 0, 1, 1)
    pos = 4096
    for i, blob in enumerate(headers, 1):
        off = 32 + 16 * (i - 1)
        out[off : off + 16] = b"Slot" + struct.pack("<III", i, pos // 16, 1)
        out[pos : pos + 16 + len(blob)] = b"BlbS" + struct.pack("<III", i, 0, len(blob)) + blob
        pos += (16 + len(blob) + 15) // 16 * 16
    for off in range(32 + 16 * len(headers), 4096, 16):
        out[off : off + 16] = b"Slot" + bytes(12)
    return bytes(out)


def _go_buildinfo() -> bytes:
    def inline(text: bytes) -> bytes:
        n, out = len(text), b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out + text

    sentinel = b"0123456789abcdef"
    modinfo = (
        sentinel
        + b"path\texample.com/cmd\nmod\texample.com\tv1.2.3\th1:x\n"
        + b"dep\tgolang.org/x/text\tv0.3.0\th1:a\nbuild\t-ldflags=-s -w\n"
        + sentinel
    )
    blob = b"\xff Go buildinf:" + bytes([8, 2]) + bytes(16) + inline(b"go1.22.2") + inline(modinfo)
    return make_elf({".text": b"\x90" * 32, ".go.buildinfo": blob})


def _jar() -> bytes:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Implementation-Title: b\nImplementation-Version: 2\n")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "META-INF/maven/org.apache/log4j-core/pom.properties",
            "groupId=org.apache\nartifactId=log4j-core\nversion=2.14.1\n",
        )
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nImplementation-Title: a\n")
        z.writestr("WEB-INF/lib/b.jar", inner.getvalue())
    return out.getvalue()


CARGO = {"packages": [{"name": "serde", "version": "1.0.188", "source": "crates.io"}]}
SEEDS: dict[str, tuple[str, bytes]] = {
    "dpkg": ("/var/lib/dpkg/status", STATUS),
    "apk": ("/lib/apk/db/installed", INSTALLED),
    "rpm-sqlite": ("/var/lib/rpm/rpmdb.sqlite", _rpm_sqlite()),
    "rpm-ndb": ("/usr/lib/sysimage/rpm/Packages.db", _rpm_ndb()),
    "python": ("/usr/lib/python3/site-packages/a-1.dist-info/METADATA", METADATA),
    "npm": (
        "/app/node_modules/@s/a/package.json",
        json.dumps({"name": "@s/a", "version": "1.2.3", "license": "MIT"}).encode(),
    ),
    "java": ("/app/lib/app.war", _jar()),
    "ruby": ("/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec", GEMSPEC),
    "composer": (
        "/var/www/vendor/composer/installed.json",
        json.dumps(
            {"packages": [{"name": "m/m", "version": "2.9.1", "license": ["MIT"]}]}
        ).encode(),
    ),
    "dotnet": (
        "/app/a.deps.json",
        json.dumps(
            {"libraries": {"Newtonsoft.Json/13.0.1": {"type": "package", "sha512": "x"}}}
        ).encode(),
    ),
    "golang": ("/usr/bin/prog", _go_buildinfo()),
    "cargo": ("/usr/bin/rprog", make_elf({".dep-v0": zlib.compress(json.dumps(CARGO).encode())})),
    "os-release": ("/etc/os-release", b'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian 12"\n'),
}


def _catalog(path: str, data: bytes) -> list[str]:
    collector = Collector(CATALOGERS)
    ref = FileRef(path, len(data), mode=0o100755, layer_index=0, layer_digest="sha256:" + "0" * 64)
    if not collector.wants(ref):
        raise AssertionError(f"no cataloger wants {path}")
    collector.feed(ref, data[: collector.size_limit(ref)])
    result = collector.finish()
    for err in result.errors:
        assert "\n" not in err.message and len(err.message) < 600, err.message
    return [p.purl for p in result.packages]


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_is_recognised(name: str) -> None:
    """The seeds are real inputs: each yields packages (else mutations test nothing)."""
    path, data = SEEDS[name]
    purls = _catalog(path, data)
    assert purls or name == "os-release", name


@pytest.mark.parametrize("name", sorted(SEEDS))
@given(data=st.data())
@examples(40)
def test_mutated_catalog_inputs(name: str, data: st.DataObject) -> None:
    path, seed = SEEDS[name]
    raw = data.draw(mutated(seed, max_mutations=4))
    result = bounded(lambda: _catalog(path, raw), seconds=5, peak_bytes=64 * MiB)
    assert not isinstance(result, HullcheckError)  # catalogers report, never raise
