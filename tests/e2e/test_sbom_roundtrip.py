"""Issue 10, point 5: hullcheck reads its own SBOMs back, through the CLI, on the real
python-npm image and every OSV record of shared/osv: the advisories are the same."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.imagebuilder import File, Layer, make_image

from .conftest import run_cli, run_main

pytestmark = pytest.mark.images
ALLOW = ["--allow-incomplete", "vulnerability-coverage", "--fail-on", "none"]


def _advisories(doc: Any) -> list[tuple[str, str, str, str, str | None]]:
    return sorted(
        (f["rule"], f["package"]["name"], f["package"]["version"], f["severity"],
         f.get("fixed_version"))
        for f in doc["findings"]
        if f["practice"] == "vulnerabilities"
    )  # fmt: skip


@pytest.fixture(scope="module")
def image_scan(python_npm: str, full_osv_db: Path) -> Any:
    run = run_main(["scan", python_npm, "--db", str(full_osv_db), "-q", "-f", "json", *ALLOW])
    assert run.code == 0, run.err
    return run.json()


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_scan_of_own_sbom_gives_the_same_advisories(  # noqa: PLR0917
    fmt: str, python_npm: str, full_osv_db: Path, image_scan: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    sbom = tmp_path / f"x.{fmt}"
    assert run_cli(capsys, ["sbom", python_npm, "-f", fmt, "-o", str(sbom)]).code == 0
    run = run_cli(capsys, ["scan", str(sbom), "--db", str(full_osv_db), "-q", "-f", "json",
                           *ALLOW])  # fmt: skip
    assert run.code == 0, run.err
    doc = run.json()
    expected = _advisories(image_scan)
    assert len(expected) >= 18  # PyPI (PYSEC) and npm (lodash) advisories
    assert _advisories(doc) == expected
    cov, want = (d["summary"]["vulnerability_db"]["coverage"] for d in (doc, image_scan))
    assert (cov["checked"], cov["unchecked"]) == (want["checked"], want["unchecked"])


def test_key_order_and_size_do_not_matter(
    python_npm: str, full_osv_db: Path, image_scan: Any, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    sbom = tmp_path / "x.cdx.json"
    assert run_cli(capsys, ["sbom", python_npm, "-f", "cyclonedx-json", "-o", str(sbom)]).code == 0
    doc = json.loads(sbom.read_text())
    # bomFormat last, after 5 MB of other keys: no sniffing of the first bytes can find it
    moved = {"components": doc["components"], "padding": "x" * 5_000_000}
    moved.update({k: v for k, v in doc.items() if k not in ("components", "bomFormat")})
    moved["bomFormat"] = doc["bomFormat"]
    sbom.write_text(json.dumps(moved))
    run = run_cli(capsys, ["scan", str(sbom), "--db", str(full_osv_db), "-q", "-f", "json",
                           *ALLOW])  # fmt: skip
    assert run.code == 0, run.err
    assert _advisories(run.json()) == _advisories(image_scan)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"name": "x", "items": []}', "neither CycloneDX JSON"),
        ('{"name": "x", "items": []}', "a JSON object with keys name, items"),
        ('{"bomFormat": "CycloneDX", ', "starts like JSON but is not"),
        ('{"spdxVersion": "SPDX-3.0"}', "SPDX document of a version"),
    ],
)
def test_a_file_that_is_neither_says_what_it_looked_like(
    content: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "thing.json"
    path.write_text(content)
    run = run_cli(capsys, ["scan", str(path), "-q"])
    assert run.code == 2
    (line,) = run.err.strip().splitlines()
    assert said in line and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"GITHUB_TOKEN=ghp_not_printed_back\n", "it looks like text"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "it looks like a PNG image"),
        (b"\x04\xb7\x39\xee" + b"\xff" * 60, "binary data starting with 04 b7 39 ee"),
    ],
)
@pytest.mark.parametrize("command", ["scan", "sbom"])
def test_neither_archive_nor_sbom_says_what_it_looked_like(
    content: bytes, said: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "thing"
    path.write_bytes(content)
    run = run_cli(capsys, [command, str(path)])
    assert run.code == 2
    (line,) = run.err.strip().splitlines()
    assert "neither an image archive" in line and said in line
    assert "ghp_" not in line  # a text file's content is never quoted


def test_partial_inventory_is_marked_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n"
    broken = Layer([File("opt/junk", b"x" * 100_000)], compression="none")
    broken.blob = b"not a tar, and shorter than the manifest says"
    img = make_image(
        tmp_path / "img",
        [Layer([File("var/lib/dpkg/status", status), File("etc/os-release", b"ID=debian\n")]),
         broken],
        form="oci",
    )  # fmt: skip
    for fmt, name in (("cyclonedx-json", "p.cdx.json"), ("spdx-json", "p.spdx.json")):
        out = tmp_path / name
        assert run_cli(capsys, ["sbom", img.reference, "-f", fmt, "-o", str(out)]).code == 2
        doc = json.loads(out.read_text())
        if fmt == "cyclonedx-json":
            assert doc["compositions"] == [
                {"aggregate": "incomplete", "assemblies": [doc["metadata"]["component"]["bom-ref"]]}
            ]
        else:
            assert doc["creationInfo"]["comment"].startswith("hullcheck: incomplete inventory")
        back = run_cli(capsys, ["scan", str(out), "-q", "-f", "json", "--no-vulns"])
        assert back.code == 2
        assert "[sbom-incomplete]" in back.err or "sbom-incomplete" in back.err.splitlines()[-1]
        assert [p["name"] for p in back.json()["packages"]] == ["bash"]
        accepted = run_cli(capsys, ["scan", str(out), "-q", "-f", "json", "--no-vulns",
                                    "--allow-incomplete", "sbom-incomplete"])  # fmt: skip
        assert accepted.code == 0
