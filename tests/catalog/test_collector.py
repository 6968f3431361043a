from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.catalog.base import CatalogContext, Cataloger
from hullcheck.catalog.collector import Collector, catalog_directory
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.errors import InputError
from hullcheck.model import FileRef, Package

from .helpers import catalog, catalog_dir, ref

META = "/venv/lib/python3.11/site-packages/{0}-{1}.dist-info/METADATA"
STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n"


def _meta(name: str, version: str) -> tuple[FileRef, bytes]:
    content = f"Name: {name}\nVersion: {version}\n".encode()
    return FileRef(META.format(name, version), len(content)), content


def _layered(path: str, content: bytes, layer: int) -> FileRef:
    return FileRef(path=path, size=len(content), layer_index=layer, layer_digest=f"sha256:{layer}")


def test_layer_is_recorded_and_overwrite_replaces() -> None:
    c = Collector(CATALOGERS)
    path = "/venv/lib/python3.11/site-packages/a-1.dist-info/METADATA"
    c.feed(_layered(path, b"", 0), b"Name: a\nVersion: 1\n")
    c.feed(_layered(path, b"", 2), b"Name: a\nVersion: 1.1\n")
    (pkg,) = c.finish().packages
    assert (pkg.version, pkg.layer_index, pkg.layer_digest) == ("1.1", 2, "sha256:2")


def test_whiteout_and_opaque_drop_earlier_layers_only() -> None:
    c = Collector(CATALOGERS)
    c.feed(_layered("/a/x-1.dist-info/METADATA", b"", 0), b"Name: x\nVersion: 1\n")
    c.feed(_layered("/a/y-1.dist-info/METADATA", b"", 0), b"Name: y\nVersion: 1\n")
    c.feed(_layered("/b/z-1.dist-info/METADATA", b"", 0), b"Name: z\nVersion: 1\n")
    c.feed(_layered("/var/lib/dpkg/status", b"", 0), STATUS)
    c.delete("/a/x-1.dist-info", 1)
    c.opaque("/b", 1)
    c.feed(_layered("/b/w-1.dist-info/METADATA", b"", 1), b"Name: w\nVersion: 1\n")
    c.opaque("/b", 1)  # the same layer's own files are not hidden by its opaque marker
    c.delete("/var/lib/dpkg/status", 2)
    assert sorted(p.name for p in c.finish().packages) == ["w", "y"]


def test_unreadable_replacement_forgets_old_result() -> None:
    c = Collector(CATALOGERS)
    c.feed(_layered("/var/lib/dpkg/status", b"", 0), STATUS)
    c.feed(_layered("/var/lib/dpkg/status", b"", 1), None)
    assert c.finish().packages == []


def test_distro_and_deferred_parse() -> None:
    files = [
        (ref("/usr/lib/os-release"), b"ID=debian\nVERSION_ID=12\n"),
        (ref("/var/lib/dpkg/status"), STATUS),
        _meta("a", "1"),
    ]
    result = catalog(files)
    assert result.distro is not None
    assert result.distro.id == "debian"
    purls = [p.purl for p in result.packages]
    assert purls == ["pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12", "pkg:pypi/a@1"]


def test_a_failing_parser_costs_one_file() -> None:
    def boom(file: FileRef, content: bytes, context: CatalogContext) -> list[Package]:
        raise ValueError("bad header")

    broken = Cataloger(name="broken", wants=lambda p: p.endswith(".bad"), parse=boom)
    result = catalog(
        [(ref("/x.bad"), b"x"), _meta("a", "1")], (*CATALOGERS, broken), expect=["/x.bad"]
    )
    assert [p.name for p in result.packages] == ["a"]
    assert result.errors[0].path == "/x.bad"
    assert "bad header" in result.errors[0].message


def test_a_partly_read_database_keeps_its_packages_and_reports_the_loss() -> None:
    damaged = STATUS + b"\n\nthis line is not a field\n"
    result = catalog([(ref("/var/lib/dpkg/status"), damaged)], expect=["/var/lib/dpkg/status"])
    assert [p.name for p in result.packages] == ["bash"]
    (error,) = result.errors
    assert "read in part: 1 unreadable line(s)" in error.message
    assert error.diagnostic().level == "error"


def test_wants_and_limits() -> None:
    c = Collector(CATALOGERS)
    assert c.wants(ref("/var/lib/dpkg/status"))
    assert not c.wants(FileRef("/var/lib/dpkg/status", 0, mode=0o120777))
    assert not c.wants(ref("/etc/passwd"))
    assert c.size_limit(ref("/var/lib/dpkg/status")) >= 1024 * 1024


def test_directory_driver_does_not_follow_symlinks(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "status").write_bytes(STATUS)
    root = tmp_path / "rootfs"
    (root / "var/lib/dpkg").mkdir(parents=True)
    os.symlink(outside / "status", root / "var/lib/dpkg/status")
    site = root / "venv/site-packages/a-1.dist-info"
    site.mkdir(parents=True)
    (site / "METADATA").write_bytes(b"Name: a\nVersion: 1\n")
    result = catalog_dir(root)
    assert [(p.name, p.files) for p in result.packages] == [
        ("a", ("/venv/site-packages/a-1.dist-info/METADATA",))
    ]


def test_directory_driver_rejects_non_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        catalog_directory(tmp_path / "missing", CATALOGERS)


def test_finish_with_a_survival_predicate() -> None:
    c = Collector(CATALOGERS)
    c.feed(_layered("/a/x-1.dist-info/METADATA", b"", 0), b"Name: x\nVersion: 1\n")
    c.feed(_layered("/a/y-1.dist-info/METADATA", b"", 1), b"Name: y\nVersion: 1\n")
    c.feed(_layered("/usr/lib/os-release", b"", 0), b"ID=debian\nVERSION_ID=12\n")
    c.feed(_layered("/var/lib/dpkg/status", b"", 0), STATUS)
    deleted = {("/a/x-1.dist-info/METADATA", 0), ("/usr/lib/os-release", 0)}
    result = c.finish(survives=lambda ref: (ref.path, ref.layer_index) not in deleted)
    assert [p.name for p in result.packages] == ["bash", "y"]
    assert result.distro is None
    assert result.packages[0].purl == "pkg:deb/debian/bash@5.2?arch=amd64"
