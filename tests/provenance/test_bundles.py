"""sigstore bundles made by cosign and slsa-github-generator, verified offline (sigstore)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hullcheck.cli.main import main

P = "provenance"
OCI_BUNDLE = "sigstore-bundles/cosign/oci-attestation.sigstore.json"
OCI_DIGEST = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"
GHA_BUNDLE = (
    "dsse/slsa-verifier/gha_generic/v2.1.0/binary-linux-amd64-workflow_dispatch.intoto.jsonl"
)
GHA_ID = (
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/"
    "generator_generic_slsa3.yml@refs/tags/v2.1.0"
)
GHA_DIGEST = "sha256:376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa"


@pytest.fixture(autouse=True)
def _needs_sigstore() -> None:
    try:
        import sigstore  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("the sigstore extra is not installed (scripts/setup.sh installs it)")
        pytest.skip("sigstore not installed")


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify-bundle", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "root",
    [
        "sigstore-bundles/cosign/trusted_root_pgi.json",
        "sigstore-bundles/sigstore-python/prod/trusted_root.json",
    ],
)
def test_cosign_oci_attestation_bundle(
    shared_dir: Path, root: str, capsys: pytest.CaptureFixture[str]
) -> None:
    base = shared_dir / P
    args = [
        str(base / OCI_BUNDLE),
        "--trusted-root",
        str(base / root),
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
    ]
    code, out, err = verify(
        capsys, *args, "--certificate-identity", "cody@soyland.com", "--digest", OCI_DIGEST
    )
    assert code == 0, (out, err)
    assert f"about {OCI_DIGEST} signed by cody@soyland.com" in out
    code, out, _ = verify(capsys, *args, "--certificate-identity", "eve@example.com")
    assert code == 1 and "FAILED" in out
    code, out, _ = verify(
        capsys,
        *args,
        "--certificate-identity",
        "cody@soyland.com",
        "--digest",
        "sha256:" + "0" * 64,
    )
    assert code == 1 and "not sha256:000" in out


def test_slsa_github_generator_bundle(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = shared_dir / P
    code, out, err = verify(
        capsys,
        str(base / GHA_BUNDLE),
        "--trusted-root",
        str(base / "sigstore-bundles/sigstore-python/prod/trusted_root.json"),
        "--certificate-identity",
        GHA_ID,
        "--certificate-oidc-issuer",
        "https://token.actions.githubusercontent.com",
        "--digest",
        GHA_DIGEST,
    )
    assert code == 0, (out, err)


def test_tampered_bundle_fails(
    shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = shared_dir / P
    doc = json.loads((base / OCI_BUNDLE).read_bytes())
    sig = doc["dsseEnvelope"]["signatures"][0]["sig"]
    doc["dsseEnvelope"]["signatures"][0]["sig"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    code, out, _ = verify(
        capsys,
        str(bad),
        "--trusted-root",
        str(base / "sigstore-bundles/cosign/trusted_root_pgi.json"),
        "--certificate-identity",
        "cody@soyland.com",
        "--certificate-oidc-issuer",
        "https://github.com/login/oauth",
    )
    assert code == 1 and "FAILED" in out
    code, _, err = verify(
        capsys,
        str(tmp_path / "none.json"),
        "--trusted-root",
        str(bad),
        "--certificate-identity",
        "x",
        "--certificate-oidc-issuer",
        "y",
    )
    assert code == 2 and "Traceback" not in err
