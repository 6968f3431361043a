"""Both SBOM formats of a real image validate against the official schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from hullcheck.report import cyclonedx, spdx
from hullcheck.sbom import inventory_for_image

SCHEMA = json.loads((Path(__file__).parent / "data" / "spdx-schema-2.3-official.json").read_text())


@pytest.mark.images
def test_python_npm_sboms_validate(test_images: Path) -> None:
    layout = test_images / "oci-per-tag" / "python-npm"
    inventory = inventory_for_image(f"oci:{layout}:python-npm")
    assert len(inventory.packages) >= 130
    cdx = cyclonedx.render_inventory(inventory)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx) is None
    doc = json.loads(spdx.render_inventory(inventory))
    jsonschema.Draft201909Validator(SCHEMA).validate(doc)
    bash = next(p for p in doc["packages"] if p["name"] == "bash")
    # the same SPDX expression syft 1.18.1 writes for bash on this image
    assert bash["licenseDeclared"].startswith("BSD-4-Clause-UC AND GFDL-1.3-only AND ")
    root = json.loads(cdx)["metadata"]["component"]
    assert root["version"] == inventory.target.digest
