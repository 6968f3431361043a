"""OSV range semantics: introduced/fixed/last_affected/limit, versions lists, SEMVER vs
ECOSYSTEM, GIT ignored, and the lowest fix above the installed version."""

from __future__ import annotations

import pytest

from hullcheck.vulns.osv import Affected, Event, Range
from hullcheck.vulns.ranges import evaluate
from hullcheck.vulns.versions import scheme_by_name

PEP440 = scheme_by_name("pep440")
DPKG = scheme_by_name("dpkg")
GO = scheme_by_name("golang")


def aff(*ranges: Range, versions: tuple[str, ...] = ()) -> Affected:
    return Affected("PyPI", "x", None, ranges, frozenset(versions), (), None)


def rng(kind: str, *events: tuple[str, str]) -> Range:
    return Range(kind, tuple(Event(k, v) for k, v in events))


@pytest.mark.parametrize(
    ("version", "affected", "fixed"),
    [
        ("0.9", True, "1.0"),
        ("1.0", False, None),  # fixed is exclusive
        ("1.5", False, None),
        ("2.0", True, "2.5"),  # introduced is inclusive
        ("2.4.9", True, "2.5"),
        ("2.5", False, None),
        ("3.0", False, None),
    ],
)
def test_two_intervals_in_one_range(version: str, affected: bool, fixed: str | None) -> None:
    # events out of order on purpose: they are sorted by version before the walk
    r = rng(
        "ECOSYSTEM", ("introduced", "2.0"), ("fixed", "2.5"), ("introduced", "0"), ("fixed", "1.0")
    )
    verdict = evaluate(version, aff(r), PEP440)
    assert (verdict.affected, verdict.fixed_version) == (affected, fixed)


def test_last_affected_is_inclusive() -> None:
    r = rng("ECOSYSTEM", ("introduced", "1.0"), ("last_affected", "1.4"))
    assert evaluate("1.4", aff(r), PEP440).affected
    assert evaluate("1.4.post1", aff(r), PEP440).affected is False
    assert evaluate("0.9", aff(r), PEP440).affected is False
    assert evaluate("1.2", aff(r), PEP440).fixed_version is None  # no fix known


def test_limit_bounds_the_range() -> None:
    r = rng("ECOSYSTEM", ("introduced", "0"), ("limit", "2.0"))
    assert evaluate("1.9", aff(r), PEP440).affected
    assert not evaluate("2.0", aff(r), PEP440).affected


def test_introduced_only_affects_everything_after() -> None:
    r = rng("ECOSYSTEM", ("introduced", "3.1"))
    assert evaluate("99", aff(r), PEP440).affected
    assert not evaluate("3.0", aff(r), PEP440).affected


def test_versions_list_alone_and_with_git() -> None:
    git = Range("GIT", (Event("introduced", "0"), Event("fixed", "a" * 40)))
    entry = aff(git, versions=("1.0", "1.1"))
    assert evaluate("1.1", entry, PEP440).affected
    assert not evaluate("1.2", entry, PEP440).affected
    # PEP 440 spelling differences are looked up through the normalized form
    assert evaluate("1.1.0", entry, PEP440, normalized="1.1.0").affected is False
    assert evaluate("v1.1", entry, PEP440, normalized="1.1").affected


def test_git_ranges_are_not_evaluated() -> None:
    git = Range("GIT", (Event("introduced", "0"), Event("fixed", "b" * 40)))
    verdict = evaluate("1.0", aff(git), PEP440)
    assert not verdict.affected and not verdict.evaluated


def test_semver_range_uses_semver_not_ecosystem_rules() -> None:
    # 1.0.0-rc.1 < 1.0.0 in SemVer; PEP 440 would not even parse "rc.1" the same way
    r = rng("SEMVER", ("introduced", "0"), ("fixed", "1.0.0"))
    assert evaluate("1.0.0-rc.1", aff(r), PEP440).affected
    assert not evaluate("1.0.0+build.5", aff(r), PEP440).affected


def test_go_semver_ranges_take_go_versions() -> None:
    r = rng("SEMVER", ("introduced", "1.20.0"), ("fixed", "1.20.2"))
    entry = Affected("Go", "stdlib", None, (r,), frozenset(), (), None)
    assert evaluate("go1.20.1", entry, GO).affected
    assert evaluate("v1.20.1", entry, GO).affected
    assert not evaluate("go1.20.2", entry, GO).affected


def test_lowest_fix_above_the_installed_version() -> None:
    # a Debian-style record listing fixes for several branches
    r1 = rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.2-3+deb11u2"))
    r2 = rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "1.2-3+deb11u1"))
    verdict = evaluate("1.2-3", aff(r1, r2), DPKG)
    assert verdict.fixed_version == "1.2-3+deb11u1"
    verdict = evaluate("1.2-3+deb11u1", aff(r1, r2), DPKG)
    assert verdict.affected and verdict.fixed_version == "1.2-3+deb11u2"


def test_unorderable_installed_version_is_no_claim() -> None:
    r = rng("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0"))
    verdict = evaluate("french toast", aff(r), PEP440)
    assert not verdict.affected and not verdict.evaluated
