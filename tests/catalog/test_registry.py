"""Every cataloger module is registered once, has a unique name and its own test module."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import hullcheck.catalog
from hullcheck.catalog.base import Cataloger
from hullcheck.catalog.registry import CATALOGERS


def _cataloger_modules() -> dict[str, Cataloger]:
    found = {}
    for info in pkgutil.iter_modules(hullcheck.catalog.__path__):
        module = importlib.import_module(f"hullcheck.catalog.{info.name}")
        cataloger = getattr(module, "CATALOGER", None)
        if isinstance(cataloger, Cataloger):
            found[info.name] = cataloger
    return found


def test_every_cataloger_registered_once_with_a_test() -> None:
    modules = _cataloger_modules()
    assert len(modules) >= 11
    assert set(modules.values()) <= set(CATALOGERS)
    assert len(CATALOGERS) == len(set(CATALOGERS)) == len(modules)
    names = [c.name for c in CATALOGERS]
    assert len(names) == len(set(names))
    here = Path(__file__).parent
    missing = [m for m in modules if not (here / f"test_{m}.py").is_file()]
    assert missing == []
