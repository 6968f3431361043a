"""``hullcheck scan`` on the command line: formats, the gate, --quiet, the clock, tracing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from hullcheck.cli.scan import parse_now
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image

from .helpers import base_layer


def _image(tmp_path: Path, user: str = "") -> str:
    layers = [
        base_layer(),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/gcc", b"\x7fELF", mode=0o755)]),
    ]
    history = [{"created_by": "base"}, {"created_by": "RUN /bin/sh -c apt-get install -y gcc"}]
    cfg = {"User": user, "Env": ["API_TOKEN=Zk29xQm4Lp7Rt2Vw"]}
    return make_image(tmp_path / "img", layers, config=cfg, history=history).reference


BASE = ("--now", "2025-02-01", "--no-vulns", "--cache-dir")


def test_json_gate_and_redaction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _image(tmp_path)
    assert main(["scan", ref, "--format", "json", *BASE, str(tmp_path / "c")]) == 1  # root: high
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert "HC8001" in {f["rule"] for f in doc["findings"]}
    assert doc["target"]["config"]["env"] == ["API_TOKEN=<redacted>"]
    assert "Zk29xQm4Lp7Rt2Vw" not in out
    assert main(["scan", ref, "-f", "json", "--fail-on", "critical", *BASE, str(tmp_path)]) == 0
    capsys.readouterr()


def test_table_shows_the_dockerfile_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    df = tmp_path / "Dockerfile"
    df.write_text("FROM debian:12\nRUN apt-get install -y gcc\nUSER app\n")
    ref = _image(tmp_path, user="app")
    code = main(
        ["scan", ref, "--dockerfile", str(df), "--color", "never", *BASE, str(tmp_path / "c")]
    )
    out = capsys.readouterr().out
    assert code == 1  # the API_TOKEN value in Env is a high secrets finding
    assert "HC4010" in out  # lint's finding on the same Dockerfile, in the same report
    assert "2 │ RUN apt-get install -y gcc" in out
    assert "HC8201" in out and "Efficiency" in out
    assert "Zk29xQm4Lp7Rt2Vw" not in out


def test_sarif_and_output_file(tmp_path: Path) -> None:
    ref = _image(tmp_path)
    target = tmp_path / "out.sarif"
    main(["scan", ref, "--format", "sarif", "-o", str(target), "-q", *BASE, str(tmp_path / "c")])
    doc = json.loads(target.read_text())
    results = doc["runs"][0]["results"]
    assert "HC8001" in {r["ruleId"] for r in results}
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert "uid 0" in rules["HC8001"]["fullDescription"]["text"]


def test_quiet_prints_nothing_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["scan", _image(tmp_path), "-q", "-f", "json", *BASE, str(tmp_path / "c")])
    assert capsys.readouterr().err == ""


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = _image(tmp_path)
    assert main(["scan", ref, "--now", "yesterday-ish"]) == 2
    assert "--now" in capsys.readouterr().err
    assert main(["scan", ref, "--fail-on", "severe"]) == 2
    assert main(["scan", ref, "--dockerfile", str(tmp_path / "missing")]) == 2
    assert "missing" in capsys.readouterr().err


def test_parse_now() -> None:
    assert parse_now("0").year == 1970
    assert parse_now("2025-01-02").day == 2
    assert parse_now("2025-01-02T03:04:05Z").hour == 3


class _Recorder:
    def __init__(self) -> None:
        self.started: tuple[int, int] | None = None
        self.layers: list[int] = []
        self.bytes = 0
        self.stopped = False

    def start(self, layers: int, total_bytes: int) -> None:
        self.started = (layers, total_bytes)

    def layer(self, index: int) -> None:
        self.layers.append(index)

    def advance(self, nbytes: int) -> None:
        self.bytes += nbytes

    def stop(self) -> None:
        self.stopped = True


def test_progress_sees_every_stored_byte(tmp_path: Path) -> None:
    from hullcheck.imagerules.base import ScanSettings
    from hullcheck.scan import ScanRequest, scan_image

    ref = _image(tmp_path)
    recorder = _Recorder()
    report = scan_image(ScanRequest(ref, settings=ScanSettings(), progress=recorder))
    assert report.target is not None
    stored = sum(layer["compressed_size"] for layer in report.target["layers"])
    assert recorder.started == (2, stored)
    assert recorder.layers == [0, 1] and recorder.bytes == stored and recorder.stopped


def test_bar_progress_runs_without_a_terminal() -> None:
    from hullcheck.cli.progress import BarProgress

    bar = BarProgress()
    bar.start(2, 100)
    bar.layer(0)
    bar.advance(60)
    bar.layer(1)
    bar.advance(40)
    bar.stop()
