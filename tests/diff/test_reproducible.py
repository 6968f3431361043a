"""``diff --reproducible``: each layer identical or not, and the cause of each difference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image


def _build(  # noqa: PLR0917 (one call per build reads best positionally)
    root: Path, name: str, pyc: bytes, log: bytes, key: bytes, mtime: str, order: int
) -> str:
    base = Layer([Dir("etc"), File("etc/os-release", b"ID=debian\nVERSION_ID=12\n")])
    app = Layer([
        File("app/main.py", b"print('hi')\n"),
        File("app/__pycache__/main.cpython-311.pyc", pyc),
        File("var/log/build.log", log),
        File("etc/ssh/ssh_host_ed25519_key", key, mode=0o600),
        File("etc/app.conf", b"same\n", pax={"mtime": mtime}),
    ], created_by="RUN build")  # fmt: skip
    pair = [File("opt/x", b"x"), File("opt/y", b"y")]
    tail = Layer(pair if order == 0 else pair[::-1], created_by="COPY opt /opt")
    return make_image(root / name, [base, app, tail], form="docker-archive").reference


def test_causes_per_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _build(tmp_path, "a", b"pyc-1", b"t1", b"k1", "1700000000", 0)
    b = _build(tmp_path, "b", b"pyc-2", b"t2", b"k2", "1700000099", 1)
    code = main(["diff", a, b, "--reproducible", "--no-vulns", "-f", "json", "--fail-on-new",
                 "critical"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)["reproducible"]
    assert code == 1  # not reproducible, and a gate was asked for
    assert not out["identical"]
    first, second, third = out["layers"]
    assert first == {"index": 0, "identical": True}
    assert second["causes"] == {"pyc": 1, "logs": 1, "generated keys": 1, "timestamps": 1}
    causes = {f["path"]: f["cause"] for f in second["files"]}
    assert causes["/etc/app.conf"] == "timestamps"
    assert causes["/etc/ssh/ssh_host_ed25519_key"] == "generated keys"
    assert third["causes"] == {"ordering": 1}


def test_identical_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _build(tmp_path, "a", b"p", b"l", b"k", "1700000000", 0)
    b = _build(tmp_path, "b", b"p", b"l", b"k", "1700000000", 0)
    assert main(["diff", a, b, "--reproducible", "--no-vulns", "--fail-on-new", "low"]) == 0
    out = capsys.readouterr().out
    assert "Reproducible: bit-for-bit identical (3 -> 3 layers)" in out


def test_reproducible_needs_images(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "r.json"
    doc.write_text(json.dumps({"schema": 1, "tool": {}, "findings": [], "target": {}}))
    assert main(["diff", str(doc), str(doc), "--reproducible"]) == 2
    assert "is not an image" in capsys.readouterr().err
