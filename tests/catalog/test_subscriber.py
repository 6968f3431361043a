"""The catalogers fed by the real single-pass walker over small images built in Python."""

from __future__ import annotations

from pathlib import Path

from hullcheck.catalog.analyser import CatalogAnalyser
from hullcheck.sbom import inventory_for
from hullcheck.scan import ScanRequest, scan_image
from tests.fixtures.imagebuilder import Dir, File, Layer, Opaque, Whiteout, make_image

BASE_STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n"
MORE_STATUS = BASE_STATUS + (
    b"\nPackage: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88\n"
)
SITE = "opt/venv/lib/python3.11/site-packages"


def _image(tmp_path: Path) -> str:
    img = make_image(
        tmp_path / "img",
        [
            Layer(
                [
                    Dir("usr/lib"),
                    File("usr/lib/os-release", b"ID=debian\nVERSION_ID=12\n"),
                    File("var/lib/dpkg/status", BASE_STATUS),
                    File(f"{SITE}/gone-1.0.dist-info/METADATA", b"Name: gone\nVersion: 1.0\n"),
                    File(f"{SITE}/kept-2.0.dist-info/METADATA", b"Name: kept\nVersion: 2.0\n"),
                    File("app/node_modules/old/package.json", b'{"name":"old","version":"1"}'),
                ],
                created_by="FROM debian",
            ),
            Layer(
                [
                    File("var/lib/dpkg/status", MORE_STATUS),
                    Whiteout(f"{SITE}/gone-1.0.dist-info"),
                    Opaque("app/node_modules"),
                    File("app/node_modules/new/package.json", b'{"name":"new","version":"2"}'),
                    File(f"{SITE}/kept-2.0.dist-info/METADATA", b"Name: kept\nVersion: 2.1\n"),
                ],
                created_by="RUN apt-get install curl",
            ),
        ],
        form="oci",
    )
    return str(img.reference)


def test_final_filesystem_and_layer_attribution(tmp_path: Path) -> None:
    inv = inventory_for(_image(tmp_path))
    got = {(p.type, p.name, p.version): p.layer_index for p in inv.packages}
    assert got == {
        ("deb", "bash", "5.2"): 0,  # installed by layer 0, though layer 1 rewrote the DB
        ("deb", "curl", "7.88"): 1,
        ("pypi", "kept", "2.1"): 1,  # overwritten: the new version only
        ("npm", "new", "2"): 1,  # the opaque directory hid "old"
    }
    assert inv.target.kind == "image"
    assert inv.target.digest is not None
    assert inv.distro is not None
    assert inv.distro.purl_qualifier == "debian-12"
    bash = next(p for p in inv.packages if p.name == "bash")
    assert bash.purl == "pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12"
    assert bash.layer_digest is not None


def test_scan_analyser_lists_packages(tmp_path: Path) -> None:
    report = scan_image(ScanRequest(_image(tmp_path)), [CatalogAnalyser()])
    assert report.packages is not None
    assert sorted(p.name for p in report.packages) == ["bash", "curl", "kept", "new"]
