from __future__ import annotations

import json

import pytest

from hullcheck.catalog import composer
from hullcheck.catalog.base import CatalogContext

from .helpers import ref

PATH = "/var/www/vendor/composer/installed.json"


def test_v2_and_v1_layouts() -> None:
    item = {"name": "monolog/monolog", "version": "2.9.1", "license": ["MIT"]}
    for doc in ({"packages": [item], "dev": False}, [item]):
        (pkg,) = composer.parse(ref(PATH), json.dumps(doc).encode(), CatalogContext())
        assert pkg.purl == "pkg:composer/monolog/monolog@2.9.1"
        assert pkg.licenses == ("MIT",)
    assert composer.wants(PATH)


def test_bad_json_raises_for_the_collector() -> None:
    with pytest.raises(ValueError):
        composer.parse(ref(PATH), b"{", CatalogContext())
    assert composer.parse(ref(PATH), b'{"packages": 3}', CatalogContext()) == []
