"""The FROM-digest fix (``fix --pin``) against a real registry on 127.0.0.1: the rewrite,
idempotence, and a near miss (a reference with a build variable) left alone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.sources.test_registry_integration import Registry, start_registry


@pytest.fixture(scope="module")
def registry(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    test_images: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Registry, str]:
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("reg-pin-fix"))
    subprocess.run(
        ["skopeo", "copy", "-q", "--dest-tls-verify=false",
         f"oci:{test_images / 'oci'}:debian-minbase", f"docker://{reg.host}/test/debian:12"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    index = json.loads((test_images / "oci" / "index.json").read_text())
    digest = next(
        d["digest"]
        for d in index["manifests"]
        if d["annotations"]["org.opencontainers.image.ref.name"] == "debian-minbase"
    )
    return reg, digest


@pytest.mark.registry
@pytest.mark.images
def test_pin_rewrite_idempotence_and_near_miss(
    registry: tuple[Registry, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg, digest = registry
    path = tmp_path / "Dockerfile"
    text = (
        "ARG TAG=12\n"
        f"FROM {reg.host}/test/debian:$TAG AS deps\n"
        "# the runtime\n"
        f"FROM {reg.host}/test/debian:12 AS app\n"
        "USER 1000\n"
    )
    path.write_text(text)
    argv = ["fix", "--pin", "--rule", "HC1002", "--insecure", "--write", str(path)]
    assert main(argv) == 0
    pinned = path.read_text()
    assert pinned == text.replace(
        f"FROM {reg.host}/test/debian:12 AS app", f"FROM {reg.host}/test/debian:12@{digest} AS app"
    )
    assert main(argv) == 0
    assert path.read_text() == pinned
    capsys.readouterr()
