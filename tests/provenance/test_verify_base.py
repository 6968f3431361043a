"""lint/scan --verify-base: each image a build starts from must be signed by a trusted key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.provenance.conftest import KeyPair, Pushed, skopeo_push
from tests.provenance.test_sign_verify_registry import run

pytestmark = [pytest.mark.registry]


def test_lint_verify_base(
    pushed: Pushed, keypair: KeyPair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/base/signed:1")
    skopeo_push(pushed.other, f"{host}/base/unsigned:1")
    assert run(capsys, "sign", f"{host}/base/signed:1", "--key", str(keypair.private))[0] == 0
    df = tmp_path / "Dockerfile"
    df.write_text(
        f"FROM {host}/base/signed:1 AS build\n"
        "RUN true\n"
        f"FROM {host}/base/unsigned:1\n"
        "COPY --from=build /a /a\n"
        "USER app\n"
    )
    code, out, err = run(
        capsys,
        "lint",
        str(df),
        "--verify-base",
        "--base-key",
        str(keypair.public),
        "--format",
        "json",
    )
    assert code == 1, err
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "HC8414"]
    assert len(found) == 1
    assert found[0]["location"]["line"] == 3
    assert "base/unsigned:1" in found[0]["message"] and "has no signatures" in found[0]["message"]
    # once the second base is signed too, lint passes its bases
    assert run(capsys, "sign", f"{host}/base/unsigned:1", "--key", str(keypair.private))[0] == 0
    code, out, _ = run(
        capsys,
        "lint",
        str(df),
        "--verify-base",
        "--base-key",
        str(keypair.public),
        "--format",
        "json",
    )
    assert not [f for f in json.loads(out)["findings"] if f["rule"] == "HC8414"]
    # a base that cannot be resolved is a coverage loss, not a pass
    df.write_text("ARG V=1\nFROM example.invalid/x:$V\n")
    code, _, err = run(capsys, "lint", str(df), "--verify-base", "--base-key", str(keypair.public))
    assert code == 2 and "provenance-unchecked" in err
    code, _, err = run(capsys, "lint", str(df), "--verify-base")
    assert code == 2 and "--verify-base needs --base-key" in err


def test_scan_verify_base_with_dockerfile(
    pushed: Pushed,
    keypair: KeyPair,
    other_keypair: KeyPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/base/scanbase:1")
    assert (
        run(capsys, "sign", f"{host}/base/scanbase:1", "--key", str(other_keypair.private))[0] == 0
    )
    df = tmp_path / "Dockerfile"
    df.write_text(f"FROM {host}/base/scanbase:1\n")
    argv = [
        "scan",
        f"{host}/app/single:1",
        "--dockerfile",
        str(df),
        "--verify-base",
        "--format",
        "json",
        "--no-vulns",
        "--fail-on",
        "critical",
        "--quiet",
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    _, out, _ = run(capsys, *argv, "--base-key", str(keypair.public))
    found = [f for f in json.loads(out)["findings"] if f["rule"] == "HC8414"]
    assert len(found) == 1 and "does not verify with any given key" in found[0]["message"]
    _code, out, _ = run(capsys, *argv, "--base-key", str(other_keypair.public))
    assert not [f for f in json.loads(out)["findings"] if f["rule"] == "HC8414"]


def test_materials_of_buildkit_provenance() -> None:
    from hullcheck.provenance.basecheck import docker_materials

    mats = [
        "pkg:docker/golang@1.21?digest=sha256:4746d26432a9117a5f58e95cb9f954ddf0de128e9d5816886514199316e4a2fb&platform=linux%2Famd64",
        "pkg:docker/gcr.io/distroless/static?digest=sha256:3f2b64ef97bd285e36132c684e6b2ae8f2723293d09aae046196cca64251acac&platform=linux%2Famd64",
        "https://github.com/slsa-framework/example-package.git#4d329c75",
    ]
    assert docker_materials(mats) == [
        "golang@sha256:4746d26432a9117a5f58e95cb9f954ddf0de128e9d5816886514199316e4a2fb",
        "gcr.io/distroless/static@sha256:3f2b64ef97bd285e36132c684e6b2ae8f2723293d09aae046196cca64251acac",
    ]
