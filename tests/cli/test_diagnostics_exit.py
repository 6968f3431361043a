"""Diagnostics decide the verdict, end to end: a package database no cataloger can read is
exit 2 naming it (scan and sbom), ``--allow-incomplete`` with exactly that kind brings
back the findings' verdict, another kind does not, and warnings alone exit 0."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import assert_one_error_line, hullcheck
from tests.fixtures.imagebuilder import File, Layer, make_image

OS_RELEASE = b'ID=rhel\nVERSION_ID="9.4"\nPRETTY_NAME="Red Hat Enterprise Linux 9.4"\n'


def _broken_rpmdb_image(tmp_path: Path) -> str:
    layers = [
        Layer([File("etc/os-release", OS_RELEASE), File("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]),
        Layer([File("var/lib/rpm/rpmdb.sqlite", b"this is not an rpm database" * 40)]),
    ]
    return make_image(tmp_path / "img", layers, config={"User": "1000"}).reference


def test_unreadable_rpmdb_is_exit_2_naming_it_unless_accepted(tmp_path: Path) -> None:
    image = _broken_rpmdb_image(tmp_path)
    scan = ["scan", image, "--no-vulns", "--fail-on", "none", "-f", "json"]
    run = hullcheck(*scan)
    assert_one_error_line(run, "/var/lib/rpm/rpmdb.sqlite", "--allow-incomplete catalog-unreadable")
    doc = json.loads(run.stdout)
    (loss,) = [d for d in doc["diagnostics"] if d["level"] == "error"]
    assert loss["kind"] == "catalog-unreadable" and loss["stage"] == "catalog"
    assert "not_examined" in loss and doc["errors"][0]["kind"] == "catalog-unreadable"
    assert doc["summary"]["complete"] is False

    accepted = hullcheck(*scan, "--allow-incomplete", "catalog-unreadable")
    assert accepted.code == 0, accepted.stderr
    assert not any(line.startswith("hullcheck: error:") for line in accepted.err_lines)
    doc = json.loads(accepted.stdout)
    assert doc["errors"] == [] and doc["diagnostics"][0]["accepted"] is True

    other = hullcheck(*scan, "--allow-incomplete", "rule-failed")
    assert other.code == 2  # only exactly that loss may be accepted

    findings_gate = hullcheck(
        "scan", image, "--no-vulns", "--fail-on", "info", "--allow-incomplete", "catalog-unreadable"
    )
    assert findings_gate.code == 1, findings_gate.stderr  # accepted: findings decide again

    sbom = hullcheck("sbom", image, "-f", "cyclonedx-json")
    assert_one_error_line(sbom, "/var/lib/rpm/rpmdb.sqlite")
    assert hullcheck("sbom", image, "--allow-incomplete", "catalog-unreadable").code == 0


def test_config_allow_incomplete_accepts_the_same_loss(tmp_path: Path) -> None:
    image = _broken_rpmdb_image(tmp_path)
    cfg = tmp_path / ".hullcheck.yaml"
    cfg.write_text("allow-incomplete: [catalog-unreadable]\n")
    run = hullcheck("scan", image, "--no-vulns", "--fail-on", "none", "--config", str(cfg))
    assert run.code == 0, run.stderr
    assert any("accepted [catalog-unreadable]" in line for line in run.err_lines)


def test_unknown_allow_incomplete_kind_is_one_line(tmp_path: Path) -> None:
    image = _broken_rpmdb_image(tmp_path)
    run = hullcheck("scan", image, "--allow-incomplete", "catalog-unreadabel")
    assert_one_error_line(run, "did you mean catalog-unreadable?")


def test_warnings_alone_exit_0(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("# hullcheck ignore=HC9999 a typo\nFROM debian:12\nUSER app\n")
    run = hullcheck("lint", "--fail-on", "none", str(dockerfile))
    assert run.code == 0, run.stderr
    assert run.err_lines and all(line.startswith("hullcheck: warning:") for line in run.err_lines)


def test_lint_errors_inside_scan_dockerfile_are_kept(tmp_path: Path, test_images: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:12\n# hullcheck ignore=HC9999 a typo\nUSER app\n")
    image = f"oci:{test_images}/oci-per-tag/debian-minbase"
    run = hullcheck(
        "scan", image, "--no-vulns", "--fail-on", "none", "-f", "json",
        "--dockerfile", str(dockerfile),
    )  # fmt: skip
    assert run.code == 0, run.stderr
    kinds = {d["kind"] for d in json.loads(run.stdout)["diagnostics"]}
    assert "pragma-unknown" in kinds  # lint's warnings reach the scan report
