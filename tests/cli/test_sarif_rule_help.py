"""SARIF from ``lint`` and from ``scan`` with its Dockerfile: every result's rule has its
entry in that run's ``tool.driver.rules``, described from the one rule catalogue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hullcheck import rulebook
from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.imagerules.helpers import base_layer

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "report" / "data" / "sarif-schema-2.1.0.json").read_text()
)
DOCKERFILE = "FROM debian\nRUN apt-get install -y gcc\nRUN cd /tmp && curl -k http://x | sh\n"
SCAN = ("--now", "2025-02-01", "--no-vulns", "--format", "sarif", "-q")


def _image(tmp_path: Path) -> str:
    layers = [
        base_layer(),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/gcc", b"\x7fELF", mode=0o755)]),
    ]
    history = [{"created_by": "base"}, {"created_by": "RUN /bin/sh -c apt-get install -y gcc"}]
    return make_image(tmp_path / "img", layers, config={"User": ""}, history=history).reference


def _run(tmp_path: Path, command: str) -> dict[str, Any]:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(DOCKERFILE)
    out = tmp_path / "out.sarif"
    if command == "lint":
        main(["lint", str(dockerfile), "--format", "sarif", "-o", str(out)])
    else:
        cache = str(tmp_path / "cache")
        args = [_image(tmp_path), "--dockerfile", str(dockerfile), "--cache-dir", cache]
        main(["scan", *args, *SCAN, "-o", str(out)])
    log: dict[str, Any] = json.loads(out.read_text())
    return log


@pytest.mark.parametrize("command", ["lint", "scan --dockerfile"])
def test_every_result_rule_is_described_in_its_run(tmp_path: Path, command: str) -> None:
    log = _run(tmp_path, command)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    lint_ids = {r.id for r in rulebook.all_rules() if r.kind == "dockerfile"}
    met = {r["ruleId"] for r in results}
    assert met & lint_ids, "the Dockerfile must give lint findings"
    if command != "lint":
        assert any(i.startswith("HC8") for i in met), "and the image, image findings"
    for result in results:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        (meta,) = rulebook.find(rule["id"])
        # From the catalogue, not guessed from the finding: a rule missing from the help
        # would show its title as its description and a name made from the title.
        assert rule["name"] == meta.name
        assert rule["fullDescription"]["text"] == meta.explanation
