"""Issue 10, point 4: severity from the data, never invented, through the CLI on the real
python-npm image (PyYAML 5.3 is affected by CVE-2020-14343, CVSS 3.1 base score 9.8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import run_cli

pytestmark = pytest.mark.images
BASE = ["-q", "-f", "json", "--allow-incomplete", "vulnerability-coverage"]


def _pyyaml(doc: Any) -> dict[str, Any]:
    return {
        f["rule"]: f
        for f in doc["findings"]
        if f["practice"] == "vulnerabilities" and f["package"]["name"] == "pyyaml"
    }


def test_pyyaml_53_fails_fail_on_critical(
    python_npm: str, pypi_ghsa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_cli(
        capsys, ["scan", python_npm, "--db", str(pypi_ghsa_db), *BASE, "--fail-on", "critical"]
    )
    assert run.code == 1
    finding = _pyyaml(run.json())["PYSEC-2021-142"]
    assert finding["severity"] == "critical"
    assert "CVE-2020-14343" in finding["aliases"] and "GHSA-8q59-q68h-6hv4" in finding["aliases"]
    assert finding["severity_source"] == "CVSS_V3 base score 9.8 in GHSA-8q59-q68h-6hv4"
    assert finding["cvss"]["vector"] == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def test_no_severity_is_unknown_and_gates_as_high(
    python_npm: str, pypi_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["scan", python_npm, "--db", str(pypi_db), *BASE]
    run = run_cli(capsys, [*args, "--fail-on", "high"])
    found = _pyyaml(run.json())
    assert found["PYSEC-2021-142"]["severity"] == "unknown"  # the PYSEC record has none
    assert run.code == 1  # unknown counts as high
    assert run_cli(capsys, [*args, "--fail-on", "critical"]).code == 0
    config = tmp_path / ".hullcheck.yaml"
    config.write_text("vulnerabilities:\n  unknown-severity: critical\n")
    strict = run_cli(capsys, [*args, "--fail-on", "critical", "--config", str(config)])
    assert strict.code == 1
    table = run_cli(
        capsys,
        ["scan", python_npm, "--db", str(pypi_db), "--color", "never", "--fail-on", "none",
         "--allow-incomplete", "vulnerability-coverage"],
    )  # fmt: skip
    assert " UNKNOWN   PYSEC-2021-142" in table.out


def test_config_regrades_and_ignores_by_advisory_id_or_alias(
    python_npm: str, pypi_ghsa_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / ".hullcheck.yaml"
    config.write_text(
        "rules:\n"
        "  severity: {CVE-2020-14343: low}\n"  # an alias of PYSEC-2021-142
        "  ignore: [PYSEC-2020-96]\n"
    )
    run = run_cli(
        capsys,
        ["scan", python_npm, "--db", str(pypi_ghsa_db), *BASE, "--config", str(config),
         "--fail-on", "critical", "--show-suppressed"],
    )  # fmt: skip
    doc = run.json()
    found = _pyyaml(doc)
    assert found["PYSEC-2021-142"]["severity"] == "low"
    assert found["PYSEC-2021-142"]["original_severity"] == "critical"
    assert "PYSEC-2020-96" not in found
    assert any(s["rule"] == "PYSEC-2020-96" for s in doc["suppressed"])
    assert run.code == 0


def test_unknown_is_not_a_severity_a_config_may_set(
    python_npm: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / ".hullcheck.yaml"
    config.write_text("rules:\n  severity: {CVE-2020-14343: unknown}\n")
    run = run_cli(capsys, ["scan", python_npm, "--config", str(config), "-q"])
    assert run.code == 2
    assert "rules.severity.CVE-2020-14343" in run.err
