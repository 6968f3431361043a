"""promote from an OCI layout into Debian's docker-registry with htpasswd basic auth
(started on 127.0.0.1 by the test): the password read once from stdin serves the scan
gate, the copy, the signature and the attestation; a wrong one refuses cleanly."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import File, Layer, make_image
from tests.provenance.conftest import KeyPair
from tests.sources.test_registry_integration import Registry, start_registry

pytestmark = [pytest.mark.registry]
USER, PASSWORD = "promoter", "s3cret-Pa55"
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
])  # fmt: skip


@pytest.fixture(scope="module")
def authed(
    request: pytest.FixtureRequest, shared_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Registry:
    return start_registry(
        request, shared_dir, tmp_path_factory.mktemp("reg-auth"), f"{USER}:{PASSWORD}"
    )


def _run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str,
    *argv: str,
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _manifest(reg: Registry, repo: str, ref: str, auth: bool) -> httpx.Response:
    return httpx.get(
        f"http://{reg.host}/v2/{repo}/manifests/{ref}",
        headers={"Accept": ACCEPT},
        auth=(USER, PASSWORD) if auth else None,
        timeout=10,
    )


def test_promote_from_a_layout_into_an_authenticated_registry(  # noqa: PLR0917
    authed: Registry,
    keypair: KeyPair,
    other_keypair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the registry really demands the password
    v2 = httpx.get(f"http://{authed.host}/v2/", timeout=10)
    assert v2.status_code == 401 and v2.headers["www-authenticate"].startswith("Basic")
    image = make_image(
        tmp_path / "app",
        [Layer([File("etc/app.conf", b"promote me\n")])],
        platforms=["linux/amd64", "linux/arm64"],
        config={"User": "10001"},
    )
    assert image.index_digest is not None
    src = f"oci:{tmp_path / 'app'}:latest"
    assert main(["sign", src, "--key", str(keypair.private)]) == 0
    capsys.readouterr()
    policy = tmp_path / "policy.yaml"
    policy.write_text("fail-on: critical\n")
    dst = f"{authed.host}/trusted/app:1"
    common = ["--key", str(keypair.public), "--sign-key", str(other_keypair.private),
              "--config", str(policy), "--no-vulns", "--insecure", "--cache-dir",
              str(tmp_path / "c"), "--username", USER, "--password-stdin"]  # fmt: skip

    # a wrong password: refused in one line, nothing tagged
    code, _out, err = _run(monkeypatch, capsys, "wrong\n", "promote", src, dst, *common)
    assert code == 2
    assert "Traceback" not in err and PASSWORD not in err and "wrong" not in err
    assert (
        err.strip().splitlines()
        == [
            f"hullcheck: error: blob {image.layer_digests[0][:19]} of {authed.host}/trusted/app: "
            "unauthorized, the credentials from command line were refused (401 Unauthorized)"
        ]
        or "the credentials from command line were refused (401 Unauthorized)" in err
    )
    assert _manifest(authed, "trusted/app", "1", auth=True).status_code == 404

    code, out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "promote", src, dst, *common)
    assert code == 0, err
    assert out.strip() == image.index_digest
    assert "2 platform" not in err and "Promoted" in err and "signed and attested" in err
    assert PASSWORD not in out + err
    # the tag names the very index of the layout; without the password nothing is readable
    got = _manifest(authed, "trusted/app", "1", auth=True)
    assert got.status_code == 200 and got.headers["docker-content-digest"] == image.index_digest
    assert _manifest(authed, "trusted/app", "1", auth=False).status_code == 401
    # the copy verifies with the promoter's key, and carries the scan attestation;
    # here the credentials come from a Docker config.json instead of stdin
    config = tmp_path / "docker-config.json"
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    config.write_text(json.dumps({"auths": {authed.host: {"auth": token}}}))
    access = ["--insecure", "--auth-config", str(config)]
    assert main(["verify", dst, "--key", str(other_keypair.public), *access]) == 0
    assert main(["verify", dst, "--key", str(keypair.public), *access]) == 1
    assert main(["verify-attestation", dst, "--key", str(other_keypair.public), "--type",
                 "scan", *access]) == 0  # fmt: skip
    # without credentials, verification cannot even read the image: exit 2, one line
    capsys.readouterr()
    assert main(["verify", dst, "--key", str(other_keypair.public), "--insecure"]) == 2
    assert "Traceback" not in capsys.readouterr().err

    # promote again, registry to registry inside the authenticated registry: the scan gate
    # reads the source with the same password (stdin is read once), blobs are mounted
    code, out, err = _run(
        monkeypatch, capsys, PASSWORD + "\n", "promote", dst, f"{authed.host}/prod/app:1",
        *["--key", str(other_keypair.public), "--sign-key", str(keypair.private)],
        *common[4:],
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == image.index_digest
    assert "blobs mounted" in err and " 0 copied" in err
    prod = _manifest(authed, "prod/app", "1", auth=True)
    assert prod.headers["docker-content-digest"] == image.index_digest


def test_sign_and_attest_push_with_stdin_credentials(
    authed: Registry,
    keypair: KeyPair,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """sign and attest push their manifests to the authenticated registry; without the
    password they stop with one line and push nothing."""
    image = make_image(tmp_path / "one", [Layer([File("etc/one", b"1\n")])])
    src = f"oci:{tmp_path / 'one'}:latest"
    dst = f"{authed.host}/signed/one:1"
    # put the image there the way a pipeline would: signed in the layout, then promoted
    assert main(["sign", src, "--key", str(keypair.private)]) == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text("fail-on: critical\n")
    creds = ["--insecure", "--username", USER, "--password-stdin"]
    code, _out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "promote", src, dst, "--key",
                           str(keypair.public), "--sign-key", str(keypair.private), "--config",
                           str(policy), "--no-vulns", *creds)  # fmt: skip
    assert code == 0, err
    code, _out, err = _run(monkeypatch, capsys, "nope\n", "sign", dst, "--key",
                           str(keypair.private), *creds)  # fmt: skip
    assert code == 2 and "401" in err and "Traceback" not in err
    code, _out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "sign", dst, "--key",
                           str(keypair.private), *creds)  # fmt: skip
    assert code == 0, err
    code, _out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "attest", dst, "--key",
                           str(keypair.private), "--type", "sbom", *creds)  # fmt: skip
    assert code == 0, err
    code, _out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "verify", dst, "--key",
                          str(keypair.public), *creds)  # fmt: skip
    assert code == 0, err
    sig = _manifest(authed, "signed/one", f"sha256-{image.manifest_digest[7:]}.sig", auth=True)
    assert len(sig.json()["layers"]) == 2  # promote's signature, then the one sign appended
    code, _out, err = _run(monkeypatch, capsys, PASSWORD + "\n", "verify-attestation", dst,
                          "--key", str(keypair.public), "--type", "sbom", *creds)  # fmt: skip
    assert code == 0, err
