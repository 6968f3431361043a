"""``isolated.run_scan``: one scan in a process of its own, its report brought back."""

from __future__ import annotations

import socket
from pathlib import Path

from hullcheck.isolated import ScanJob, run_scan
from tests.fixtures.imagebuilder import File, Layer, make_image

KEY = "AKIA" + "QWERTYUIOPASDFGH"


def _job(tmp_path: Path, **kw: object) -> ScanJob:
    return ScanJob(
        data_dir=tmp_path / "data",
        vulnerability_db=tmp_path / "osv.sqlite3",
        scan_args=("--no-vulns",),
        **kw,  # type: ignore[arg-type]
    )


def test_a_scan_brings_back_its_report_and_leaves_no_work_file(tmp_path: Path) -> None:
    img = make_image(tmp_path / "img", [Layer([File("app/.env", f"AWS_KEY={KEY}\n".encode())])])
    outcome = run_scan(_job(tmp_path), "u1", "image", img.reference, None)
    assert outcome.report is not None, outcome.error
    assert outcome.exit_code == 0  # --fail-on none
    practices = {f["practice"] for f in outcome.report["findings"]}
    assert "secrets" in practices
    assert list((tmp_path / "data" / "work").iterdir()) == []


def test_a_failed_scan_gives_its_error_line(tmp_path: Path) -> None:
    outcome = run_scan(_job(tmp_path), "u2", "image", f"oci:{tmp_path}/missing:latest", None)
    assert outcome.report is None
    assert outcome.exit_code == 2
    assert outcome.error is not None and outcome.error.startswith("hullcheck: error:")
    assert list((tmp_path / "data" / "work").iterdir()) == []


def test_a_scan_over_its_time_is_killed(tmp_path: Path) -> None:
    with socket.socket() as silent:  # a registry that accepts and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host = f"127.0.0.1:{silent.getsockname()[1]}"
        job = _job(tmp_path, insecure_registries=(host,), scan_timeout=2.0)
        outcome = run_scan(job, "u3", "image", f"{host}/app:1", None)
    assert outcome.report is None
    assert outcome.error == "the scan took longer than 2 s"
    assert list((tmp_path / "data" / "work").iterdir()) == []
