"""``hullcheck scan`` applies policy: ignore rules with reasons and expiry, OpenVEX,
--ignore-unfixed, --severity, fail-on, .hullcheck.yaml overrides and the secrets:
section, on the real python-npm image and on a fixture image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image
from tests.secrets.corpus import checksummed

from .helpers import base_layer

VEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://example.com/vex/1",
    "author": "security@example.com",
    "timestamp": "2026-01-01T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "PYSEC-2024-60"},
            "products": [{"@id": "pkg:pypi/idna"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        }
    ],
}
CONFIG = """\
fail-on: critical
# the embedded snapshot has no Debian 12 or npm advisories: accept exactly that loss
allow-incomplete: [vulnerability-coverage]
rules:
  severity: {HC8302: high}
ignores:
  - id: PYSEC-2018-28
    package: requests
    reason: no cross-host redirects in this service
  - id: PYSEC-2023-74
    package: requests
    reason: accepted until the upgrade
    expires: 2026-06-30
"""


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["scan", *args, "-f", "json", "-q", "--now", "2026-11-27"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.images
def test_real_image_ignores_vex_and_gate(
    test_images: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / ".hullcheck.yaml").write_text(CONFIG)
    vex = tmp_path / "vex.json"
    vex.write_text(json.dumps(VEX))
    monkeypatch.chdir(tmp_path)  # the config is discovered from the current directory
    ref = f"oci:{test_images}/oci:python-npm"
    db = ["--cache-dir", str(tmp_path / "cache")]
    code, doc = _run([ref, *db, "--vex", str(vex), "--show-suppressed"], capsys)
    kept = {(f["rule"], f.get("package", {}).get("name")): f for f in doc["findings"]}
    gone = {f["rule"]: f["suppressed"] for f in doc["suppressed"]}
    # the ignore entry silences one advisory for one package, with its reason
    assert ("PYSEC-2018-28", "requests") not in kept
    assert gone["PYSEC-2018-28"]["by"] == "ignore"
    assert gone["PYSEC-2018-28"]["reason"] == "no cross-host redirects in this service"
    # the expired entry no longer applies, and the report says so
    assert kept[("PYSEC-2023-74", "requests")]["ignore_expired"]["expires"] == "2026-06-30"
    assert [r["id"] for r in doc["summary"]["ignores_expired"]] == ["PYSEC-2023-74"]
    # VEX not_affected suppresses the idna advisory
    assert ("PYSEC-2024-60", "idna") not in kept
    assert gone["PYSEC-2024-60"]["by"] == "vex"
    assert "vulnerable_code_not_in_execute_path" in gone["PYSEC-2024-60"]["reason"]
    # a severity override from .hullcheck.yaml re-grades an image rule
    assert kept[("HC8302", None)]["severity"] == "high"
    assert kept[("HC8302", None)]["original_severity"] == "medium"
    assert doc["summary"]["suppressed"] == 2
    assert doc["summary"]["suppressed_by"] == {"ignore": 1, "vex": 1}
    # fail-on critical from the config: highs remain, no critical, so exit 0
    assert code == 0 and any(f["severity"] == "high" for f in doc["findings"])

    # --fail-on beats the config; --severity and --ignore-unfixed suppress and count
    code, doc = _run(
        [ref, *db, "--fail-on", "high", "--severity", "high", "--ignore-unfixed"], capsys
    )
    assert code == 1
    # an advisory with no severity in the data is "unknown", kept like a high
    assert {f["severity"] for f in doc["findings"]} <= {"high", "unknown", "critical"}
    assert "suppressed" not in doc  # listed only with --show-suppressed, but counted:
    by = doc["summary"]["suppressed_by"]
    assert by["severity"] >= 5 and by["ignore"] == 1
    assert by.get("unfixed", 0) == 0  # every advisory matched here names a fix
    assert doc["summary"]["suppressed"] == sum(by.values())
    code, doc = _run([ref, *db, "--fail-on", "high", "--severity", "critical"], capsys)
    assert code == 0 and doc["findings"] == []


def _secret_image(tmp_path: Path) -> str:
    layers = [
        base_layer(),
        Layer([Dir("app"), File("app/config.txt", f"token = {checksummed('ghp_')}\n".encode())]),
    ]
    history = [{"created_by": "base"}, {"created_by": "COPY config.txt /app/"}]
    cfg = {"User": "app"}
    return make_image(tmp_path / "img", layers, config=cfg, history=history).reference


def test_secrets_section_and_rules_on_a_fixture_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = _secret_image(tmp_path)
    base = [ref, "--no-vulns", "--cache-dir", str(tmp_path / "c")]
    code, doc = _run(base, capsys)
    secret = [f for f in doc["findings"] if f["practice"] == "secrets"]
    assert [f["location"]["file"] for f in secret] == ["/app/config.txt"]
    assert code == 1
    rule = secret[0]["rule"]
    config = tmp_path / "policy.yaml"
    config.write_text(
        "rules:\n  severity: {HC8302: critical}\n"
        "secrets:\n  allowlist:\n    paths: ['^/app/config\\.txt$']\n"
    )
    code, doc = _run([*base, "--config", str(config), "--fail-on", "critical"], capsys)
    assert not [f for f in doc["findings"] if f["practice"] == "secrets"]
    graded = {f["rule"]: f["severity"] for f in doc["findings"]}
    assert graded["HC8302"] == "critical" and code == 1
    config.write_text(f"rules:\n  ignore: [secret:{rule}, HC8302]\n")
    code, doc = _run([*base, "--config", str(config), "--show-suppressed"], capsys)
    assert {f["rule"] for f in doc["suppressed"]} == {rule, "HC8302"}
    assert code == 0


def test_config_beside_the_dockerfile_governs_lint_and_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = _secret_image(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    dockerfile = project / "Dockerfile"
    dockerfile.write_text("FROM debian:12\nRUN apt-get install -y gcc\nUSER app\n")
    (project / ".hullcheck.yaml").write_text(
        "rules:\n  ignore: [HC4010]\n  severity: {HC8302: critical}\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    args = [ref, "--no-vulns", "--cache-dir", str(tmp_path / "c"), "--dockerfile", str(dockerfile)]
    code, doc = _run([*args, "--show-suppressed"], capsys)
    rules = {f["rule"]: f for f in doc["findings"]}
    assert "HC4010" not in rules and "HC4010" in {f["rule"] for f in doc["suppressed"]}
    assert rules["HC8302"]["severity"] == "critical"
    assert doc["summary"]["policy"]["config"] == str(project / ".hullcheck.yaml")
    assert code == 1
    # --config wins over the discovered file
    empty = tmp_path / "empty.yaml"
    empty.write_text("{}\n")
    code, doc = _run([*args, "--config", str(empty)], capsys)
    assert "HC4010" in {f["rule"] for f in doc["findings"]}
    assert doc["summary"]["suppressed"] == 0
