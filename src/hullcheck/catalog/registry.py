"""Every cataloger hullcheck runs, in one explicit tuple (add yours with one line)."""

from __future__ import annotations

from hullcheck.catalog import (
    apk,
    cargo,
    composer,
    dotnet,
    dpkg,
    golang,
    java,
    npm,
    python,
    rpm,
    ruby,
)
from hullcheck.catalog.base import Cataloger

CATALOGERS: tuple[Cataloger, ...] = (
    dpkg.CATALOGER,
    apk.CATALOGER,
    rpm.CATALOGER,
    python.CATALOGER,
    npm.CATALOGER,
    java.CATALOGER,
    ruby.CATALOGER,
    composer.CATALOGER,
    dotnet.CATALOGER,
    golang.CATALOGER,
    cargo.CATALOGER,
)
