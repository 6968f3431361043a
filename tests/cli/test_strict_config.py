"""Strict configuration, end to end: a typo in ``.hullcheck.yaml`` or ``.hullcheckignore``
is exit 2 with one line naming the file, the key and the nearest valid spelling; hadolint's
config keeps its leniency for DL codes hullcheck does not implement (a warning)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import assert_one_error_line, hullcheck

PIN_RULE = "HC3003"  # covers DL3008 (apt-get install without versions)
DOCKERFILE = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nUSER app\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ("fail_on: critical\n", ["unknown key 'fail_on'", "did you mean fail-on?"]),
        ("trusted-registry: [ghcr.io]\n",
         ["'trusted-registry'", "did you mean trusted-registries?"]),
        ("allow_incomplete: [rule-failed]\n", ["did you mean allow-incomplete?"]),
        ("rules:\n  ignores: [HC4010]\n", ["'ignores' under 'rules'", "did you mean ignore?"]),
        ("rules:\n  ignore: [HC9999]\n", ["rules.ignore", "no rule has the id HC9999"]),
        ("rules:\n  severity: {HC9998: high}\n", ["rules.severity.HC9998", "HC9998"]),
        ("rules:\n  ignore: [HC300l]\n", ["'HC300l' is not a rule id"]),
        ("rules:\n  ignore: [DL9999]\n", ["DL9999 is a hadolint/ShellCheck code no hullcheck"]),
        ("rules:\n  ignore: ['secret:aws-acess-key-id']\n",
         ["no secrets rule has the id 'aws-acess-key-id'",
          "did you mean secret:aws-access-key-id?"]),
        ("allow-incomplete: [catalog-unreadble]\n", ["did you mean catalog-unreadable?"]),
        ("allow-incomplete: [untraced-layers]\n", ["untraced-layers is a warning"]),
    ],
)  # fmt: skip
def test_lint_rejects_a_typo_naming_file_key_and_spelling(
    project: Path, config: str, needles: list[str]
) -> None:
    cfg = project / ".hullcheck.yaml"
    cfg.write_text(config)
    run = hullcheck("lint", str(project / "Dockerfile"))
    line = assert_one_error_line(run, str(cfg), *needles)
    assert len(run.err_lines) == 1, run.stderr
    assert run.stdout == "", "nothing is reported under a policy that could not be read"
    assert line


def test_scan_rejects_the_same_typo_before_reading_the_image(
    project: Path, test_images: Path
) -> None:
    cfg = project / ".hullcheck.yaml"
    cfg.write_text("fail_on: critical\n")
    image = f"oci:{test_images}/oci-per-tag/debian-minbase"
    run = hullcheck("scan", image, "--config", str(cfg), "--no-vulns", "-f", "json")
    assert_one_error_line(run, str(cfg), "did you mean fail-on?")
    assert run.stdout == ""


def test_valid_ids_of_every_kind_are_accepted(project: Path) -> None:
    (project / ".hullcheck.yaml").write_text(
        "fail-on: critical\n"
        "rules:\n"
        "  ignore: [HC8001, DL3008, 'secret:aws-access-key-id', 'secret:acme-token']\n"
        "  severity: {HC4010: low, DL3009: low}\n"
        "allow-incomplete: [catalog-unreadable]\n"
        "secrets:\n"
        "  rules: [{id: acme-token, title: ACME token, regex: 'acme_(?P<secret>[a-z0-9]{32})'}]\n"
    )
    run = hullcheck("lint", str(project / "Dockerfile"))
    assert run.code == 0, run.stderr  # fail-on critical: the findings are below it
    assert run.stderr == ""


def test_hullcheckignore_is_strict(project: Path, test_images: Path) -> None:
    image = f"oci:{test_images}/oci-per-tag/debian-minbase"
    ignore = project / ".hullcheckignore"
    cases = [
        ("ignore:\n  - {id: HC8001, reason: runs as root on purpose}\n",
         ["unknown key 'ignore'", "did you mean ignores?"]),
        ("- {id: HC8001, reasn: runs as root on purpose}\n",
         ["ignore #1", "unknown key 'reasn'", "did you mean reason?"]),
        ("- {id: HC8999, reason: a typo of HC8001}\n", ["ignore #1", "no rule has the id HC8999"]),
        ("- {id: DL3008, reason: hadolint code}\n", ["DL3008 is a hadolint code"]),
    ]  # fmt: skip
    for text, needles in cases:
        ignore.write_text(text)
        run = hullcheck("scan", image, "--ignore-file", str(ignore), "--no-vulns")
        assert_one_error_line(run, str(ignore), *needles)
    ignore.write_text("- {id: HC8001, reason: runs as root on purpose}\n")
    run = hullcheck("scan", image, "--ignore-file", str(ignore), "--no-vulns", "-f", "json", "-q")
    assert run.code in (0, 1), run.stderr


def test_hadolint_config_keeps_its_leniency_for_unknown_dl_codes(project: Path) -> None:
    before = hullcheck("lint", "-f", "json", "--fail-on", "none", str(project / "Dockerfile"))
    assert PIN_RULE in {f["rule"] for f in json.loads(before.stdout)["findings"]}
    (project / ".hadolint.yaml").write_text("ignored: [DL3999, DL3008]\n")
    run = hullcheck("lint", "-f", "json", "--fail-on", "none", str(project / "Dockerfile"))
    assert run.code == 0, run.stderr
    assert run.err_lines == [
        f"hullcheck: warning: {project / '.hadolint.yaml'}: DL3999 is a hadolint/ShellCheck "
        "code no hullcheck rule covers; ignored"
    ]
    # the known code still applies
    assert PIN_RULE not in {f["rule"] for f in json.loads(run.stdout)["findings"]}
