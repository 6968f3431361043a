"""``hullcheck advise OLD NEW`` on two real builds (buildah bud, vfs, chroot isolation).

The two builds (tests/advise/conftest.py): the app on bullseye with Jinja2 and a private
key, then on bookworm without them, with a 2 MiB model file and a non-root USER.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.conftest import ROOT
from tests.vulns import osv_fixtures


@pytest.fixture(scope="module")
def dsa_db(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return osv_fixtures.debian_11_db(shared_dir, tmp_path_factory.mktemp("dsa-db"))


def _advise(
    capsys: pytest.CaptureFixture[str], builds: tuple[Path, Path], *extra: str
) -> tuple[int, dict]:  # type: ignore[type-arg]
    work, layout = builds
    code = main([
        "advise", f"oci:{layout}:app-old", f"oci:{layout}:app-new",
        "--old-dockerfile", str(work / "old" / "Dockerfile"),
        "--dockerfile", str(work / "new" / "Dockerfile"), *extra,
    ])  # fmt: skip
    out = capsys.readouterr().out
    return code, json.loads(out) if "json" in extra else {"text": out}


def _changes(out: dict, verdict: str, kind: str) -> list[dict]:  # type: ignore[type-arg]
    return [c for c in out["changes"] if c["verdict"] == verdict and c["kind"] == kind]


@pytest.mark.images
@pytest.mark.timeout(900)
def test_each_change_is_judged_and_traced_to_its_line(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    work, _layout = builds
    old_df, new_df = str(work / "old" / "Dockerfile"), str(work / "new" / "Dockerfile")
    code, out = _advise(capsys, builds, "-f", "json", "--allow-incomplete",
                        "vulnerability-coverage")  # fmt: skip
    assert code == 0
    # the key is gone: a resolved finding, caused by the old build's COPY line
    (key,) = [c for c in _changes(out, "better", "finding") if "private-key" in c["summary"]]
    assert key["cause"]["path"] == old_df and key["cause"]["line"] == 4
    assert key["cause"]["text"] == "COPY id_rsa /root/.ssh/id_rsa"
    assert "BEGIN" not in json.dumps(out)
    # Jinja2 was dropped: its packages and its vulnerabilities are better, from ADD deps.tar
    removed = {c["summary"].split()[1]: c for c in _changes(out, "better", "package")}
    assert "jinja2" in removed
    assert removed["jinja2"]["cause"]["line"] == 3
    assert removed["jinja2"]["cause"]["text"] == "ADD deps.tar /"
    fixed = _changes(out, "better", "vulnerability")
    assert fixed and all(" jinja2 " in c["summary"] for c in fixed)
    assert all(c["cause"]["path"] == old_df and c["cause"]["line"] == 3 for c in fixed)
    # the model file made the image bigger: a new layer, from the new Dockerfile's line 5
    (model,) = [c for c in _changes(out, "worse", "size") if "a new layer" in c["summary"]]
    assert model["cause"]["path"] == new_df and model["cause"]["line"] == 5
    assert model["cause"]["text"] == "COPY model.bin /opt/app/model.bin"
    assert model["summary"].startswith("+2.0")
    # bullseye -> bookworm: Debian packages changed version, caused by ADD base.tar
    bumped = [c for c in _changes(out, "neutral", "package") if c["summary"].endswith("(deb)")]
    assert len(bumped) > 30
    assert {(c["cause"]["path"], c["cause"]["line"]) for c in bumped} == {(new_df, 2)}
    assert out["old"]["size"] < out["new"]["size"]
    # nothing worse that is not explained by a line
    assert all(c["cause"] for c in out["changes"] if c["kind"] in ("package", "size"))
    assert any("user" in c["summary"] for c in out["changes"] if c["kind"] == "config")


@pytest.mark.images
@pytest.mark.timeout(900)
def test_missing_debian_12_advisories_are_said_never_a_silent_zero(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _advise(capsys, builds, "--allow-incomplete", "vulnerability-coverage")
    assert code == 0
    text = out["text"]
    assert "vulnerabilities" in text and "INCOMPLETE, not checked:" in text
    assert "new: Debian:12" in text
    assert "<- " in text and "Dockerfile:5: COPY model.bin /opt/app/model.bin" in text
    # without accepting the loss, the run cannot pass
    code, _out = _advise(capsys, builds)
    assert code == 2


def test_dockerfile_needs_two_images(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["advise", "example.invalid/x:1", "--dockerfile", str(tmp_path / "D")]) == 2
    assert "go with two images" in capsys.readouterr().err


@pytest.mark.images
@pytest.mark.timeout(900)
def test_the_doc_example(
    builds: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/diff.md's ``advise OLD NEW`` example: each line shown there is printed, in order."""
    text = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    section = text[text.index("## advise OLD NEW") :]
    block = section[section.index("```text\n") + 8 :]
    block = block[: block.index("```")]
    command, *shown = block.splitlines()
    monkeypatch.chdir(builds[0])
    assert main(command.removeprefix("$ hullcheck ").split()) == 0
    printed = capsys.readouterr().out.splitlines()
    at = 0
    for line in shown:
        if line.strip() == "...":
            continue
        assert line in printed[at:], line
        at = printed.index(line, at) + 1


@pytest.mark.images
@pytest.mark.timeout(900)
def test_debian_11_is_checked_debian_12_is_said_unchecked(
    builds: tuple[Path, Path], dsa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With bullseye advisories in the database the old build's Debian packages are
    checked; the new build's bookworm ones are not, and the report says so per side."""
    code, out = _advise(capsys, builds, "-f", "json", "--db", str(dsa_db),
                        "--allow-incomplete", "vulnerability-coverage")  # fmt: skip
    assert code == 0
    assert out["old"]["coverage"] == {"known": True, "unchecked": {}}
    assert out["new"]["coverage"]["unchecked"] == {"Debian:12": 96}
    assert out["vulnerabilities"]["complete"] is False
    assert out["vulnerabilities"]["not_checked"] == ["Debian:12"]
    code, text = _advise(capsys, builds, "--db", str(dsa_db), "--allow-incomplete",
                         "vulnerability-coverage")  # fmt: skip
    assert "new: Debian:12 96 packages" in text["text"] and "old: " not in text["text"]
    # the loss is the new build's alone: not accepting it fails the run
    assert _advise(capsys, builds, "--db", str(dsa_db))[0] == 2
