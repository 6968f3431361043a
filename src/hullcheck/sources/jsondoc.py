"""Bounded parsing of JSON documents found in images (manifests, indexes, configs)."""

from __future__ import annotations

import json
from typing import Any

from hullcheck.errors import ImageError


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a parsed value, stopping as soon as ``limit`` is exceeded."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        if level > deepest:
            deepest = level
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def parse_json_object(data: bytes, what: str, max_bytes: int, max_depth: int) -> dict[str, Any]:
    """Parse ``data`` as a JSON object of at most ``max_bytes`` and ``max_depth`` levels.

    Any failure (too big, not UTF-8, not JSON, too deep, not an object) is one
    ``ImageError`` naming ``what``.
    """
    if len(data) > max_bytes:
        raise ImageError(f"{what} is {len(data)} bytes, over the {max_bytes}-byte limit")
    try:
        value = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImageError(f"{what} is not UTF-8 text") from None
    except RecursionError:
        raise ImageError(f"{what} is nested deeper than {max_depth} levels") from None
    except ValueError as err:
        raise ImageError(f"{what} is not valid JSON ({err})") from None
    if not isinstance(value, dict):
        raise ImageError(f"{what} is not a JSON object")
    if _depth(value, max_depth) > max_depth:
        raise ImageError(f"{what} is nested deeper than {max_depth} levels")
    return value
