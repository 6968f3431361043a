"""The package entries of a JSON lock or manifest list (Composer's ``installed.json``,
cargo-auditable's ``packages``): what a cataloger can name, the rest skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def named_entries(items: object) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Each object of the list ``items`` with a non-empty string ``name`` and ``version``,
    as ``(entry, name, version)``; anything else (not a list, other entries) yields
    nothing, since a damaged file must not stop the catalog."""
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        name, version = item.get("name"), item.get("version")
        if isinstance(name, str) and isinstance(version, str) and name and version:
            yield item, name, version
