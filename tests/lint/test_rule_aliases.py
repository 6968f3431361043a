"""Renamed rules keep their old ids as aliases: configs, ignore files and pragmas written
for HC2007 (now HC6006), HC5003 (now HC3047) and the ids moved into their practice's range
(HC3001 now HC4010, HC0002 now HC3040) still silence and re-rate them, and every
finding of a rule with a hadolint equivalent names that code."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.lint import Linter
from hullcheck.model import Severity
from hullcheck.policy.ignores import load_ignore_file
from hullcheck.rules.registry import RULES

PASSWORD = "FROM debian:12@sha256:" + "a" * 64 + "\nRUN echo 'root:toor' | chpasswd\nUSER 10001\n"
ADD = "FROM debian:12@sha256:" + "a" * 64 + "\nADD app.py /app/\nUSER 10001\n"
APT = (
    "FROM debian:12@sha256:" + "a" * 64 + "\nRUN apt-get update && apt-get install -y"
    " curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*\nUSER 10001\n"
)
WORKDIR = "FROM debian:12@sha256:" + "a" * 64 + "\nWORKDIR app\nUSER 10001\n"
# renamed when ids were grouped by practice (HC3001 -> HC4010, HC0002 -> HC3040)
CASES = [
    (PASSWORD, "HC2007", "HC6006"),
    (ADD, "HC5003", "HC3047"),
    (APT, "HC3001", "HC4010"),
    (WORKDIR, "HC0002", "HC3040"),
]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _rules(findings: object) -> list[str]:
    return [f.rule for f in findings]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "old", "new"), CASES)
def test_old_id_in_config_ignore_and_severity(
    tmp_path: Path, text: str, old: str, new: str
) -> None:
    df = _write(tmp_path / "Dockerfile", text)
    assert new in _rules(Linter().lint_paths([str(df)]).findings)
    _write(tmp_path / ".hullcheck.yaml", f"rules:\n  ignore: [{old.lower()}]\n")
    report = Linter().lint_paths([str(df)])
    assert new not in _rules(report.findings)
    assert new in _rules(report.suppressed)
    _write(tmp_path / ".hullcheck.yaml", f"rules:\n  severity: {{{old}: critical}}\n")
    found = [f for f in Linter().lint_paths([str(df)]).findings if f.rule == new]
    assert [f.severity for f in found] == [Severity.CRITICAL]


@pytest.mark.parametrize(("text", "old", "new"), CASES)
def test_old_id_in_pragma(text: str, old: str, new: str) -> None:
    lines = text.splitlines(keepends=True)
    silenced = lines[0] + f"# hullcheck ignore={old} legacy id\n" + "".join(lines[1:])
    result = Linter().lint_text(silenced, "Dockerfile")
    assert new not in _rules(result.findings)
    assert new in _rules(result.suppressed)
    assert not [d for d in result.diagnostics if d.code == "pragma-unknown"]


def test_old_id_in_ignore_file(tmp_path: Path) -> None:
    path = _write(tmp_path / ".hullcheckignore", "- id: HC2007\n  reason: legacy id\n")
    assert [r.id for r in load_ignore_file(path)] == ["HC6006"]


def test_unknown_id_is_still_an_error(tmp_path: Path) -> None:
    from hullcheck.errors import ConfigError
    from hullcheck.policy import config as config_mod

    path = _write(tmp_path / ".hullcheck.yaml", "rules:\n  ignore: [HC2099]\n")
    with pytest.raises(ConfigError, match="HC2099"):
        config_mod.load(path)


def test_findings_of_rules_with_one_hadolint_code_carry_it() -> None:
    result = Linter().lint_text("FROM debian:12\nMAINTAINER me\nRUN cd /x && make\n", "Dockerfile")
    by_rule = {f.rule: f for f in result.findings}
    assert by_rule["HC7001"].extra["hadolint"] == "DL4000"
    assert by_rule["HC3031"].extra["hadolint"] == "DL3003"
    for finding in result.findings:
        rule = next(r for r in RULES if r.id == finding.rule)
        if rule.hadolint:
            assert finding.extra.get("hadolint") in rule.hadolint, finding.rule


@pytest.mark.parametrize(
    ("text", "code"),
    [("FROM debian:12\nFROBNICATE x\n", "DL1000"), ("FROM debian:12\nONBUILD FROM x\n", "DL3043")],
)
def test_syntax_finding_names_its_hadolint_code(text: str, code: str) -> None:
    result = Linter().lint_text(text, "Dockerfile")
    syntax = [f for f in result.findings if f.rule == "HC0001"]
    assert [f.extra["hadolint"] for f in syntax] == [code]
