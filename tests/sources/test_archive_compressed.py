"""docker-archives whose layer.tar files are gzip- or zstd-compressed, as ``docker load``
accepts them: the config's diff_ids name the uncompressed tars, so the inflated bytes are
what is verified (and a layer whose inflated bytes differ is refused)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import File, Layer, build_tar, compress, make_image

KEY_ID = "AKIA" + "Z7QWERTYUIOPASDF"


def scan(reference: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    out = tmp_path / "report.json"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "scan",
            reference,
            "-f",
            "json",
            "-o",
            str(out),
            "--fail-on",
            "none",
            "--no-vulns",
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def members() -> list[File]:
    return [
        File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
        File("app/settings.py", f'AWS_ACCESS_KEY_ID = "{KEY_ID}"\n'.encode()),
    ]


@pytest.mark.parametrize("how", ["gzip", "zstd"])
def test_a_compressed_layer_tar_is_read_and_verified(tmp_path: Path, how: str) -> None:
    tar = build_tar(members())
    image = make_image(
        tmp_path / "img", [Layer(members(), blob=compress(tar, how))], form="docker-archive"
    )
    run = scan(image.reference, tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["summary"]["complete"] is True
    files = [f["location"].get("file") for f in report["findings"]]
    assert "/app/settings.py" in files  # the secret inside the compressed layer was seen


@pytest.mark.parametrize("how", ["gzip", "zstd"])
def test_a_compressed_layer_whose_content_differs_from_its_diff_id_is_refused(
    tmp_path: Path, how: str
) -> None:
    other = build_tar([File("etc/os-release", b"ID=evil\n")])
    image = make_image(
        tmp_path / "img", [Layer(members(), blob=compress(other, how))], form="docker-archive"
    )
    run = scan(image.reference, tmp_path)
    assert run.returncode == 2
    assert "does not match its digest once decompressed" in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("hullcheck: error:")
