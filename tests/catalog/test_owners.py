"""Language packages an OS package installed: marked with their owner, never matched.

Each OS database is read the way its package manager writes it: dpkg's
``info/<package>.list``, apk's ``F:``/``R:`` lines, rpm's DIRNAMES/BASENAMES (built here
by the real ``rpmbuild`` and ``rpm``).  Near misses: a file the OS package does not list
(a venv, ``npm install`` output) stays unowned.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from hullcheck.catalog import npm, python
from hullcheck.catalog.base import CatalogContext
from hullcheck.model import Package
from hullcheck.vulns.matcher import MatchStats, match_packages

from .helpers import catalog, catalog_dir, ref

OS_RELEASE = b'ID=debian\nVERSION_ID="12"\n'
STATUS = b"""Package: node-undici
Status: install ok installed
Architecture: all
Version: 5.15.0+dfsg1+~cs20.10.9.3-1+deb12u4
Source: node-undici

Package: python3-pip
Status: install ok installed
Architecture: all
Version: 23.0.1+dfsg-1
Source: python-pip
"""
UNDICI = "/usr/share/nodejs/undici/package.json"
PIP = "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA"
METADATA = b"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"


def _write(root: Path, path: str, content: bytes) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _debian_root(root: Path) -> None:
    _write(root, "/etc/os-release", OS_RELEASE)
    _write(root, "/var/lib/dpkg/status", STATUS)
    _write(root, UNDICI, json.dumps({"name": "undici", "version": "5.15.0"}).encode())
    _write(root, PIP, METADATA.replace(b"{name}", b"pip").replace(b"{version}", b"23.0.1"))
    _write(
        root, "/var/lib/dpkg/info/node-undici.list", f"/.\n/usr/share/nodejs\n{UNDICI}\n".encode()
    )
    # a multi-arch list name; merged /usr: the package lists /lib, the image has /usr/lib
    _write(root, "/var/lib/dpkg/info/python3-pip:all.list", PIP.removeprefix("/usr").encode())
    # near miss: pip installed into a venv by the image's own RUN
    venv = "/opt/venv/lib/python3.11/site-packages/pip-23.0.1.dist-info/METADATA"
    _write(root, venv, METADATA.replace(b"{name}", b"pip").replace(b"{version}", b"23.0.1"))


def test_dpkg_file_lists_mark_owner(tmp_path: Path) -> None:
    _debian_root(tmp_path)
    pkgs = {(p.type, p.files[0]): p for p in catalog_dir(tmp_path).packages}
    undici = pkgs[("npm", UNDICI)]
    assert undici.owner is not None
    assert undici.owner.startswith("pkg:deb/debian/node-undici@5.15.0")
    assert pkgs[("pypi", PIP)].owner is not None
    assert pkgs[("pypi", PIP)].owner.startswith("pkg:deb/debian/python3-pip@")  # type: ignore[union-attr]
    venv = next(p for (t, f), p in pkgs.items() if t == "pypi" and f.startswith("/opt/venv"))
    assert venv.owner is None
    assert pkgs[("deb", "/var/lib/dpkg/status")].owner is None


def test_owned_packages_are_not_matched(tmp_path: Path) -> None:
    _debian_root(tmp_path)
    packages = catalog_dir(tmp_path).packages
    stats = MatchStats()

    class _NoDb:
        def __getattr__(self, name: str) -> object:  # any lookup would mean a match attempt
            raise AssertionError(f"owned package looked up: {name}")

    owned = [p for p in packages if p.owner]
    assert len(owned) == 2
    assert match_packages(owned, _NoDb(), None, stats) == []  # type: ignore[arg-type]
    assert stats.owned == 2


def test_later_layer_deleting_the_list_drops_ownership() -> None:
    files = [
        (ref("/etc/os-release", OS_RELEASE, 0), OS_RELEASE),
        (ref("/var/lib/dpkg/status", STATUS, 0), STATUS),
        (ref("/var/lib/dpkg/info/node-undici.list", b"", 0), UNDICI.encode()),
        (ref(UNDICI, b"", 0), json.dumps({"name": "undici", "version": "5.15.0"}).encode()),
    ]
    owned = [p for p in catalog(files).packages if p.type == "npm"]
    assert owned[0].owner
    # the same files, but the list was replaced by one that no longer names the path
    files[2] = (ref("/var/lib/dpkg/info/node-undici.list", b"", 1), b"/usr/share/nodejs\n")
    assert next(p for p in catalog(files).packages if p.type == "npm").owner is None


APK_DB = b"""P:py3-pip
V:23.1.2-r0
A:noarch
o:py3-pip
F:usr/lib/python3.11/site-packages/pip-23.1.2.dist-info
R:METADATA
R:RECORD

P:musl
V:1.2.5-r0
A:x86_64
F:lib
R:ld-musl-x86_64.so.1
"""


def test_apk_installed_db_marks_owner() -> None:
    meta = "/usr/lib/python3.11/site-packages/pip-23.1.2.dist-info/METADATA"
    other = "/usr/lib/python3.11/site-packages/pipx-23.1.2.dist-info/METADATA"
    content = METADATA.replace(b"{name}", b"pip").replace(b"{version}", b"23.1.2")
    files = [
        (ref("/etc/os-release", b"", 0), b"ID=alpine\nVERSION_ID=3.20.3\n"),
        (ref("/lib/apk/db/installed", b"", 0), APK_DB),
        (ref(meta, b"", 0), content),
        (ref(other, b"", 0), content.replace(b"pip", b"pipx")),
    ]
    pkgs = {p.name: p for p in catalog(files).packages}
    assert (pkgs["pip"].owner or "").startswith("pkg:apk/alpine/py3-pip@23.1.2-r0")
    assert pkgs["pipx"].owner is None


RPM_SPEC = """Name: python3-six
Version: 1.16.0
Release: 1
Summary: test
License: MIT
BuildArch: noarch
%description
test
%install
mkdir -p %{buildroot}/usr/lib/python3.9/site-packages/six-1.16.0.dist-info
cd %{buildroot}/usr/lib/python3.9/site-packages/six-1.16.0.dist-info
printf 'Name: six\\nVersion: 1.16.0\\n' > METADATA
%files
/usr/lib/python3.9/site-packages/six-1.16.0.dist-info/METADATA
"""


def test_rpm_file_lists_mark_owner(tmp_path: Path) -> None:
    if not shutil.which("rpmbuild") or not shutil.which("rpm"):
        pytest.skip("rpm tools not installed")
    spec = tmp_path / "six.spec"
    spec.write_text(RPM_SPEC)
    subprocess.run(
        ["rpmbuild", "-bb", "--define", f"_topdir {tmp_path / 'top'}", str(spec)],
        check=True,
        capture_output=True,
    )
    dbpath = tmp_path / "db"
    dbpath.mkdir()
    subprocess.run(["rpm", "--initdb", "--dbpath", str(dbpath)], check=True)
    rpms = [str(p) for p in (tmp_path / "top").rglob("*.rpm")]
    subprocess.run(
        ["rpm", "-i", "--justdb", "--nodeps", "--noscripts", "--dbpath", str(dbpath), *rpms],
        check=True,
        capture_output=True,
    )
    db = (dbpath / "rpmdb.sqlite").read_bytes()
    meta = "/usr/lib/python3.9/site-packages/six-1.16.0.dist-info/METADATA"
    files = [
        (ref("/etc/os-release", b"", 0), b'ID=rhel\nVERSION_ID="9.4"\n'),
        (ref("/var/lib/rpm/rpmdb.sqlite", b"", 0), db),
        (ref(meta, b"", 0), b"Name: six\nVersion: 1.16.0\n\n"),
        (ref("/opt/six-1.16.0.dist-info/METADATA", b"", 0), b"Name: six\nVersion: 1.16.0\n\n"),
    ]
    six = sorted((p for p in catalog(files).packages if p.name == "six"), key=lambda p: p.files)
    assert [p.owner is not None for p in six] == [False, True]  # /opt first, then /usr
    assert (six[1].owner or "").startswith("pkg:rpm/rhel/python3-six@1.16.0-1")


def _npm(path: str, data: object) -> list[Package]:
    return npm.parse(ref(path), json.dumps(data).encode(), CatalogContext())


def test_not_packages() -> None:
    assert _npm("/app/node_modules/foo/bin/package.json", {"name": "foo-bin", "version": "1"}) == []
    assert _npm("/usr/share/doc/node-foo/package.json", {"name": "foo", "version": "1"}) == []
    assert _npm("/app/package.json", {"name": "app"}) == []
    assert _npm("/app/package.json", {"version": "1.0.0"}) == []
    # near misses: a module's own manifest, a scoped one, and an application's
    assert _npm("/app/node_modules/foo/package.json", {"name": "foo", "version": "1"})
    assert _npm("/app/node_modules/@s/foo/package.json", {"name": "@s/foo", "version": "1"})
    assert _npm("/a/node_modules/x/node_modules/y/package.json", {"name": "y", "version": "1"})
    assert _npm("/app/package.json", {"name": "app", "version": "1.0.0"})
    wheel = "/usr/lib/python3/dist-packages/pkg_resources-0.0.0.dist-info/METADATA"
    body = b"Name: pkg-resources\nVersion: 0.0.0\n\n"
    assert python.parse(ref(wheel), body, CatalogContext()) == []
    real = b"Name: pkg-resources\nVersion: 0.0.1\n\n"
    assert python.parse(ref(wheel), real, CatalogContext())
    doc = "/usr/share/doc/python3-foo/foo-1.0.dist-info/METADATA"
    assert python.parse(ref(doc), b"Name: foo\nVersion: 1.0\n\n", CatalogContext()) == []


def test_sboms_name_the_owner_and_read_it_back(tmp_path: Path) -> None:
    from hullcheck.catalog.inventory import Inventory, Target
    from hullcheck.catalog.sbom_input import read_sbom
    from hullcheck.report import cyclonedx, spdx

    _debian_root(tmp_path)
    result = catalog_dir(tmp_path)
    inventory = Inventory(Target("directory", "root"), tuple(result.packages), result.distro)
    doc = json.loads(spdx.render_inventory(inventory))
    names = {p["SPDXID"]: p["name"] for p in doc["packages"]}
    pairs = {
        (names[r["spdxElementId"]], names[r["relatedSpdxElement"]])
        for r in doc["relationships"]
        if r["spdxElementId"].startswith("SPDXRef-Package")
    }
    assert pairs == {("node-undici", "undici"), ("python3-pip", "pip")}
    bom = cyclonedx.render_inventory(inventory)
    assert bom.count('"hullcheck:os-package"') == 2
    sbom_file = tmp_path / "bom.json"
    sbom_file.write_text(bom)
    back = read_sbom(sbom_file)
    assert sorted(p.name for p in back.packages if p.owner) == ["pip", "undici"]
