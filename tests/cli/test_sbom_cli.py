from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import File, Layer, make_image

STATUS = b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2\n"


def _rootfs(tmp_path: Path) -> Path:
    root = tmp_path / "rootfs"
    (root / "var/lib/dpkg").mkdir(parents=True)
    (root / "var/lib/dpkg/status").write_bytes(STATUS)
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/os-release").write_bytes(b"ID=debian\nVERSION_ID=12\n")
    return root


@pytest.mark.parametrize("fmt", ["table", "json", "cyclonedx-json", "spdx-json"])
def test_every_format_lists_the_package(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sbom", str(_rootfs(tmp_path)), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "bash" in out
    if fmt != "table":
        json.loads(out)


def test_output_file_and_read_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bom.cdx.json"
    assert main(["sbom", str(_rootfs(tmp_path)), "-f", "cyclonedx-json", "-o", str(out)]) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bom")]
    assert main(["sbom", str(out), "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [p["purl"] for p in doc["packages"]] == [
        "pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12"
    ]
    assert doc["target"]["distro"] == "debian-12"


def test_missing_target_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sbom", str(tmp_path / "nope")]) == 2
    assert "error" in capsys.readouterr().err
    not_sbom = tmp_path / "x.txt"
    not_sbom.write_text("hello")
    assert main(["sbom", str(not_sbom)]) == 2


def test_partly_read_image_exits_2_and_still_writes_what_was_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = Layer([File("opt/junk", b"x" * 100_000)], compression="none")
    broken.blob = b"not a tar, and shorter than the manifest says"
    img = make_image(
        tmp_path / "img",
        [
            Layer([File("var/lib/dpkg/status", STATUS), File("etc/os-release", b"ID=debian\n")]),
            broken,
        ],
        form="oci",
    )
    out = tmp_path / "bom.json"
    assert main(["sbom", img.reference, "-f", "json", "-o", str(out)]) == 2
    doc = json.loads(out.read_text())
    assert [p["name"] for p in doc["packages"]] == ["bash"]  # layer 0 was read
    assert doc["summary"]["complete"] is False and doc["errors"]
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[-1].startswith("hullcheck: error: incomplete check: layer 1")
    assert lines[-1].endswith("--allow-incomplete layer-unreadable")
    assert not any(line.startswith("hullcheck: error:") for line in lines[:-1])
    assert [d["kind"] for d in doc["diagnostics"]] == ["layer-unreadable"]


def test_complete_image_exits_0(tmp_path: Path) -> None:
    img = make_image(tmp_path / "img", [Layer([File("var/lib/dpkg/status", STATUS)])], form="oci")
    assert main(["sbom", img.reference, "-f", "json", "-o", str(tmp_path / "bom.json")]) == 0
    doc = json.loads((tmp_path / "bom.json").read_text())
    assert doc["summary"]["complete"] is True
