"""A ``--dockerfile`` that does not belong to the image: a warning that says how many
layers could not be traced, and the exit code is still decided by the findings alone."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import hullcheck


def test_a_foreign_dockerfile_is_warned_about_and_changes_no_exit_code(
    tmp_path: Path, test_images: Path
) -> None:
    image = f"oci:{test_images}/oci-per-tag/python-npm"
    foreign = tmp_path / "Dockerfile"
    foreign.write_text("FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER app\n")
    base = ["scan", image, "--no-vulns", "--fail-on", "none", "-f", "json", "--no-lint"]
    run = hullcheck(*base, "--dockerfile", str(foreign))
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    (warned,) = [d for d in doc["diagnostics"] if d["kind"] == "untraced-layers"]
    layers = len(doc["target"]["layers"])
    assert warned["level"] == "warning" and f"{layers} layers" in warned["message"]
    assert run.err_lines == [f"hullcheck: warning: {warned['message']}"]
    assert doc["errors"] == []
