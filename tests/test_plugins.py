"""Registries load their members by name, only from their own package."""

from __future__ import annotations

import pytest

import hullcheck.report.sarif
from hullcheck.plugins import sibling_attribute, sibling_modules


def test_members_load_in_order_from_their_package() -> None:
    loaded = sibling_modules("hullcheck.report", ("sarif", "junit"))
    assert [m.__name__ for m in loaded] == ["hullcheck.report.sarif", "hullcheck.report.junit"]
    assert loaded[0] is hullcheck.report.sarif
    assert sibling_attribute("hullcheck.report", "sarif:render") is hullcheck.report.sarif.render


@pytest.mark.parametrize("name", ["..cli.main", "os.path", "cli.main", "", "a b"])
def test_a_name_never_reaches_outside_the_package(name: str) -> None:
    with pytest.raises(ValueError, match="is not a module of"):
        sibling_modules("hullcheck.report", (name,))


@pytest.mark.parametrize("spec", ["sarif", "sarif:", "sarif:render.x", "os.path:join"])
def test_an_attribute_is_module_colon_name(spec: str) -> None:
    with pytest.raises(ValueError):
        sibling_attribute("hullcheck.report", spec)


def test_a_missing_member_fails_loudly() -> None:
    with pytest.raises(ModuleNotFoundError):
        sibling_modules("hullcheck.report", ("no_such_format",))
