"""Secrets in image files (every layer, deleted ones included), config and history."""

from __future__ import annotations

import json
from pathlib import Path

from hullcheck.model import Practice
from hullcheck.report.json_format import render
from hullcheck.secrets.validators import base62_checksum
from tests.fixtures.imagebuilder import Dir, File, Layer, Whiteout

from .helpers import base_layer, scan

KEY = (
    b"-----BEGIN OPENSSH PRIVATE KEY-----\n"
    b"b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    b"QyNTUxOQAAACBqbGx0eHh4eXl5enp6MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcgAA\n"
    b"AJhqbGx0eHh4eXl5enp6MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcgAAAAtzc2gtZW\n"
    b"-----END OPENSSH PRIVATE KEY-----\n"
)
_BODY = "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1"
GH_TOKEN = "ghp_" + _BODY + base62_checksum(_BODY)  # format-valid, fake


def _secrets(report: object) -> list:  # type: ignore[type-arg]
    return [f for f in report.findings if f.practice is Practice.SECRETS]  # type: ignore[attr-defined]


def test_deleted_key_is_found_with_both_layers(tmp_path: Path) -> None:
    layers = [
        base_layer(),
        Layer([Dir("root"), Dir("root/.ssh"), File("root/.ssh/id_ed25519", KEY, mode=0o600)]),
        Layer([Whiteout("root/.ssh/id_ed25519")]),
    ]
    report = scan(tmp_path, layers)
    found = _secrets(report)
    assert found, report.findings
    f = found[0]
    assert f.location.file == "/root/.ssh/id_ed25519" and f.location.layer_index == 1
    assert f.extra["hidden_by_layer"] == 2 and f.extra["hidden_how"] == "deleted"
    assert f.extra["still_extractable"] is True
    assert "still in layer 1" in f.message
    assert "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAE" not in render(report)


def test_overwritten_secret_names_the_overwriting_layer(tmp_path: Path) -> None:
    layers = [
        base_layer(),
        Layer([Dir("app"), File("app/settings.py", f"TOKEN = '{GH_TOKEN}'\n".encode())]),
        Layer([Dir("app"), File("app/settings.py", b"TOKEN = None\n")]),
    ]
    (f,) = _secrets(scan(tmp_path, layers))
    assert f.extra["hidden_how"] == "overwritten" and f.extra["hidden_by_layer"] == 2


def test_clean_files_are_quiet(tmp_path: Path) -> None:
    layers = [base_layer(Dir("app"), File("app/settings.py", b"TOKEN = os.environ['TOKEN']\n"))]
    assert _secrets(scan(tmp_path, layers)) == []


def test_env_secret_found_and_redacted_in_target(tmp_path: Path) -> None:
    cfg = {
        "User": "app",
        "Env": ["PATH=/usr/bin", f"GITHUB_TOKEN={GH_TOKEN}", "DB_PASSWORD=hunter2x9Q"],
    }
    report = scan(tmp_path, [base_layer()], config=cfg)
    files = {f.location.file for f in _secrets(report)}
    assert files == {"config:Env[GITHUB_TOKEN]", "config:Env[DB_PASSWORD]"}
    doc = json.loads(render(report))
    env = doc["target"]["config"]["env"]
    assert env[0] == "PATH=/usr/bin"
    assert env[1] == "GITHUB_TOKEN=<redacted>" and env[2] == "DB_PASSWORD=<redacted>"
    text = json.dumps(doc)
    assert GH_TOKEN not in text and "hunter2x9Q" not in text


def test_history_secret(tmp_path: Path) -> None:
    history = [
        {"created_by": "base image"},
        {"created_by": f"RUN /bin/sh -c curl -H 'Authorization: token {GH_TOKEN}' x # buildkit"},
    ]
    layers = [base_layer(), Layer([Dir("app"), File("app/a", b"1")])]
    report = scan(tmp_path, layers, history=history)
    (f,) = _secrets(report)
    assert f.location.file == "history[1]" and f.location.layer_index == 1
    assert GH_TOKEN not in render(report)


def test_healthcheck_secret_is_redacted_in_target(tmp_path: Path) -> None:
    test = ["CMD", "curl", "-H", f"Authorization: token {GH_TOKEN}", "http://localhost/"]
    cfg = {"User": "app", "Healthcheck": {"Test": test}}
    doc = json.loads(render(scan(tmp_path, [base_layer()], config=cfg)))
    assert GH_TOKEN not in json.dumps(doc)
    assert doc["target"]["config"]["healthcheck"]["Test"][0] == "CMD"
