from __future__ import annotations

import json

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.report import cyclonedx

from .sbom_fixture import DIGEST, sample_inventory


def test_validates_against_the_official_1_6_schema() -> None:
    text = cyclonedx.render_inventory(sample_inventory())
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert doc["specVersion"] == "1.6"
    root = doc["metadata"]["component"]
    assert (root["type"], root["name"], root["version"]) == ("container", "example:latest", DIGEST)
    assert root["hashes"] == [{"alg": "SHA-256", "content": DIGEST[7:]}]
    os_components = [c for c in doc["components"] if c["type"] == "operating-system"]
    assert [(c["name"], c["version"]) for c in os_components] == [("debian", "12")]
    libs = {c["name"]: c for c in doc["components"] if c["type"] == "library"}
    assert libs["jinja2"]["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert libs["bsdutils"]["purl"].startswith("pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3")


def test_round_trips_through_sbom_input() -> None:
    inventory = sample_inventory()
    back = parse_sbom(cyclonedx.render_inventory(inventory).encode())
    assert back.distro is not None
    assert back.distro.purl_qualifier == "debian-12"
    assert back.target.digest == DIGEST
    by_name = {p.name: p for p in back.packages}
    for pkg in inventory.packages:
        got = by_name[pkg.name]
        assert (got.type, got.version, got.purl, got.files) == (
            pkg.type,
            pkg.version,
            pkg.purl,
            pkg.files,
        )
        assert (got.layer_index, got.layer_digest) == (pkg.layer_index, pkg.layer_digest)
    assert by_name["bsdutils"].source_name == "util-linux"
