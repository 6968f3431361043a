"""scan under a ``provenance:`` policy on a real registry: findings HC8410-HC8413, gated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.errors import ConfigError
from hullcheck.provenance.policy import parse_policy
from tests.provenance.conftest import KeyPair, Pushed, skopeo_push
from tests.provenance.test_sign_verify_registry import run

pytestmark = [pytest.mark.registry]


def scan(
    capsys: pytest.CaptureFixture[str], ref: str, config: Path, tmp_path: Path
) -> tuple[int, dict[str, object], str]:
    code, out, err = run(
        capsys,
        "scan",
        ref,
        "--config",
        str(config),
        "--format",
        "json",
        "--no-vulns",
        "--fail-on",
        "medium",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--quiet",
    )
    return code, json.loads(out) if out.strip() else {}, err


def rules(report: dict[str, object]) -> list[str]:
    return sorted(
        f["rule"]
        for f in report["findings"]
        if f["practice"] == "provenance" and f["rule"].startswith("HC841")
    )  # type: ignore[index,union-attr]


def write_config(tmp_path: Path, section: str) -> Path:
    cfg = tmp_path / ".hullcheck.yaml"
    cfg.write_text(section)
    return cfg


def test_policy_signature_and_attestations(
    pushed: Pushed,
    keypair: KeyPair,
    other_keypair: KeyPair,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = pushed.registry.host
    skopeo_push(pushed.single, f"{host}/pol/app:1")
    ref = f"{host}/pol/app:1"
    cfg = write_config(
        tmp_path,
        "provenance:\n  require-signature: true\n"
        f"  keys: [{keypair.public}]\n  require-attestations: [slsa]\n"
        f"  trusted-registries: [{host}/pol]\n",
    )
    code, report, err = scan(capsys, ref, cfg, tmp_path)
    assert code == 1, err
    assert rules(report) == ["HC8410", "HC8412"]
    # a signature by a key the policy does not hold
    assert run(capsys, "sign", ref, "--key", str(other_keypair.private))[0] == 0
    code, report, _ = scan(capsys, ref, cfg, tmp_path)
    assert code == 1 and rules(report) == ["HC8411", "HC8412"]
    # signed by the policy's key, and attested
    assert run(capsys, "sign", ref, "--key", str(keypair.private))[0] == 0
    pred = tmp_path / "slsa.json"
    pred.write_text('{"buildDefinition": {}, "runDetails": {}}')
    assert (
        run(
            capsys,
            "attest",
            ref,
            "--key",
            str(keypair.private),
            "--type",
            "slsa",
            "--predicate",
            str(pred),
        )[0]
        == 0
    )
    code, report, err = scan(capsys, ref, cfg, tmp_path)
    assert rules(report) == [], report["findings"]  # type: ignore[index]
    prov = report["summary"]["provenance"]  # type: ignore[index]
    assert prov["signed"] is True and prov["digest"] == pushed.single.manifest_digest
    # the same image seen from an untrusted repository
    skopeo_push(pushed.single, f"{host}/elsewhere/app:1")
    code, report, _ = scan(capsys, f"{host}/elsewhere/app:1", cfg, tmp_path)
    assert "HC8413" in rules(report)


def test_policy_on_an_archive_is_a_coverage_loss(
    pushed: Pushed, keypair: KeyPair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fixtures.imagebuilder import File, Layer, make_image

    img = make_image(tmp_path / "a.tar", [Layer([File("x", b"1")])], form="docker-archive")
    cfg = write_config(
        tmp_path, f"provenance:\n  require-signature: true\n  keys: [{keypair.public}]\n"
    )
    code, report, err = scan(capsys, img.reference, cfg, tmp_path)
    assert code == 2
    assert "provenance-unchecked" in err or any(
        d["kind"] == "provenance-unchecked"
        for d in report.get("diagnostics", [])  # type: ignore[union-attr]
    )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"require-signatures": True}, "unknown key 'require-signatures'"),
        ({"require-signature": True}, "needs keys or identities"),
        ({"require-attestations": ["provenance"]}, "unknown kind 'provenance'"),
        ({"keys": "a.pub"}, "must be a list"),
    ],
)
def test_policy_typos_are_errors(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_policy(section, "/x/.hullcheck.yaml")


def test_docs_policy_example_loads(tmp_path: Path) -> None:
    import re

    import yaml

    docs = Path(__file__).resolve().parents[2] / "docs" / "provenance.md"
    block = re.search(r"```yaml\n(provenance:.*?)```", docs.read_text(), re.S)
    assert block is not None
    section = yaml.safe_load(block.group(1))["provenance"]
    policy = parse_policy(section, str(tmp_path / ".hullcheck.yaml"))
    assert policy.require_signature and policy.require_attestations == ("slsa", "sbom")
    assert policy.keys == (tmp_path / "keys" / "release.pub",)


def test_subject_reference_never_guesses_a_registry(tmp_path: Path) -> None:
    from hullcheck.provenance.scancheck import subject_reference

    layout = tmp_path / "layout"
    layout.mkdir()
    digest = "sha256:" + "a" * 64
    assert subject_reference(f"oci:{layout}:v1", {"source": "oci"}) == f"oci:{layout}:v1"
    assert subject_reference(str(layout), {"source": "oci"}) == f"oci:{layout}"
    assert subject_reference("image.tar", {"source": "oci"}) is None  # a tar: no registry lookup
    assert subject_reference("x.tar", {"source": "docker-archive"}) is None
    assert (
        subject_reference("registry:127.0.0.1:5000/a/b:1", {"source": "registry", "digest": digest})
        == f"127.0.0.1:5000/a/b@{digest}"
    )
