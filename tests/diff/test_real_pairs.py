"""``hullcheck diff`` on real image pairs: python-npm against secret-deleted, an image
against its own SBOM, Debian bookworm against bullseye, two builds for --reproducible."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.conftest import ROOT
from tests.vulns import osv_fixtures

ACCEPT = "vulnerability-coverage"
DIFF_IMAGES = Path(os.environ.get("HULLCHECK_DIFF_IMAGES", ROOT / ".cache" / "diff-images"))


def _diff(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    # the embedded database has no Debian or npm advisories: that loss is accepted here
    code = main(["diff", *argv, "--format", "json", "--allow-incomplete", ACCEPT])
    return code, json.loads(capsys.readouterr().out)


def _archive(test_images: Path, name: str) -> str:
    return f"docker-archive:{test_images / 'docker-archive' / f'{name}.tar'}"


@pytest.mark.images
def test_python_npm_against_secret_deleted(
    test_images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _diff(
        capsys, _archive(test_images, "python-npm"), _archive(test_images, "secret-deleted"),
        "--files",
    )  # fmt: skip
    assert code == 0
    assert out["packages"]["added"] == out["packages"]["removed"] == []
    assert out["packages"]["a"] == out["packages"]["b"] > 100
    assert out["vulnerabilities"]["fixed"] == out["vulnerabilities"]["introduced"] == []
    # the key is deleted by the new layer, but still in the layer below: not resolved
    assert out["findings"]["resolved"] == []
    (changed,) = [c for c in out["findings"]["changed"] if c["rule"] == "private-key"]
    assert "deleted by layer 2, but still in layer 1" in changed["to"]
    assert "BEGIN" not in json.dumps(out)  # never the key itself
    assert out["base"]["shared_layers"] == 2
    assert len(out["layers"]["a"]) == 2 and len(out["layers"]["b"]) == 3
    assert out["layers"]["b"][2]["created_by"] == "RUN rm /root/.ssh/id_rsa"
    assert [f["path"] for f in out["files"]["removed"]] == ["/root/.ssh/id_rsa"]
    assert out["files"]["added"] == [] and out["files"]["changed"] == []
    assert {c["field"] for c in out["config"]} == {"label org.opencontainers.image.description"}


@pytest.mark.images
def test_image_against_its_own_sbom_differs_only_in_what_the_sbom_lacks(
    test_images: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _archive(test_images, "python-npm")
    bom = tmp_path / "python-npm.cdx.json"
    assert main(["sbom", image, "-f", "cyclonedx-json", "-o", str(bom)]) == 0
    capsys.readouterr()
    code, out = _diff(capsys, image, str(bom), "--fail-on-new", "info")
    assert code == 0
    assert out["b"]["kind"] == "sbom"
    packages = out["packages"]
    assert packages["a"] == packages["b"] > 100
    assert packages["added"] == packages["removed"] == packages["changed"] == []
    assert out["vulnerabilities"]["a"] == out["vulnerabilities"]["b"] > 0
    assert out["vulnerabilities"]["fixed"] == out["vulnerabilities"]["introduced"] == []
    assert out["findings"]["new"] == out["findings"]["resolved"] == []
    assert not out["base"]["distro"]["changed"]
    assert set(out["not_compared"]) == {
        "config", "layers", "findings other than vulnerabilities",
    }  # fmt: skip


@pytest.mark.images
def test_bookworm_against_bullseye(test_images: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not (DIFF_IMAGES / "MANIFEST.txt").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"diff images missing at {DIFF_IMAGES}: scripts/test.sh builds them")
        pytest.skip(f"diff images not built at {DIFF_IMAGES} (scripts/make-diff-images.sh)")
    bullseye = f"oci:{DIFF_IMAGES / 'oci'}:debian-bullseye-minbase"
    code, out = _diff(
        capsys, bullseye, _archive(test_images, "debian-minbase"), "--fail-on-new", "critical"
    )
    assert out["base"]["distro"]["changed"]
    assert "11" in out["base"]["distro"]["a"] and "12" in out["base"]["distro"]["b"]
    assert out["base"]["shared_layers"] == 0
    changed = {p["name"]: (p["from"], p["to"]) for p in out["packages"]["changed"]}
    assert changed["base-files"][0].startswith("11") and changed["base-files"][1].startswith("12")
    assert len(changed) > 50
    introduced = out["vulnerabilities"]["introduced"]
    assert code == (1 if any(v["severity"] == "critical" for v in introduced) else 0)
    # the default database has no Debian advisories: each side says what it did not check
    missing = out["vulnerabilities"]["not_checked"]
    assert missing == {"a": {"Debian:11": len(changed) + 16}, "b": {"Debian:12": len(changed) + 16}}


@pytest.mark.images
def test_bullseye_checked_bookworm_not(
    test_images: Path, shared_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the bullseye DSA list in the database, A (bullseye) is checked, B (bookworm) is
    not: the table says so for B alone, and the run exits 2 unless that loss is accepted."""
    if not (DIFF_IMAGES / "MANIFEST.txt").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"diff images missing at {DIFF_IMAGES}: scripts/test.sh builds them")
        pytest.skip(f"diff images not built at {DIFF_IMAGES} (scripts/make-diff-images.sh)")
    db = osv_fixtures.debian_11_db(shared_dir, tmp_path)
    bullseye = f"oci:{DIFF_IMAGES / 'oci'}:debian-bullseye-minbase"
    bookworm = _archive(test_images, "debian-minbase")
    code, out = _diff(capsys, bullseye, bookworm, "--db", str(db))
    assert code == 0
    assert out["vulnerabilities"]["not_checked"] == {"a": {}, "b": {"Debian:12": 96}}
    assert main(["diff", bullseye, bookworm, "--db", str(db)]) == 2
    text = capsys.readouterr().out
    assert "INCOMPLETE" in text
    assert "NOT checked in B (no advisories in the database): Debian:12 96 packages" in text
    assert "NOT checked in A" not in text


def test_saved_reports_and_fail_on_new(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two reports saved by scan -f json: findings matched by fingerprint, not line."""

    def report(findings: list[dict]) -> Path:  # type: ignore[type-arg]
        doc = {"schema": 1, "tool": {"name": "hullcheck"}, "target": {}, "findings": findings,
               "packages": [], "summary": {}}  # fmt: skip
        path = tmp_path / f"r{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(doc))
        return path

    moved = {"rule": "HC4010", "severity": "low", "practice": "layer-hygiene",
             "message": "apt-get install pulls in recommended packages too",
             "location": {"path": "Dockerfile", "line": 4}}  # fmt: skip
    a = report([moved])
    b = report([
        {**moved, "location": {"path": "Dockerfile", "line": 9}},
        {"rule": "HC2001", "severity": "high", "practice": "privileges",
         "message": "the final stage never sets USER", "location": {"path": "Dockerfile"}},
    ])  # fmt: skip
    code, out = _diff(capsys, str(a), str(b), "--fail-on-new", "high")
    assert code == 1
    assert [f["rule"] for f in out["findings"]["new"]] == ["HC2001"]
    assert out["findings"]["resolved"] == []
    code, _out = _diff(capsys, str(b), str(a), "--fail-on-new", "high")
    assert code == 0


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    doc = {"schema": 1, "tool": {}, "target": {}, "findings": [], "packages": [
        {"name": "openssl", "version": "3.0.1", "type": "deb"}], "summary": {}}  # fmt: skip
    a = tmp_path / "a.json"
    a.write_text(json.dumps(doc))
    doc["packages"] = [{"name": "openssl", "version": "3.0.2", "type": "deb"}]
    b = tmp_path / "b.json"
    b.write_text(json.dumps(doc))
    assert main(["diff", str(a), str(b), "-f", fmt]) == 0
    out = capsys.readouterr().out
    assert "~ openssl 3.0.1 -> 3.0.2 (deb)" in out
    assert out.startswith("## hullcheck diff:" if fmt == "markdown" else "hullcheck diff:")


@pytest.mark.images
def test_coverage_loss_is_exit_2_unless_accepted(
    test_images: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _archive(test_images, "debian-minbase")
    assert main(["diff", image, image, "-f", "json"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out)["diagnostics"][0]["kind"] == ACCEPT
    assert err.strip().splitlines()[-1].startswith("hullcheck: error: incomplete check")


def test_bad_side_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(tmp_path / "missing.json"), str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hullcheck: error:") and err.count("\n") == 1
