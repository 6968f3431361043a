from __future__ import annotations

from hullcheck.model import Package
from tests.support.catalog_compare import compare


def _p(name: str, version: str, type_: str = "deb") -> Package:
    return Package(name=name, version=version, type=type_, purl="")


def test_agreement_counts_union() -> None:
    comp = compare([_p("a", "1"), _p("b", "1"), _p("x", "1", "npm")], [_p("a", "1"), _p("b", "2")])
    assert comp.both == {("deb", "a", "1")}
    assert comp.only_ours == {("deb", "b", "1"), ("npm", "x", "1")}
    assert comp.only_theirs == {("deb", "b", "2")}
    assert comp.agreement == 0.25
    assert comp.restricted({"npm"}).agreement == 0.0
    assert compare([], []).agreement == 1.0
