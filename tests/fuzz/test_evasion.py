"""One hostile record must not hide the others: a package database with a bogus entry
(odd unicode, "/", NULs, huge strings) still lists every well-formed package.  Dropping the
whole database on one bad entry would let an image hide its vulnerable packages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hullcheck.catalog.collector import Collector
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.model import FileRef

from .mutations import examples

FIELD = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\n\r"),
    min_size=1,
    max_size=30,
) | st.sampled_from(["/", "//", "%", "@", "?", "#", "\x00", ".", "..", " ", "a" * 3000])
OS_RELEASE = FileRef("/etc/os-release", 30, mode=0o100644, layer_index=0)


def _names(path: str, data: bytes) -> set[str]:
    collector = Collector(CATALOGERS)
    collector.feed(OS_RELEASE, b"ID=debian\nVERSION_ID=12\n")
    collector.feed(FileRef(path, len(data), mode=0o100644, layer_index=0), data)
    return {p.name for p in collector.finish().packages}


@given(name=FIELD, version=FIELD)
@examples(60)
def test_a_bogus_dpkg_entry_hides_nothing(name: str, version: str) -> None:
    good = (
        b"Package: openssl\nStatus: install ok installed\nVersion: 3.0.0-1\nArchitecture: amd64\n"
    )
    bad = f"Package: {name}\nStatus: install ok installed\nVersion: {version}\n".encode()
    assert "openssl" in _names("/var/lib/dpkg/status", bad + b"\n" + good + b"\n")
    assert "openssl" in _names("/var/lib/dpkg/status", good + b"\n" + bad + b"\n")


@given(name=FIELD, version=FIELD)
@examples(60)
def test_a_bogus_apk_entry_hides_nothing(name: str, version: str) -> None:
    good = b"P:openssl\nV:3.0.0-r1\nA:x86_64\n"
    bad = f"P:{name}\nV:{version}\nA:x86_64\n".encode()
    assert "openssl" in _names("/lib/apk/db/installed", bad + b"\n" + good + b"\n")


def test_a_package_named_slash_hides_nothing() -> None:
    # was: packageurl raised TypeError on the name "/", and the dpkg cataloger lost the
    # whole database: "Package: /" hid openssl (and everything else) from the scan
    status = (
        b"Package: openssl\nStatus: install ok installed\nVersion: 3.0.0-1\n\n"
        b"Package: /\nStatus: install ok installed\nVersion: 1\n\n"
    )
    assert _names("/var/lib/dpkg/status", status) == {"openssl", "/"}


def test_a_damaged_rpm_header_hides_nothing() -> None:
    # was: one header blob that failed to parse made the rpm cataloger drop the whole
    # rpmdb, hiding every other package
    import sqlite3

    from tests.catalog.test_rpm import tiny_header

    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB)")
    for blob in (tiny_header("openssl", "3.0.7", "1.el9"), b"\x00\x00\x00\x05" + b"\xff" * 40):
        con.execute("INSERT INTO Packages (blob) VALUES (?)", (blob,))
    con.commit()
    data = con.serialize()
    con.close()
    assert _names("/var/lib/rpm/rpmdb.sqlite", data) == {"openssl"}


def test_junk_paragraphs_in_front_do_not_hide_packages_silently() -> None:
    # was: paragraphs() stopped quietly after 200,000, so junk in front of the real
    # entries (4 MB, well within dpkg's 64 MiB limit) hid them without a word
    from hullcheck.catalog.deb822 import MAX_PARAGRAPHS

    junk = b"X: y\n\n" * (MAX_PARAGRAPHS + 1)
    good = b"Package: openssl\nStatus: install ok installed\nVersion: 3.0.0-1\n\n"
    collector = Collector(CATALOGERS)
    data = junk + good
    collector.feed(FileRef("/var/lib/dpkg/status", len(data), mode=0o100644), data)
    result = collector.finish()
    assert result.packages == []
    assert any(f"more than {MAX_PARAGRAPHS} paragraphs" in e.message for e in result.errors)
