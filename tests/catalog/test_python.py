from __future__ import annotations

from hullcheck.catalog import python
from hullcheck.catalog.base import CatalogContext

from .helpers import ref

METADATA = b"""Metadata-Version: 2.1
Name: Jinja2
Version: 2.10
Summary: A small but fast and easy to use stand-alone template engine.
License: BSD
Classifier: License :: OSI Approved :: BSD License

Name: not-a-header-this-is-the-body
"""


def test_dist_info_metadata() -> None:
    path = "/opt/venv/lib/python3.11/site-packages/Jinja2-2.10.dist-info/METADATA"
    (pkg,) = python.parse(ref(path), METADATA, CatalogContext())
    assert (pkg.name, pkg.version, pkg.type) == ("jinja2", "2.10", "pypi")
    assert pkg.purl == "pkg:pypi/jinja2@2.10"
    assert pkg.licenses == ("BSD",)
    assert pkg.metadata["site_packages"] == "/opt/venv/lib/python3.11/site-packages"


def test_licence_expression_wins_and_classifiers_fallback() -> None:
    expr = b"Name: a\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\nLicense: whatever\n"
    (pkg,) = python.parse(ref("/x/a-1.dist-info/METADATA"), expr, CatalogContext())
    assert pkg.licenses == ("MIT OR Apache-2.0",)
    classifier = (
        b"Name: b\nVersion: 1\nLicense: UNKNOWN\n"
        b"Classifier: License :: OSI Approved :: MIT License\n"
    )
    (pkg,) = python.parse(ref("/x/b-1.dist-info/METADATA"), classifier, CatalogContext())
    assert pkg.licenses == ("MIT License",)


def test_globs_and_names() -> None:
    assert python.wants("/usr/lib/python3/dist-packages/foo-1.0.egg-info/PKG-INFO")
    assert python.wants("/usr/lib/python3/dist-packages/foo-1.0.egg-info")
    assert python.wants("/a/b/zope.interface-5.dist-info/METADATA")
    assert not python.wants("/a/b/zope.interface-5.dist-info/RECORD")
    assert python.normalise_name("Zope.Interface__x") == "zope-interface-x"


def test_missing_version_is_not_a_package() -> None:
    assert python.parse(ref("/a-1.dist-info/METADATA"), b"Name: a\n", CatalogContext()) == []
