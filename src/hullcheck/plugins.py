"""Load a registry's members by name, so that registering one is one line.

Each registry (rule families, image rule families, catalogers, output formats, image
sources) lists its members by module name.  The names are resolved here, and only inside
the registry's own package: a dynamic import is invisible to the import-linter layers,
so confining it to siblings keeps those layers true.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import Any


def sibling_modules(package: str, names: Iterable[str]) -> tuple[ModuleType, ...]:
    """The modules ``package.NAME`` for each name, imported in order."""
    return tuple(importlib.import_module(_sibling(package, name)) for name in names)


def sibling_attribute(package: str, spec: str) -> Any:
    """``MODULE:ATTRIBUTE`` of a module inside ``package``, imported when asked for."""
    module, colon, attribute = spec.partition(":")
    if not colon or not attribute.isidentifier():
        raise ValueError(f"{spec!r} is not MODULE:ATTRIBUTE")
    return getattr(importlib.import_module(_sibling(package, module)), attribute)


def _sibling(package: str, name: str) -> str:
    if not name.isidentifier():  # no dots: a registry never reaches outside its package
        raise ValueError(f"{name!r} is not a module of {package}")
    return f"{package}.{name}"
