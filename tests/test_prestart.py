"""``prestart.launch``: hullcheck commands forked from a server that imported it already."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

from hullcheck.prestart import launch


def _run(argv: list[str], tmp_path: Path, **kw: object) -> tuple[int | None, str]:
    err = tmp_path / "stderr"
    proc = launch(argv, env=kw.pop("env", dict(os.environ)), stderr_path=err, **kw)  # type: ignore[arg-type]
    proc.join(60)
    return proc.exitcode, err.read_text()


def test_a_command_gets_its_exit_code_and_its_error_line(tmp_path: Path) -> None:
    env = {**os.environ, "HULLCHECK_DB": str(tmp_path / "none.sqlite3")}
    code, err = _run(["db", "status"], tmp_path, env=env)
    assert code == 2
    # the environment given, not the caller's or the server's
    assert err.strip() == (
        f"hullcheck: error: no vulnerability database at {tmp_path / 'none.sqlite3'}: "
        "run 'hullcheck db update'"
    )


def test_standard_input_comes_from_the_call(tmp_path: Path) -> None:
    out = tmp_path / "lint.json"
    code, _ = _run(
        ["lint", "-", "-f", "json", "-o", str(out)], tmp_path, stdin_text="FROM ubuntu\n"
    )
    assert code == 1
    rules = [f["rule"] for f in json.loads(out.read_text())["findings"]]
    assert "HC1001" in rules


def test_bad_arguments_exit_2_like_the_command(tmp_path: Path) -> None:
    code, err = _run(["scan", "x", "--no-such-option"], tmp_path)
    assert code == 2
    assert "unrecognized arguments: --no-such-option" in err


def test_a_killed_command_reports_the_signal_and_leaves_the_caller_alive(tmp_path: Path) -> None:
    with socket.socket() as silent:  # a registry that accepts and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        proc = launch(
            ["scan", f"127.0.0.1:{port}/app:1", "--insecure-registry", f"127.0.0.1:{port}"],
            env=dict(os.environ),
            stderr_path=tmp_path / "stderr",
        )
        time.sleep(1.0)
        assert proc.is_alive()
        proc.kill()
        proc.join(10)
    assert proc.exitcode == -signal.SIGKILL
