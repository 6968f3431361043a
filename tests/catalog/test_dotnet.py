from __future__ import annotations

import json

from hullcheck.catalog import dotnet
from hullcheck.catalog.base import CatalogContext

from .helpers import ref

DEPS = {
    "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"},
    "libraries": {
        "MyApp/1.0.0": {"type": "project", "serviceable": False},
        "Newtonsoft.Json/13.0.1": {"type": "package", "sha512": "sha512-abc"},
        "runtimepack.Microsoft.NETCore.App.Runtime/8.0.0": {"type": "runtimepack"},
    },
}


def test_deps_json() -> None:
    path = "/app/MyApp.deps.json"
    assert dotnet.wants(path)
    pkgs = dotnet.parse(ref(path), json.dumps(DEPS).encode(), CatalogContext())
    assert [(p.name, p.version, p.purl) for p in pkgs] == [
        ("MyApp", "1.0.0", "pkg:nuget/MyApp@1.0.0"),
        ("Newtonsoft.Json", "13.0.1", "pkg:nuget/Newtonsoft.Json@13.0.1"),
    ]


def test_not_a_manifest() -> None:
    assert dotnet.parse(ref("/a.deps.json"), b"[]", CatalogContext()) == []
