"""The small data files the image rules ship (``hullcheck/data/*.json``), read once."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def load(name: str) -> Any:
    """The parsed JSON file ``hullcheck/data/<name>``."""
    return json.loads(resources.files("hullcheck").joinpath("data", name).read_text("utf-8"))


def usual_setuid() -> frozenset[str]:
    """setuid/setgid paths distributions ship (both ``/usr/bin/x`` and ``/bin/x``)."""
    paths: set[str] = set()
    for path in load("setuid.json")["common"]:
        paths.add(path)
        if path.startswith("/usr/"):
            paths.add(path[4:])
    return frozenset(paths)
