"""`hullcheck scan IMAGE --format json`: the target block that identifies the image."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import File, Layer, Whiteout, make_image

CONFIG = {
    "User": "app",
    "Env": ["PATH=/bin", "A=1"],
    "Entrypoint": ["/bin/app"],
    "Cmd": ["--serve"],
    "ExposedPorts": {"8080/tcp": {}},
    "Labels": {"org.opencontainers.image.title": "t"},
    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30000000000},
    "WorkingDir": "/srv",
}


def _scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["scan", "--format", "json", "--no-vulns", "--fail-on", "none", *args])
    return code, json.loads(capsys.readouterr().out)


def test_target_identifies_the_image(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = [
        {"created": "2025-01-01T00:00:00Z", "created_by": "ADD base"},
        {"created_by": "ENV A=1", "empty_layer": True},
        {"created_by": "RUN rm /a"},
    ]
    img = make_image(
        tmp_path / "i",
        [Layer([File("a", b"12345"), File("b", b"x")]), Layer([Whiteout("a")])],
        config=CONFIG,
        history=history,
        platforms=["linux/amd64", "linux/arm64"],
    )
    code, doc = _scan(
        capsys, img.reference, "--platform", "linux/amd64", "--cache-dir", str(tmp_path / "c")
    )
    assert code == 0
    assert doc["schema"] == 1 and doc["errors"] == []
    assert "HC8001" not in {f["rule"] for f in doc["findings"]}  # User app
    target = doc["target"]
    assert isinstance(target, dict)
    assert target["reference"] == img.reference
    assert target["source"] == "oci"
    assert target["digest"] == img.manifest_digest
    assert target["index_digest"] == img.index_digest
    assert target["config_digest"] == img.config_digest
    assert target["platform"] == "linux/amd64"
    assert target["created"] == "2025-01-01T00:00:00Z"
    config = target["config"]
    assert config["user"] == "app" and config["env"] == ["PATH=/bin", "A=1"]
    assert config["entrypoint"] == ["/bin/app"] and config["cmd"] == ["--serve"]
    assert config["exposed_ports"] == ["8080/tcp"] and config["workdir"] == "/srv"
    assert config["healthcheck"]["Test"] == ["CMD", "true"]
    assert config["labels"] == {"org.opencontainers.image.title": "t"}
    assert [h["layer_index"] for h in target["history"]] == [0, None, 1]
    first, second = target["layers"]
    assert first["index"] == 0 and first["digest"] == img.layer_digests[0]
    assert first["diff_id"] == img.diff_ids[0]
    assert first["created_by"] == "ADD base" and second["created_by"] == "RUN rm /a"
    assert first["size"] == 3072 and first["compressed_size"] > 0  # 2 files + end marker
    assert first["media_type"].endswith("tar+gzip")
    assert (first["empty"], second["empty"]) == (False, False)
    assert (first["bytes_added"], first["bytes_wasted"]) == (6, 5)
    assert doc["summary"]["complete"] is True


def test_bad_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    img = make_image(tmp_path / "i", [Layer([File("a", b"1")])])
    for args, message in (
        ([img.reference, "--platform", "linux"], "is not os/arch"),
        ([img.reference, "--fail-on", "bad"], "unknown severity"),
        ([str(tmp_path / "missing.tar")], "does not exist"),
        ([f"oci:{tmp_path}"], "not an OCI layout"),
    ):
        assert main(["scan", *args]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_dockerfile_from_stdin_is_traced_and_linted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    history = [
        {"created_by": "ADD base / # buildkit"},
        {"created_by": "RUN /bin/sh -c apt-get install -y sudo # buildkit"},
    ]
    img = make_image(
        tmp_path / "i",
        [Layer([File("etc/os-release", b"ID=debian\n")]), Layer([File("usr/bin/sudo", b"x")])],
        history=history,
    )
    dockerfile = b"FROM debian:12\nRUN apt-get install -y sudo\n"
    monkeypatch.setattr("sys.stdin", _Stdin(dockerfile))
    code, doc = _scan(capsys, img.reference, "--dockerfile", "-", "--cache-dir", str(tmp_path))
    assert code == 0 and doc["errors"] == []
    trace = doc["summary"]["trace"]
    assert trace["dockerfile"] == "-"
    assert trace["layers"][1]["instruction"] == {"path": "-", "line": 2, "end_line": 2}
    assert any(f["location"].get("path") == "-" for f in doc["findings"])  # linted too


def test_dockerfile_from_stdin_conflicts_with_password_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", "x", "--dockerfile", "-", "--username", "u", "--password-stdin"])
    assert code == 2
    assert "cannot both read standard input" in capsys.readouterr().err
