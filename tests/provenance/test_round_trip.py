"""The whole provenance round trip on a real registry, through the CLI only:
key generate -> sign -> verify -> attest -> verify-attestation -> pin -> promote -> verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.provenance.conftest import Pushed, skopeo_push
from tests.provenance.test_sign_verify_registry import run

pytestmark = [pytest.mark.registry]


def test_round_trip(
    pushed: Pushed,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = pushed.registry.host
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HULLCHECK_PASSWORD", "round-trip")
    skopeo_push(pushed.multi, f"{host}/rt/app:1.0", all_=True)
    image = f"{host}/rt/app:1.0"
    digest = pushed.multi.index_digest
    assert run(capsys, "key", "generate", "--output-prefix", "release")[0] == 0
    assert run(capsys, "sign", image, "--key", "release.key")[1].strip() == digest
    code, out, _ = run(capsys, "verify", image, "--key", "release.pub")
    assert code == 0 and f"ok: {digest} signed by release.pub" in out
    Path("slsa.json").write_text(json.dumps({"buildDefinition": {"buildType": "x"}}))
    assert run(capsys, "attest", image, "--key", "release.key", "--predicate", "slsa.json")[0] == 0
    code, out, _ = run(
        capsys, "verify-attestation", image, "--key", "release.pub", "--type", "slsa"
    )
    assert code == 0 and "ok: https://slsa.dev/provenance/v1" in out
    Path("Dockerfile").write_text(f"# app\nFROM {image}\nUSER app\n")
    assert run(capsys, "pin", "Dockerfile", "--check")[0] == 1
    assert run(capsys, "pin", "Dockerfile")[0] == 0
    assert Path("Dockerfile").read_text() == f"# app\nFROM {image}@{digest}\nUSER app\n"
    assert run(capsys, "pin", "Dockerfile", "--check")[0] == 0
    Path("policy.yaml").write_text("fail-on: critical\n")
    code, out, err = run(
        capsys,
        "promote",
        image,
        f"{host}/prod/app:1.0",
        "--key",
        "release.pub",
        "--sign-key",
        "release.key",
        "--config",
        "policy.yaml",
        "--no-vulns",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert code == 0, err
    code, out, _ = run(capsys, "verify", f"{host}/prod/app:1.0", "--key", "release.pub")
    assert code == 0 and f"ok: {digest}" in out
    code, _, _ = run(
        capsys,
        "verify-attestation",
        f"{host}/prod/app:1.0",
        "--key",
        "release.pub",
        "--type",
        "scan",
    )
    assert code == 0
