from __future__ import annotations

import pytest

from hullcheck.catalog import apk
from hullcheck.catalog.base import CatalogContext, Distro, PartialRead

from .helpers import ref

INSTALLED = b"""C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
L:MIT
o:musl
F:lib
R:ld-musl-x86_64.so.1

C:Q1def=
P:libcrypto3
V:3.3.2-r0
A:x86_64
L:Apache-2.0
o:openssl
"""


def test_packages_origin_and_purl() -> None:
    context = CatalogContext(distro=Distro(id="alpine", version_id="3.20.3"))
    pkgs = {p.name: p for p in apk.parse(ref("/lib/apk/db/installed"), INSTALLED, context)}
    assert set(pkgs) == {"musl", "libcrypto3"}
    assert pkgs["musl"].purl == "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"
    crypto = pkgs["libcrypto3"]
    assert crypto.source_name == "openssl"
    assert crypto.licenses == ("Apache-2.0",)
    assert crypto.purl.endswith("&upstream=openssl")


def test_wants_only_the_database() -> None:
    assert apk.wants("/lib/apk/db/installed")
    assert not apk.wants("/lib/apk/db/triggers")


def test_damaged_records_keep_the_readable_packages_and_say_what_was_lost() -> None:
    damaged = b"P:musl\nV:1.2.4-r2\n\nV:9\nA:x86_64\n\n\x00\xffnot a field\n"
    with pytest.raises(PartialRead) as caught:
        apk.parse(ref(apk.DB_PATH), damaged, CatalogContext())
    assert [p.name for p in caught.value.packages] == ["musl"]
    assert str(caught.value) == (
        "1 unreadable line(s), the first at line 7; 1 installed package(s) without a P: or V: field"
    )
