from __future__ import annotations

import pytest

from hullcheck.catalog import dpkg
from hullcheck.catalog.base import CatalogContext, PartialRead

from .helpers import DEBIAN, ref

STATUS = b"""Package: bsdutils
Status: install ok installed
Priority: required
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Description: basic utilities from 4.4BSD-Lite
 This package contains the bare minimum.

Package: bash
Status: install ok installed
Architecture: amd64
Source: bash (5.2.15-2)
Version: 5.2.15-2+b13

Package: gcc-12-base
Status: install ok installed
Architecture: amd64
Source: gcc-12
Version: 12.2.0-14+deb12u1

Package: adduser
Status: install ok installed
Architecture: all
Version: 3.134

Package: removed
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: halfgone
Status: purge ok not-installed
Version: 1.0
"""

DEP5 = b"""Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: adduser

Files: *
Copyright: 1997 Guy Maor
License: GPL-2+
 This program is free software; see /usr/share/common-licenses/GPL-2.

Files: debian/*
License: GPL-2+ or Artistic
"""

FREE_TEXT = b"""This is the Debian prepackaged version of bash.
License: GPL-3
See /usr/share/common-licenses/GPL-3.
"""


def test_installed_packages_source_and_purls() -> None:
    context = CatalogContext(distro=DEBIAN)
    pkgs = {p.name: p for p in dpkg.parse(ref("/var/lib/dpkg/status"), STATUS, context)}
    assert set(pkgs) == {"bsdutils", "bash", "gcc-12-base", "adduser"}
    bsd = pkgs["bsdutils"]
    assert bsd.version == "1:2.38.1-5+deb12u3"
    assert (bsd.source_name, bsd.source_version) == ("util-linux", "2.38.1-5+deb12u3")
    assert bsd.purl == (
        "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12"
        "&upstream=util-linux%402.38.1-5%2Bdeb12u3"
    )
    assert pkgs["bash"].source_version == "5.2.15-2"
    gcc = pkgs["gcc-12-base"]
    assert (gcc.source_name, gcc.source_version) == ("gcc-12", "12.2.0-14+deb12u1")
    assert gcc.purl.endswith("upstream=gcc-12")
    assert pkgs["adduser"].purl == "pkg:deb/debian/adduser@3.134?arch=all&distro=debian-12"


def test_licences_only_from_machine_readable_copyright() -> None:
    context = CatalogContext(
        distro=DEBIAN,
        files={
            "/usr/share/doc/adduser/copyright": DEP5,
            "/usr/share/doc/bash/copyright": FREE_TEXT,
        },
    )
    pkgs = {p.name: p for p in dpkg.parse(ref("/var/lib/dpkg/status"), STATUS, context)}
    assert pkgs["adduser"].licenses == ("GPL-2", "GPL-2+")
    assert "/usr/share/doc/adduser/copyright" in pkgs["adduser"].files
    assert pkgs["bash"].licenses == ()


def test_distroless_status_d_wanted_but_not_md5sums() -> None:
    assert dpkg.wants("/var/lib/dpkg/status")
    assert dpkg.wants("/var/lib/dpkg/status.d/libc6")
    assert not dpkg.wants("/var/lib/dpkg/status.d/libc6.md5sums")
    assert not dpkg.wants("/var/lib/dpkg/status-old")
    assert not dpkg.wants("/var/lib/dpkg/info/bash.list")


def test_garbage_is_a_damaged_database_not_an_empty_one() -> None:
    with pytest.raises(PartialRead, match="1 unreadable line") as caught:
        dpkg.parse(ref("/var/lib/dpkg/status"), b"\x00\xff garbage\n :x\n", CatalogContext())
    assert caught.value.packages == []


def test_damaged_paragraphs_keep_the_readable_packages_and_say_what_was_lost() -> None:
    damaged = STATUS + b"\n\nPackage: nover\nStatus: install ok installed\n\n#!garbage line\n"
    with pytest.raises(PartialRead) as caught:
        dpkg.parse(ref("/var/lib/dpkg/status"), damaged, CatalogContext())
    message = str(caught.value)
    assert "1 installed package(s) without a Package or Version field" in message
    assert "1 unreadable line(s), the first at line" in message
    assert [p.name for p in caught.value.packages] == [
        p.name for p in dpkg.parse(ref("/var/lib/dpkg/status"), STATUS, CatalogContext())
    ]


def test_removed_packages_without_a_version_are_no_damage() -> None:
    status = b"Package: gone\nStatus: purge ok not-installed\n\nPackage: a\nVersion: 1\n"
    assert [p.name for p in dpkg.parse(ref("/var/lib/dpkg/status"), status, CatalogContext())] == [
        "a"
    ]


def test_without_distro_namespace_defaults_to_debian() -> None:
    (pkg,) = dpkg.parse(ref("/var/lib/dpkg/status"), STATUS.split(b"\n\n")[3], CatalogContext())
    assert pkg.purl == "pkg:deb/debian/adduser@3.134?arch=all"
