from __future__ import annotations

from hullcheck.catalog.osrelease import distro_from_files, parse_os_release

DEBIAN = (
    b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\nID=debian\n# c\nbad line\n'
)


def test_parse_and_precedence() -> None:
    assert parse_os_release(DEBIAN)["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
    distro = distro_from_files(
        {"/usr/lib/os-release": b"ID=fedora\nVERSION_ID=40\n", "/etc/os-release": DEBIAN}
    )
    assert distro is not None
    assert distro.purl_qualifier == "debian-12"
    fallback = distro_from_files(
        {"/usr/lib/os-release": b'ID=\'rhel\'\nVERSION_ID="9.4"\nID_LIKE="fedora"\n'}
    )
    assert fallback is not None
    assert (fallback.id, fallback.version_id, fallback.id_like) == ("rhel", "9.4", ("fedora",))


def test_no_id_no_distro() -> None:
    assert distro_from_files({"/etc/os-release": b"NAME=x\n"}) is None
    assert distro_from_files({}) is None
    assert distro_from_files({"/etc/os-release": b'ID="unterminated\n'}) is not None
