"""Packages and vulnerabilities in scan: catalogers in the same pass, matched, traced;
an SBOM file as the scan target."""

from __future__ import annotations

import json
from pathlib import Path

from hullcheck.cli.main import main
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Practice
from hullcheck.scan import ScanRequest, scan_image
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image

from .helpers import NOW, base_layer

SITE = "usr/lib/python3/dist-packages"
METADATA = b"Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n"
HISTORY = [
    {"created_by": "base image"},
    {"created_by": "RUN /bin/sh -c pip install requests==2.19.1 # buildkit"},
]
DOCKERFILE = "FROM debian:12\nRUN pip install requests==2.19.1\nUSER app\n"


def _image(tmp_path: Path) -> str:
    layers = [
        base_layer(),
        Layer(
            [
                Dir("usr"),
                Dir("usr/lib"),
                Dir("usr/lib/python3"),
                Dir(SITE),
                Dir(f"{SITE}/requests-2.19.1.dist-info"),
                File(f"{SITE}/requests-2.19.1.dist-info/METADATA", METADATA),
            ]
        ),
    ]
    return make_image(tmp_path / "img", layers, config={"User": "app"}, history=HISTORY).reference


def test_vulnerable_package_found_in_its_layer_and_traced(tmp_path: Path) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text(DOCKERFILE)
    settings = ScanSettings(now=NOW, vulnerabilities=True, db_path=tmp_path / "db.sqlite3")
    report = scan_image(ScanRequest(_image(tmp_path), settings=settings, dockerfile=str(df)))
    assert report.packages is not None
    (pkg,) = [p for p in report.packages if p.name == "requests"]
    assert pkg.layer_index == 1
    vulns = [f for f in report.findings if f.practice is Practice.VULNERABILITIES]
    assert vulns, "requests 2.19.1 has PyPI advisories in the embedded snapshot"
    for f in vulns:
        assert f.extra["package"]["name"] == "requests"
        assert f.location.layer_index == 1
        assert f.location.instruction is not None and f.location.instruction.line == 2
    assert "CVE-2018-18074" in {a for f in vulns for a in f.extra["aliases"]}
    assert report.summary["vulnerability_db"]["packages"] >= 1  # type: ignore[index]


def test_packages_without_vulnerability_matching(tmp_path: Path) -> None:
    report = scan_image(ScanRequest(_image(tmp_path), settings=ScanSettings(now=NOW)))
    assert report.packages and not [
        f for f in report.findings if f.practice is Practice.VULNERABILITIES
    ]
    off = ScanSettings(now=NOW, packages=False)
    assert scan_image(ScanRequest(_image(tmp_path / "o"), settings=off)).packages == []


def test_sbom_file_as_scan_target(tmp_path: Path, capsys: object) -> None:
    sbom = tmp_path / "sbom.json"
    ref = _image(tmp_path)
    assert main(["sbom", ref, "--format", "cyclonedx-json", "-o", str(sbom)]) == 0
    out = tmp_path / "report.json"
    code = main(
        [
            *("scan", str(sbom), "--format", "json", "-o", str(out)),
            *("--db", str(tmp_path / "db.sqlite3"), "--fail-on", "none", "--quiet"),
        ]
    )
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["target"]["source"] == "sbom"
    assert any(p["name"] == "requests" for p in doc["packages"])
    assert any(f["practice"] == "vulnerabilities" for f in doc["findings"])
