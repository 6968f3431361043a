"""``hullcheck serve`` starts with one command on its SQLite default, logs JSON when asked,
and ``hullcheck token`` manages tokens offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.server.conftest import start_server


def hullcheck(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hullcheck", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_serve_starts_on_the_default_sqlite_and_tokens_work(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("HULLCHECK_SERVER_DATABASE", None)
    made = hullcheck("token", "create", "ci", "--scope", "write", env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.splitlines()[0]
    assert token.startswith("hcs_")
    assert (tmp_path / "cache" / "hullcheck" / "server" / "hullcheck.sqlite3").is_file()
    listed = hullcheck("token", "list", env=env)
    assert "\twrite\tlive\tci" in listed.stdout and token not in listed.stdout

    default_db = f"sqlite:///{tmp_path / 'cache' / 'hullcheck' / 'server' / 'hullcheck.sqlite3'}"
    server = start_server(
        default_db,
        tmp_path / "cache" / "hullcheck" / "server",
        "--log-format",
        "json",
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    try:
        r = httpx.get(f"{server.url}/api/v1/images", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json() == []
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        metrics = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert "hullcheck_queue_length 0.0" in metrics.text
    finally:
        server.stop()
    lines = [line for line in server.log.read_text().splitlines() if line.startswith("{")]
    assert lines and all(json.loads(line)["level"] for line in lines)

    revoked = hullcheck("token", "revoke", "1", env=env)
    assert revoked.returncode == 0
    assert hullcheck("token", "revoke", "1", env=env).returncode == 2


def test_serve_without_the_extra_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def blocked(name, *a, **k):\n"
        "    if name.startswith(('fastapi', 'uvicorn', 'sqlalchemy')):\n"
        "        raise ImportError(name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = blocked\n"
        "from hullcheck.cli.main import main\n"
        "sys.exit(main(['serve', '--data-dir', sys.argv[1]]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        "hullcheck: error: hullcheck serve needs the server extra: pip install 'hullcheck[server]'"
    )
