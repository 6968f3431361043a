"""Every cataloger hullcheck runs, in one explicit tuple (add yours with one line)."""

from __future__ import annotations

from hullcheck.catalog import apk, cargo, dpkg, golang, npm, python, rpm
from hullcheck.catalog.base import Cataloger

CATALOGERS: tuple[Cataloger, ...] = (
    dpkg.CATALOGER,
    apk.CATALOGER,
    rpm.CATALOGER,
    python.CATALOGER,
    npm.CATALOGER,
    golang.CATALOGER,
    cargo.CATALOGER,
)
