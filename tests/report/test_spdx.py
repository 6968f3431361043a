from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.report import spdx

from .sbom_fixture import DIGEST, sample_inventory

SCHEMA = json.loads((Path(__file__).parent / "data" / "spdx-schema-2.3-official.json").read_text())


def test_validates_against_the_spdx_2_3_schema() -> None:
    doc = json.loads(spdx.render_inventory(sample_inventory()))
    jsonschema.Draft201909Validator(SCHEMA).validate(doc)
    assert doc["spdxVersion"] == "SPDX-2.3"
    purposes = {p["name"]: p.get("primaryPackagePurpose") for p in doc["packages"]}
    assert purposes["example:latest"] == "CONTAINER"
    assert purposes["debian"] == "OPERATING_SYSTEM"
    root = next(p for p in doc["packages"] if p["name"] == "example:latest")
    assert root["checksums"] == [{"algorithm": "SHA256", "checksumValue": DIGEST[7:]}]
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert described == [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relatedSpdxElement": root["SPDXID"],
            "relationshipType": "DESCRIBES",
        }
    ]


def test_non_spdx_licences_become_licenseref_with_text() -> None:
    doc = json.loads(spdx.render_inventory(sample_inventory()))
    bsd = next(p for p in doc["packages"] if p["name"] == "bsdutils")
    assert "LicenseRef-public-domain" in bsd["licenseDeclared"]
    extracted = {e["licenseId"]: e["extractedText"] for e in doc["hasExtractedLicensingInfos"]}
    assert extracted["LicenseRef-public-domain"] == "public-domain"
    jinja = next(p for p in doc["packages"] if p["name"] == "jinja2")
    assert jinja["licenseDeclared"] == "MIT OR Apache-2.0"


def test_schema_rejects_a_broken_document() -> None:
    doc = json.loads(spdx.render_inventory(sample_inventory()))
    del doc["packages"][1]["downloadLocation"]
    validator = jsonschema.Draft201909Validator(SCHEMA)
    assert not validator.is_valid(doc)


def test_round_trips_through_sbom_input() -> None:
    back = parse_sbom(spdx.render_inventory(sample_inventory()).encode())
    assert back.target.digest == DIGEST
    assert back.distro is not None
    assert back.distro.id == "debian"
    assert sorted((p.type, p.name, p.version) for p in back.packages) == [
        ("deb", "bsdutils", "1:2.38.1-5+deb12u3"),
        ("npm", "@babel/core", "7.0.0"),
        ("pypi", "jinja2", "2.10"),
    ]
