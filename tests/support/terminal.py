"""Run the CLI with its stderr on a pseudo-terminal, as a person at a shell would see it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from collections.abc import Sequence


def run_with_terminal_stderr(
    args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 300
) -> tuple[int, str, str]:
    """``python -m hullcheck ARGS`` with stderr on a pty: (exit code, stdout, terminal text)."""
    master, slave = pty.openpty()
    environment = {**os.environ, "COLUMNS": "120", "TERM": "xterm", **(env or {})}
    environment.pop("HULLCHECK_NO_PROGRESS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "hullcheck", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=environment,
    )  # fmt: skip
    os.close(slave)
    out = bytearray()
    # stdout is drained beside the terminal, so a long SBOM cannot fill the pipe and stall
    reader = threading.Thread(target=lambda: out.extend(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    screen = bytearray()
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    reader.join(timeout)
    code = proc.wait(timeout=timeout)
    return code, out.decode("utf-8", "replace"), screen.decode("utf-8", "replace")
