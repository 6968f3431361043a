from __future__ import annotations

import json

from hullcheck.catalog import npm
from hullcheck.catalog.base import CatalogContext

from .helpers import ref


def _parse(data: object, path: str = "/app/node_modules/x/package.json") -> list:  # type: ignore[type-arg]
    return npm.parse(ref(path), json.dumps(data).encode(), CatalogContext())


def test_plain_and_scoped_packages() -> None:
    (pkg,) = _parse({"name": "lodash", "version": "4.17.4", "license": "MIT"})
    assert (pkg.purl, pkg.licenses) == ("pkg:npm/lodash@4.17.4", ("MIT",))
    (pkg,) = _parse({"name": "@babel/core", "version": "7.0.0", "licenses": [{"type": "MIT"}]})
    assert pkg.purl == "pkg:npm/%40babel/core@7.0.0"
    assert pkg.name == "@babel/core"
    assert pkg.licenses == ("MIT",)


def test_not_packages() -> None:
    assert _parse({"name": "x"}) == []
    assert _parse(["not", "an", "object"]) == []
    assert npm.parse(ref("/p/package.json"), b"{not json", CatalogContext()) == []
    assert npm.parse(ref("/p/package.json"), b"[" * 100000, CatalogContext()) == []


def test_wants() -> None:
    assert npm.wants("/app/node_modules/@scope/pkg/package.json")
    assert npm.wants("/package.json")
    assert not npm.wants("/app/package-lock.json")
