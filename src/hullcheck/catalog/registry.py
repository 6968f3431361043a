"""Every cataloger hullcheck runs, in one explicit tuple (add yours with one line)."""

from __future__ import annotations

from hullcheck.catalog.base import Cataloger
from hullcheck.plugins import sibling_modules

CATALOGERS: tuple[Cataloger, ...] = tuple(
    module.CATALOGER
    for module in sibling_modules(
        "hullcheck.catalog",
        (
            "dpkg",
            "apk",
            "rpm",
            "python",
            "npm",
            "java",
            "ruby",
            "composer",
            "dotnet",
            "golang",
            "cargo",
            "cran",
        ),
    )
)
