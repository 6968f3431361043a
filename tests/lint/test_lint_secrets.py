"""The ``secrets:`` section of ``.hullcheck.yaml`` in lint: user rules, allow-lists, errors.

Values are fake: random-looking literals in the shapes the engine judges.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.errors import ConfigError
from hullcheck.lint import Linter, exit_code
from hullcheck.model import Finding, Severity
from hullcheck.policy import config as config_mod

ACME = "acme_" + "0123456789abcdef" * 2
USER_RULE = """secrets:
  rules:
    - id: acme-api-token
      title: ACME API token
      regex: 'acme_(?P<secret>[a-z0-9]{32})'
      keywords: [acme_]
"""
DOCKERFILE = f"FROM debian:12\nENV ACME_URL=https://api.acme.io/{ACME}\nENV DB_PASSWORD=hunter2x9\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def secrets_of(findings: list[Finding]) -> list[tuple[int | None, object]]:
    return sorted(
        (f.location.line, f.extra.get("secret_rule")) for f in findings if f.rule == "HC6001"
    )


def test_user_rule_fires_in_lint_and_not_without_config(tmp_path: Path) -> None:
    df = write(tmp_path / "plain" / "Dockerfile", DOCKERFILE)
    assert (2, "acme-api-token") not in secrets_of(Linter().lint_paths([str(df)]).findings)
    write(tmp_path / "cfg" / ".hullcheck.yaml", USER_RULE)
    df = write(tmp_path / "cfg" / "Dockerfile", DOCKERFILE)
    report = Linter().lint_paths([str(df)])
    assert (2, "acme-api-token") in secrets_of(report.findings)
    found = next(f for f in report.findings if f.extra.get("secret_rule") == "acme-api-token")
    assert ACME[5:] not in f"{found.message} {found.extra}"  # never printed in full


def test_allowlist_regex_and_fingerprint_silence_values(tmp_path: Path) -> None:
    df = write(tmp_path / "Dockerfile", DOCKERFILE)
    write(tmp_path / ".hullcheck.yaml", USER_RULE)
    before = Linter().lint_paths([str(df)]).findings
    assert secrets_of(before) == [(2, "acme-api-token"), (3, "secret-in-variable")]
    printed = next(f for f in before if f.location.line == 3).extra["fingerprint"]
    write(
        tmp_path / ".hullcheck.yaml",
        USER_RULE
        + f"  allowlist:\n    regexes: ['^0123456789abcdef0']\n    fingerprints: ['{printed}']\n",
    )
    report = Linter().lint_paths([str(df)])
    assert secrets_of(report.findings) == []
    assert len([f for f in report.suppressed if f.rule == "HC6001"]) == 0  # not found at all


def test_engine_built_once_per_config_file(tmp_path: Path) -> None:
    write(tmp_path / ".hullcheck.yaml", USER_RULE)
    for name in ("a", "b", "c"):
        write(tmp_path / name / "Dockerfile", DOCKERFILE)
    linter = Linter()
    report = linter.lint_paths([str(tmp_path)])
    assert len([f for f in report.findings if f.extra.get("secret_rule") == "acme-api-token"]) == 3
    engines = {id(engine) for _, engine in linter._secrets.values() if engine is not None}
    assert len(engines) == 1


def test_bad_secrets_section_is_an_error_for_that_file(tmp_path: Path) -> None:
    write(tmp_path / "bad" / ".hullcheck.yaml", "secrets:\n  disable: [no-such-rule]\n")
    write(tmp_path / "bad" / "Dockerfile", DOCKERFILE)
    write(tmp_path / "good" / "Dockerfile", DOCKERFILE)
    report = Linter().lint_paths([str(tmp_path)])
    assert [e.path for e in report.errors] == [str(tmp_path / "bad" / "Dockerfile")]
    assert "no-such-rule" in report.errors[0].message
    assert exit_code(report) == 2
    assert (3, "secret-in-variable") in secrets_of(report.findings)  # the good file still ran


def test_ignore_one_secret_kind_in_config_and_pragma(tmp_path: Path) -> None:
    write(
        tmp_path / ".hullcheck.yaml",
        USER_RULE + "rules:\n  ignore: [secret:Secret-In-Variable]\n"
        "  severity: {secret:acme-api-token: low}\n",
    )
    df = write(tmp_path / "Dockerfile", DOCKERFILE)
    report = Linter().lint_paths([str(df)])
    assert secrets_of(report.findings) == [(2, "acme-api-token")]
    assert [f.severity for f in report.findings if f.rule == "HC6001"] == [Severity.LOW]
    assert secrets_of(report.suppressed) == [(3, "secret-in-variable")]
    pragma = DOCKERFILE.replace(
        "ENV ACME", "# hullcheck ignore=secret:acme-api-token why\nENV ACME"
    )
    write(tmp_path / "Dockerfile", pragma)
    report = Linter().lint_paths([str(df)])
    assert secrets_of(report.findings) == []
    assert secrets_of(report.suppressed) == [(3, "acme-api-token"), (4, "secret-in-variable")]


def test_secret_kind_ignore_does_not_silence_other_kinds() -> None:
    text = "FROM debian:12\n# hullcheck ignore=secret:github-token\nENV DB_PASSWORD=hunter2x9\n"
    result = Linter().lint_text(text, "Dockerfile")
    assert secrets_of(result.findings) == [(3, "secret-in-variable")]


def test_bad_secret_ignore_in_config_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / ".hullcheck.yaml", "rules:\n  ignore: ['secret:']\n")
    with pytest.raises(ConfigError, match="secret:<secrets engine rule id>"):
        config_mod.load(tmp_path / ".hullcheck.yaml")


def test_gitleaks_import_notes_are_warnings_once_per_config(tmp_path: Path) -> None:
    write(
        tmp_path / ".gitleaks.toml",
        "[[rules]]\nid = 'pem-file'\ndescription = 'PEM file'\npath = '''\\.pem$'''\n"
        "[[rules]]\nid = 'acme'\ndescription = 'ACME'\nregex = '''acme_([a-z0-9]{32})'''\n"
        "secretGroup = 1\n",
    )
    write(tmp_path / ".hullcheck.yaml", "secrets:\n  gitleaks: .gitleaks.toml\n")
    for name in ("a", "b"):
        write(tmp_path / name / "Dockerfile", DOCKERFILE)
    report = Linter().lint_paths([str(tmp_path)])
    warnings = [d.message for d in report.diagnostics if d.level == "warning"]
    assert len(warnings) == 1 and not report.errors
    assert "pem-file" in str(warnings[0]) and str(tmp_path / ".hullcheck.yaml") in str(warnings[0])
    assert [ln for ln, kind in secrets_of(report.findings) if kind == "gitleaks-acme"] == [2, 2]
