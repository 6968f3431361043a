"""``lint``/``scan --baseline REPORT.json``: only findings the baseline lacks decide the exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main

ACCEPT = ("--allow-incomplete", "vulnerability-coverage")  # no Debian advisories here
OLD = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nUSER root\n"


def _lint_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["lint", str(path), "-f", "json", "--fail-on", "low", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_lint_baseline_fails_only_on_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(OLD)
    code, report = _lint_json(dockerfile, capsys)
    assert code == 1 and report["findings"]
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(report))
    # lines move (a comment and an ENV above): the old findings still match
    dockerfile.write_text("# moved\nFROM debian:12\nENV A=1\n" + OLD.split("\n", 1)[1])
    code, again = _lint_json(dockerfile, capsys, "--baseline", str(baseline))
    assert code == 0, again["findings"]
    assert again["findings"] == []
    assert again["summary"]["baselined"] == len(report["findings"])
    assert {f["suppressed"]["by"] for f in again["suppressed"]} >= {"baseline"}
    # a new finding fails the gate, and only it is reported
    dockerfile.write_text(dockerfile.read_text() + "ADD app.py /app/\n")
    code, new = _lint_json(dockerfile, capsys, "--baseline", str(baseline))
    assert code == 1
    assert [f["rule"] for f in new["findings"]] == ["HC3047"]


def test_bad_baseline_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(OLD)
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["lint", str(dockerfile), "--baseline", str(bad)]) == 2
    assert "not a hullcheck JSON report" in capsys.readouterr().err


@pytest.mark.images
def test_scan_baseline_on_real_images(
    test_images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = test_images / "docker-archive"
    saved = tmp_path / "python-npm.json"
    code = main(["scan", f"docker-archive:{archive / 'python-npm.tar'}", "-f", "json",
                 "-o", str(saved), "--fail-on", "low", *ACCEPT])  # fmt: skip
    assert code == 1
    capsys.readouterr()
    # the same image against its own baseline: nothing new
    assert main(["scan", f"docker-archive:{archive / 'python-npm.tar'}", "-f", "json",
                 "--fail-on", "low", "--baseline", str(saved), *ACCEPT]) == 0  # fmt: skip
    same = json.loads(capsys.readouterr().out)
    assert same["findings"] == [] and same["summary"]["baselined"] > 10
    # secret-deleted adds a layer and deletes the key: the key finding is the same key
    code = main(["scan", f"docker-archive:{archive / 'secret-deleted.tar'}", "-f", "json",
                 "--fail-on", "low", "--baseline", str(saved), *ACCEPT])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert "private-key" not in {f["rule"] for f in out["findings"]}
    assert code == (1 if out["findings"] else 0)
