"""The README's first command: the example image it scans is built offline from the
repository's files, and the scan finds what the example plants (examples/image/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_image_scan_finds_what_was_planted(tmp_path: Path) -> None:
    image = tmp_path / "example-image"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-example-image.py"), str(image)],
        check=True,
        timeout=60,
    )
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-example-image.py"), str(again)],
        check=True,
        timeout=60,
    )
    assert (image / "index.json").read_bytes() == (again / "index.json").read_bytes()  # same bytes
    out = tmp_path / "report.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "hullcheck",
            "scan",
            f"oci:{image}:demo",
            "-f",
            "json",
            "-o",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1, run.stderr  # findings at or above high, nothing unchecked
    report = json.loads(out.read_text())
    rules = {f["rule"] for f in report["findings"]}
    assert {"HC8001", "stripe-secret-key", "gitlab-token"} <= rules
    assert {"PYSEC-2020-96", "PYSEC-2023-192"} <= rules  # PyYAML 5.3, urllib3 1.23
    deleted = next(f for f in report["findings"] if f["rule"] == "stripe-secret-key")
    assert deleted["location"]["layer_index"] == 1 and "deleted by layer 2" in deleted["message"]
    text = out.read_text()
    assert "51Hx7Q2mR9vT4kL8pN3wZ6yB" not in text and "Zq8Rm2Tx9Vw4Ny7Pk3Ls" not in text
