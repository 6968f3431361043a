"""The lint pipeline and CLI: discovery, config, pragmas, formats, exit codes, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.errors import ConfigError, InputError
from hullcheck.lint import Linter, exit_code, find_dockerfiles
from hullcheck.model import Finding, Location, Practice, Severity
from hullcheck.policy import config as config_mod

BAD = "FROM debian\nRUN apt-get install -y curl\n"  # HC1001 (medium), HC2001 (high), HC4010


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# the pipeline is tested with the example rules; the full rule set has its own tests
EXAMPLE_RULES = frozenset({"HC0001", "HC1001", "HC2001", "HC4010", "HC6001"})


def rules_of(findings: Iterable[Finding]) -> list[tuple[str, int | None]]:
    return sorted((f.rule, f.location.line) for f in findings if f.rule in EXAMPLE_RULES)


def test_findings_carry_rule_metadata_and_exact_lines() -> None:
    result = Linter().lint_text(BAD, "Dockerfile")
    assert rules_of(result.findings) == [("HC1001", 1), ("HC2001", 1), ("HC4010", 2)]
    f = next(f for f in result.findings if f.rule == "HC4010")
    assert f.practice is Practice.LAYER_HYGIENE and f.severity is Severity.LOW
    assert f.fix and f.title and f.location.path == "Dockerfile"


def test_syntax_error_is_one_finding_and_other_files_still_checked(tmp_path: Path) -> None:
    write(tmp_path / "a" / "Dockerfile", "FROM alpine:3\nRUN <<EOF\necho\n")
    write(tmp_path / "b" / "Dockerfile", BAD)
    report = Linter().lint_paths([str(tmp_path)])
    syntax = [f for f in report.findings if f.rule == "HC0001"]
    assert len(syntax) == 1 and syntax[0].location.line == 2
    assert syntax[0].practice is Practice.SYNTAX
    assert "unterminated heredoc" in syntax[0].message
    assert {"HC1001", "HC2001", "HC4010"} <= {f.rule for f in report.findings}
    assert exit_code(report) == 1


def test_directory_discovery(tmp_path: Path) -> None:
    names = [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "Dockerfile.dev",
        "x.dockerfile",
        "Dockerfile-prod",
        "build_Dockerfile",
    ]
    for name in names:
        write(tmp_path / "sub" / name, BAD)
    for other in ("README.md", "Dockerfile.md", "dockerfile.py", "Dockerfiles", "mydockerfile"):
        write(tmp_path / "sub" / other, "x")
    write(tmp_path / ".git" / "Dockerfile", BAD)
    found = {p.name for p in find_dockerfiles([str(tmp_path)])}
    assert found == set(names)


def test_missing_binary_and_huge_inputs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        Linter().lint_paths([str(tmp_path / "nope")])
    binary = tmp_path / "Dockerfile"
    binary.write_bytes(b"\x7fELF\x00\x00\x01")
    report = Linter().lint_paths([str(binary)])
    assert report.errors and "binary" in report.errors[0].message
    assert exit_code(report) == 2
    huge = tmp_path / "big" / "Dockerfile"
    huge.parent.mkdir()
    huge.write_bytes(b"FROM a\n" + b"# x\n" * (2 << 20))
    report = Linter().lint_paths([str(huge)])
    assert report.errors and "MiB" in report.errors[0].message


def test_hullcheck_config_found_upward(tmp_path: Path) -> None:
    write(
        tmp_path / ".hullcheck.yaml",
        "fail-on: medium\nrules:\n  ignore: [HC2001]\n  severity: {HC4010: critical}\n"
        "secrets:\n  disable: [jwt]\n",
    )
    df = write(tmp_path / "deep" / "er" / "Dockerfile", BAD)
    linter = Linter()
    config = linter.config_for(df)
    assert config.sections == {"secrets": {"disable": ["jwt"]}}
    report = linter.lint_paths([str(df)])
    assert rules_of(report.findings) == [("HC1001", 1), ("HC4010", 2)]
    assert [f.rule for f in report.suppressed] == ["HC2001"]
    assert next(f for f in report.findings if f.rule == "HC4010").severity is Severity.CRITICAL
    assert report.summary["failed"] is True


def test_hadolint_config_maps_dl_codes(tmp_path: Path) -> None:
    write(
        tmp_path / ".hadolint.yaml",
        "ignored: [DL3006, DL3007]\noverride:\n  error: [DL3015]\ntrustedRegistries: [r.io]\n"
        "failure-threshold: error\n",
    )
    df = write(tmp_path / "Dockerfile", BAD)
    linter = Linter()
    config = linter.config_for(df)
    assert config.hadolint and config.trusted_registries == ("r.io",)
    assert config.fail_on is Severity.HIGH
    result = linter.lint_text(BAD, str(df), config)
    assert rules_of(result.findings) == [("HC2001", 1), ("HC4010", 2)]
    assert next(f for f in result.findings if f.rule == "HC4010").severity is Severity.HIGH


@pytest.mark.parametrize(
    "text",
    [
        "rules: [HC1]\n",
        "rules:\n  ignores: [HC1001]\n",
        "rules:\n  ignore: [nonsense]\n",
        "fail-on: extreme\n",
        "- a list\n",
        "key: [unclosed\n",
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / ".hullcheck.yaml", text)
    with pytest.raises(ConfigError):
        config_mod.load(path)


def test_pragmas_hullcheck_hadolint_global_and_inside_continuations() -> None:
    text = (
        "# hullcheck global ignore=HC2001\n"
        "# hadolint ignore=DL3006 because we build from a local mirror\n"
        "FROM debian\n"
        "RUN apt-get update && \\\n"
        "    # hullcheck ignore=HC4010\n"
        "    apt-get install -y curl\n"
        "RUN apt-get install -y git\n"
    )
    result = Linter().lint_text(text, "Dockerfile")
    assert rules_of(result.findings) == [("HC4010", 7)]
    assert rules_of(result.suppressed) == [("HC1001", 3), ("HC2001", 3), ("HC4010", 6)]


def test_pragma_applies_only_to_the_next_instruction() -> None:
    text = "FROM debian:12\n# hullcheck ignore=HC4010\nRUN true\nRUN apt-get install -y x\n"
    result = Linter().lint_text(text, "Dockerfile")
    assert ("HC4010", 4) in rules_of(result.findings)


def test_text_scanner_plug_point_gets_policy_applied() -> None:
    def scanner(path: str, text: str) -> list[Finding]:
        line = text.splitlines().index("ENV TOKEN=abc") + 1
        return [
            Finding(
                "HC6001",
                Practice.SECRETS,
                Severity.CRITICAL,
                "Secret in Dockerfile",
                "token",
                Location(path=path, line=line, end_line=line),
            )
        ]

    text = "FROM debian:12\nUSER app\nENV TOKEN=abc\n"
    found = Linter(scanners=[scanner]).lint_text(text, "D").findings
    assert [f.rule for f in found if f.rule in EXAMPLE_RULES] == ["HC6001"]
    silenced = "FROM debian:12\nUSER app\n# hullcheck ignore=HC6001\nENV TOKEN=abc\n"
    result = Linter(scanners=[scanner]).lint_text(silenced, "D")
    assert rules_of(result.findings) == [] and len(result.suppressed) == 1


def test_cli_json_exit_codes_and_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = write(tmp_path / "Dockerfile", BAD)
    assert main(["lint", "--format", "json", str(df)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == 1 and doc["tool"]["name"] == "hullcheck"
    assert {f["rule"] for f in doc["findings"]} & EXAMPLE_RULES == {"HC1001", "HC2001", "HC4010"}
    first = doc["findings"][0]
    assert set(first) >= {"rule", "practice", "severity", "title", "message", "location", "fix"}
    assert first["location"] == {"path": str(df), "line": 1, "end_line": 1}
    assert main(["lint", "--format", "json", "--fail-on", "critical", str(df)]) == 0
    capsys.readouterr()
    clean = write(tmp_path / "ok" / "Dockerfile", "FROM debian:12\nUSER app\n")
    assert main(["lint", str(clean)]) == 0
    assert main(["lint", str(clean), str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_plain_output_and_explicit_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = write(tmp_path / "Dockerfile", BAD)
    cfg = write(tmp_path / "conf.yaml", "rules:\n  ignore: [HC1001, HC2001, HC4010]\n")
    cfg = cfg.rename(tmp_path / ".hullcheck.yaml")
    assert main(["lint", "--config", str(cfg), str(df)]) == 0
    out = capsys.readouterr().out
    assert " 3 suppressed" in out
    assert main(["lint", "--config", str(tmp_path / "nope.yaml"), str(df)]) == 2
    assert "cannot read config" in capsys.readouterr().err


def test_hostile_text_never_crashes() -> None:
    samples = [
        "",
        "\x00\x01\x02",
        "FROM " + "a" * 70000,
        "RUN " + "$(" * 500,
        "FROM a\nRUN " + "\\\n" * 1000,
        "FROM a\nRUN <<" + "A" * 300 + "\n",
        "FROM a\nCOPY <<EOF\n",
        "\ufeff# escape=`\nFROM a`\n b\n",
        "FROM a\nENV " + 'x="' * 100,
    ]
    for text in samples:
        result = Linter().lint_text(text, "Dockerfile")
        # a rule that raised is caught and reported: that is a crash too
        assert not result.errors, (text[:40], result.errors)


def test_fifo_is_refused_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        Linter().lint_paths([str(fifo)])
    write(tmp_path / "d" / "Dockerfile", BAD)
    os.mkfifo(tmp_path / "d" / "Containerfile")
    assert [p.name for p in find_dockerfiles([str(tmp_path / "d")])] == ["Dockerfile"]


def test_list_rules_comes_from_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    from hullcheck.rules.registry import RULES

    assert main(["lint", "--list-rules"]) == 0
    out = capsys.readouterr().out
    for rule in RULES:
        assert f"| {rule.id} | {rule.severity.value} |" in out
    assert main(["lint"]) == 2


def test_from_reference_stage_or_image() -> None:
    from hullcheck.dockerfile import parse
    from hullcheck.dockerfile.imageref import ImageRef

    df = parse("ARG V=1.2\nFROM a:1 AS build\nFROM b:2\nCOPY --from=build /x /y\n")
    assert df.from_reference("build") is df.stages[0]
    assert df.from_reference("BUILD", before=0) != df.stages[0]
    ref = df.from_reference("nginx:${V}")
    assert isinstance(ref, ImageRef) and ref.tag == "1.2"


def test_fail_on_none_reports_but_never_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = write(tmp_path / "Dockerfile", BAD)
    assert main(["lint", "--fail-on", "none", str(df)]) == 0
    assert "HC2001" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        main(["lint", "--fail-on", "nonsense", str(df)])
    assert exc.value.code == 2


def test_cli_sarif_and_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    df = write(tmp_path / "Dockerfile", BAD)
    out = tmp_path / "report.sarif"
    assert main(["lint", "--format", "sarif", "--output", str(out), str(df)]) == 1
    assert capsys.readouterr().out == ""
    log = json.loads(out.read_text())
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"HC1001", "HC2001", "HC4010"} <= rule_ids
    root = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "HC2001")
    assert "root" in json.dumps(root)
    lines = {
        (res["ruleId"], res["locations"][0]["physicalLocation"]["region"]["startLine"])
        for res in run["results"]
    }
    assert ("HC4010", 2) in lines
    assert main(["lint", "--format", "table", "--color", "never", str(df)]) == 1
    table = capsys.readouterr().out
    assert "HC2001" in table and "\x1b[" not in table


def test_stdin_dash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.chdir(tmp_path)
    write(tmp_path / ".hullcheck.yaml", "rules:\n  ignore: [HC2001]\n")
    linter = Linter()
    report = linter.lint_paths(["-"], stdin=io.BytesIO(BAD.encode()))
    assert rules_of(report.findings) == [("HC1001", 1), ("HC4010", 2)]
    assert {f.location.path for f in report.findings} == {"-"}
    assert linter.stdin_text == BAD
    report = Linter().lint_paths(["-"], stdin=io.BytesIO(b"\x00\x01binary"))
    assert report.errors and "standard input" in report.errors[0].message


def test_a_crashing_rule_is_an_error_not_a_crash(tmp_path: Path) -> None:
    from hullcheck.rules.base import Hit, Rule, RuleContext
    from hullcheck.rules.registry import RULES

    def broken(ctx: RuleContext) -> list[Hit]:
        raise IndexError("oops")

    bad_rule = Rule(
        id="HC9999",
        name="broken",
        title="Broken",
        severity=Severity.LOW,
        practice=Practice.AUDIT,
        explanation="x",
        fix="y",
        check=broken,
    )
    df = write(tmp_path / "Dockerfile", BAD)
    report = Linter(rules=(*RULES, bad_rule)).lint_paths([str(df)])
    assert "rule HC9999 failed: IndexError: oops" in report.errors[0].message
    assert ("HC2001", 1) in rules_of(report.findings)  # the other rules still ran
    assert exit_code(report) == 2  # an incomplete check never passes a gate


def test_hadolint_codes_narrow_multi_code_rules(tmp_path: Path) -> None:
    text = "FROM debian\nFROM alpine:latest\nUSER app\n"  # HC1001 as DL3006, then as DL3007
    both = Linter().lint_text(text, "D")
    assert [(f.rule, f.location.line) for f in both.findings if f.rule == "HC1001"] == [
        ("HC1001", 1),
        ("HC1001", 2),
    ]
    only_latest = "# hadolint global ignore=DL3007\n" + text
    result = Linter().lint_text(only_latest, "D")
    assert [f.location.line for f in result.findings if f.rule == "HC1001"] == [2]
    write(tmp_path / ".hadolint.yaml", "ignored: [DL3006]\noverride:\n  error: [DL3007]\n")
    df = write(tmp_path / "Dockerfile", text)
    report = Linter().lint_paths([str(df)])
    hc1001 = [f for f in report.findings if f.rule == "HC1001"]
    assert [(f.location.line, f.severity) for f in hc1001] == [(2, Severity.HIGH)]


def test_pragmas_naming_unknown_ids_warn_without_changing_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = write(
        tmp_path / "Dockerfile",
        "# hullcheck ignore=HC9999,HC1001 typo and a real one\nFROM debian\n"
        "# hadolint ignore=DL3055,SC2086,DL3015\nRUN apt-get install -y curl\n"
        "# hullcheck global ignore=secret:no-such-kind,secret:jwt\nUSER app\n",
    )
    report = Linter().lint_paths([str(df)])
    assert {d.level for d in report.diagnostics} == {"warning"}
    assert [d.message for d in report.diagnostics] == [
        f"{df}:1: pragma names unknown rule HC9999; it silences nothing",
        f"{df}:3: pragma names DL3055, which no hullcheck rule covers",
        f"{df}:5: pragma names unknown rule secret:no-such-kind; it silences nothing",
    ]
    assert {"HC1001", "HC4010"} <= {f.rule for f in report.suppressed}  # known ids still work
    assert main(["lint", "--format", "json", str(df)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["errors"] == []
    assert out.err.count("hullcheck: warning: ") == 3 and "HC9999" in out.err
    clean = write(tmp_path / "ok" / "Dockerfile", "# hullcheck ignore=HC1001\nFROM debian\n")
    assert Linter().lint_paths([str(clean)]).diagnostics == []
