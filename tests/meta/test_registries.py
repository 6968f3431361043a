"""A module written for a registry but left out of it would never run: every image rule
family, cataloger and output format module under its package is registered."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import hullcheck.catalog
import hullcheck.imagerules
import hullcheck.report
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.imagerules.registry import FAMILIES
from hullcheck.report.registry import FORMATS
from hullcheck.sources.open import KINDS, OPENERS


def _modules(package: ModuleType) -> list[ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{m.name}")
        for m in pkgutil.iter_modules(package.__path__)
    ]


def test_every_image_rule_family_is_registered() -> None:
    families = {m.__name__ for m in _modules(hullcheck.imagerules) if hasattr(m, "analyser")}
    assert families == {m.__name__ for m in FAMILIES}


def test_every_cataloger_is_registered() -> None:
    found = {id(m.CATALOGER) for m in _modules(hullcheck.catalog) if hasattr(m, "CATALOGER")}
    assert found and found == {id(c) for c in CATALOGERS}


def test_every_format_module_is_registered() -> None:
    renderers = {
        m.__name__ for m in _modules(hullcheck.report) if callable(getattr(m, "render", None))
    }
    registered = {f.renderer.__name__ for f in FORMATS}  # type: ignore[attr-defined]
    assert renderers == registered, renderers ^ registered


def test_every_source_kind_has_an_opener() -> None:
    assert tuple(OPENERS) == KINDS
    assert {"docker-archive", "oci", "oci-archive", "registry", "docker", "dir"} <= set(KINDS)
