"""Every upstream vector in shared/versions must be ordered exactly as the reference tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.vulns.versions import (
    InvalidVersionError,
    apk,
    composer,
    dpkg,
    maven,
    nuget,
    pep440,
    rpm,
    rubygems,
    scheme_for_ecosystem,
    semver,
)
from hullcheck.vulns.versions import golang as go


def _rows(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].count("\t") >= 2, path
    # split on tabs only: some fields start with a space on purpose
    return [line.split("\t") for line in lines[1:] if line]


CMP_FILES = {
    "dpkg.tsv": dpkg.compare,
    "dpkg-extra.tsv": dpkg.compare,
    "dpkg-fragments.tsv": dpkg.compare,
    "apk.tsv": apk.compare,
    "rpm.tsv": rpm.vercmp,
    "rpm-oddities.tsv": rpm.vercmp,
    "rpm-evr.tsv": rpm.compare,
    "pep440.tsv": pep440.compare,
    "semver.tsv": semver.compare_strict,
    "semver-loose.tsv": semver.compare,
}


@pytest.mark.parametrize("name", sorted(CMP_FILES))
def test_every_comparison_vector(shared_dir: Path, name: str) -> None:
    compare = CMP_FILES[name]
    rows = _rows(shared_dir / "versions" / name)
    assert len(rows) > 10
    wrong = [(a, b, e, compare(a, b)) for a, b, e in rows if compare(a, b) != int(e)]
    assert wrong == [], f"{len(wrong)} of {len(rows)} wrong, first: {wrong[:5]}"


def test_semver_loose_vectors_are_refused_by_the_strict_parser(shared_dir: Path) -> None:
    rows = _rows(shared_dir / "versions" / "semver-loose.tsv")
    refused = 0
    for a, b, _ in rows:
        for v in (a, b):
            if not semver.is_valid(v):
                refused += 1
                with pytest.raises(InvalidVersionError):
                    semver.compare_strict(v, v)
    assert refused > 0


def test_apk_fuzzy(shared_dir: Path) -> None:
    rows = _rows(shared_dir / "versions" / "apk-fuzzy.tsv")
    assert len(rows) == 16
    for a, op, b, expected in rows:
        assert apk.fuzzy_match(a, op, b) is (expected == "1"), (a, op, b)


def test_apk_validity(shared_dir: Path) -> None:
    lines = (shared_dir / "versions" / "apk-validity.tsv").read_text().split("\n")[1:]
    rows = [line.split("\t") for line in lines if "\t" in line]
    assert len(rows) == 31
    assert ["", "0"] in rows
    for version, valid in rows:
        assert apk.is_valid(version) is (valid == "1"), version


def test_pep440_invalid(shared_dir: Path) -> None:
    lines = (shared_dir / "versions" / "pep440-invalid.txt").read_text().splitlines()
    assert len(lines) == 20
    for line in lines:
        version = json.loads(line)
        assert not pep440.is_valid(version)
        with pytest.raises(InvalidVersionError):
            pep440.compare(version, "1.0")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("go1.21.5", "1.21.5", 0),
        ("go1.21rc2", "1.21.0", -1),
        ("go1.21rc2", "1.21.0-rc.2", 0),
        ("go1.9beta1", "1.9.0-beta.1", 0),
        ("v1.2", "1.2.0", 0),
        ("v0.0.0-20230101000000-abcdefabcdef", "0.1.0", -1),
        ("v2.0.0+incompatible", "2.0.0", 0),
        ("v1.10.0", "v1.9.9", 1),
    ],
)
def test_golang(a: str, b: str, expected: int) -> None:
    assert go.compare(a, b) == expected


# From maven-artifact's ComparableVersionTest (VERSIONS_QUALIFIER / VERSIONS_NUMBER order
# and testVersionsEqual), read from the Maven documentation of version order.
MAVEN_ORDER = [
    "1-alpha2snapshot",
    "1-alpha2",
    "1-alpha-123",
    "1-beta-2",
    "1-beta123",
    "1-m2",
    "1-m11",
    "1-rc",
    "1-cr2",
    "1-rc123",
    "1-SNAPSHOT",
    "1",
    "1-sp",
    "1-sp2",
    "1-sp123",
    "1-abc",
    "1-def",
    "1-pom-1",
    "1-1-snapshot",
    "1-1",
    "1-2",
    "1-123",
]
MAVEN_NUMBERS = [
    "2.0",
    "2-1",
    "2.0.a",
    "2.0.0.a",
    "2.0.2",
    "2.0.123",
    "2.1.0",
    "2.1-a",
    "2.1b",
    "2.1-c",
    "2.1-1",
    "2.1.0.1",
    "2.2",
    "2.123",
    "11.a2",
    "11.a11",
    "11.b2",
    "11.b11",
    "11.m2",
    "11.m11",
    "11",
    "11.a",
    "11b",
    "11c",
    "11m",
]


@pytest.mark.parametrize("order", [MAVEN_ORDER, MAVEN_NUMBERS])
def test_maven_order(order: list[str]) -> None:
    for i, low in enumerate(order):
        for high in order[i + 1 :]:
            assert maven.compare(low, high) == -1, (low, high)
            assert maven.compare(high, low) == 1, (high, low)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("1", "1.0.0"),
        ("1", "1-ga"),
        ("1", "1-final"),
        ("1", "1-release"),
        ("1a1", "1-alpha-1"),
        ("1cr", "1rc"),
        ("1m3", "1milestone3"),
        ("1X", "1x"),
        ("1.0.0-GA", "1"),
    ],
)
def test_maven_equal(a: str, b: str) -> None:
    assert maven.compare(a, b) == 0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0", "1", 0),
        ("1.0.a", "1.0", -1),
        ("1.0.0.rc1", "1.0.0", -1),
        ("1.10", "1.9", 1),
        ("2.0.0-1", "2.0.0.pre.1", 0),
        ("1.0-1", "1.0.0", -1),
    ],
)
def test_rubygems(a: str, b: str, expected: int) -> None:
    assert rubygems.compare(a, b) == expected


def test_registry_by_ecosystem() -> None:
    expected = {
        "Debian:12": "dpkg",
        "Ubuntu:22.04:LTS": "dpkg",
        "Alpine:v3.19": "apk",
        "Red Hat:rhel_aus:8.6::appstream": "rpm",
        "PyPI": "pep440",
        "npm": "semver",
        "Go": "golang",
        "Maven": "maven",
        "RubyGems": "rubygems",
        "crates.io": "semver",
    }
    for eco, name in expected.items():
        scheme = scheme_for_ecosystem(eco)
        assert scheme is not None and scheme.name == name
    assert scheme_for_ecosystem("Hackage") is None


# NuGet follows SemVer 2.0 precedence (the semver.org example chain), plus 4-part versions
NUGET_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.0.1",
    "1.0.1",
    "1.10.0",
]


def test_nuget_order_and_equalities() -> None:
    for i, low in enumerate(NUGET_ORDER):
        for high in NUGET_ORDER[i + 1 :]:
            assert nuget.compare(low, high) == -1, (low, high)
            assert nuget.compare(high, low) == 1, (high, low)
    for a, b in [("1.0", "1.0.0.0"), ("1.0.0-ALPHA", "1.0.0-alpha"), ("1.0.0+build.7", "1.0.0")]:
        assert nuget.compare(a, b) == 0, (a, b)
    assert not nuget.is_valid("1.0.0-")


# PHP's version_compare documentation and Composer's normalisation
COMPOSER_ORDER = [
    "1.0.0-dev",
    "1.0.0-alpha1",
    "1.0.0-beta2",
    "1.0.0-RC1",
    "1.0.0",
    "1.0.0-pl1",
    "1.0.1",
    "1.9",
    "1.10",
]


def test_composer_order_and_normalisation() -> None:
    for i, low in enumerate(COMPOSER_ORDER):
        for high in COMPOSER_ORDER[i + 1 :]:
            assert composer.compare(low, high) == -1, (low, high)
            assert composer.compare(high, low) == 1, (high, low)
    assert composer.php_version_compare("5.2", "5.2.0") == -1  # PHP itself
    assert composer.compare("5.2", "v5.2.0") == 0  # Composer pads to four parts
    assert composer.php_version_compare("1.0rc1", "1.0") == -1
    assert composer.php_version_compare("1.0", "1.0pl1") == -1
    assert composer.php_version_compare("1.0-patch1", "1.0") == 1  # "patch" is a "p" form
