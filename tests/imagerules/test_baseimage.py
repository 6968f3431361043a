"""Base image rules (HC8301-HC8304): end of life from the dated data file, age, fat bases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hullcheck.imagerules.baseimage import lookup_release, parse_os_release
from hullcheck.imagerules.data import load
from hullcheck.model import Severity
from hullcheck.vulns.eol import shipped
from tests.fixtures.imagebuilder import Dir, File, Layer, Symlink

from .helpers import PASSWD, by_rule, rule_ids, scan


def _os(os_release: bytes, *extra: object) -> Layer:
    return Layer(
        [Dir("etc"), File("etc/os-release", os_release), File("etc/passwd", PASSWD), *extra]  # type: ignore[list-item]
    )


@pytest.mark.parametrize(
    ("os_release", "severity"),
    [
        (b'ID=debian\nVERSION_ID="10"\n', Severity.HIGH),  # buster: LTS ended 2024-06-30
        (b"ID=alpine\nVERSION_ID=3.16.9\n", Severity.HIGH),
        (b'ID=ubuntu\nVERSION_ID="20.04"\n', Severity.HIGH),  # standard support ended
        (b'ID="rhel"\nVERSION_ID="7.9"\n', Severity.HIGH),
        (b'ID=debian\nVERSION_ID="11"\n', Severity.LOW),  # in LTS until 2026-08-31
    ],
)
def test_end_of_life(tmp_path: Path, os_release: bytes, severity: Severity) -> None:
    now = datetime(2025, 9, 1, tzinfo=UTC)
    report = scan(tmp_path, [_os(os_release)], now=now, max_age_days=9999)
    (f,) = by_rule(report, "HC8301")
    assert f.severity is severity
    assert f.location.file == "/etc/os-release"


@pytest.mark.parametrize(
    "os_release",
    [
        b'ID=debian\nVERSION_ID="12"\n',
        b"ID=alpine\nVERSION_ID=3.22.1\n",
        b'ID=ubuntu\nVERSION_ID="24.04"\n',
    ],
)
def test_supported_release_is_not_eol(tmp_path: Path, os_release: bytes) -> None:
    now = datetime(2025, 9, 1, tzinfo=UTC)
    report = scan(tmp_path, [_os(os_release)], now=now)
    assert "HC8301" not in rule_ids(report)
    assert report.summary["base_os"]["eol"]


def test_os_release_through_symlink_and_in_summary(tmp_path: Path) -> None:
    layer = Layer(
        [
            Dir("etc"),
            Symlink("etc/os-release", "../usr/lib/os-release"),
            File("etc/passwd", PASSWD),
            Dir("usr"),
            Dir("usr/lib"),
            File(
                "usr/lib/os-release",
                b'PRETTY_NAME="Debian GNU/Linux 9"\nID=debian\nVERSION_ID="9"\n',
            ),
        ]
    )
    report = scan(tmp_path, [layer])
    base = report.summary["base_os"]
    assert base["id"] == "debian" and base["version_id"] == "9"
    assert base["eol_data_as_of"] == load("eol.json")["as_of"]
    assert "HC8301" in rule_ids(report)


def test_unknown_distribution_is_info(tmp_path: Path) -> None:
    report = scan(tmp_path, [Layer([Dir("etc"), File("etc/passwd", PASSWD), File("app", b"x")])])
    (f,) = by_rule(report, "HC8304")
    assert f.severity is Severity.INFO


def test_alpine_release_file_fallback() -> None:
    data = shipped()
    found = lookup_release(data, "alpine", "3.18.4")
    assert found is not None
    assert (found.key, found.eol.isoformat()) == (
        "3.18",
        load("eol.json")["distributions"]["alpine"]["3.18"]["eol"],
    )
    assert lookup_release(data, "debian", "12") is not None
    assert lookup_release(data, "debian", "") is None
    assert lookup_release(data, "plan9", "4") is None
    assert lookup_release(data, "python", "3.8") is None  # runtimes are not distributions
    assert parse_os_release(b"ID=\"ubuntu\"\nVERSION_ID='22.04'\ngarbage\n") == {
        "ID": "ubuntu",
        "VERSION_ID": "22.04",
    }


def test_image_age_uses_the_injected_clock(tmp_path: Path) -> None:
    layer = _os(b"ID=debian\nVERSION_ID=12\n")
    old = scan(tmp_path, [layer], now=datetime(2025, 6, 1, tzinfo=UTC))
    (f,) = by_rule(old, "HC8302")
    assert f.extra["age_days"] == 151
    young = scan(tmp_path / "y", [layer], now=datetime(2025, 3, 31, tzinfo=UTC))
    assert "HC8302" not in rule_ids(young)  # 89 days
    strict = scan(tmp_path / "s", [layer], now=datetime(2025, 1, 20, tzinfo=UTC), max_age_days=7)
    assert "HC8302" in rule_ids(strict)


def test_fat_debian_base(tmp_path: Path) -> None:
    status = b"".join(
        b"Package: p%d\nStatus: install ok installed\nVersion: 1.0-1\n\n" % i for i in range(200)
    )
    layer = _os(
        b"ID=debian\nVERSION_ID=12\n",
        Dir("var"),
        Dir("var/lib"),
        Dir("var/lib/dpkg"),
        File("var/lib/dpkg/status", status),
    )
    (f,) = by_rule(scan(tmp_path, [layer]), "HC8303")
    assert f.extra["packages"] == 200
    slim = _os(
        b"ID=debian\nVERSION_ID=12\n",
        Dir("usr"),
        Dir("usr/share"),
        Dir("usr/share/doc"),
        File("usr/share/doc/copyright", b"c" * 1000),
    )
    assert "HC8303" not in rule_ids(scan(tmp_path / "s", [slim]))
