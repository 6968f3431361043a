"""Run the hullcheck CLI in a sealed temporary world and see what it left behind.

``run_cli`` starts ``python -m hullcheck`` with HOME, XDG_CACHE_HOME, HULLCHECK_CACHE_DIR,
HULLCHECK_DB and DOCKER_CONFIG all inside one tmp tree, the cwd inside it too, and returns
the exit code, stdout, stderr, the files that appeared or changed outside the cache dir,
the peak RSS of the child and the wall time.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
TEMP_MARKERS = (".osv-", "blob-", ".tmp")
# ``python -m hullcheck`` that also records its own peak RSS (KiB) when it exits.  VmHWM,
# not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so the child would
# report the (large) pytest parent's peak.
_WRAPPER = (
    "import atexit, os, runpy, sys\n"
    "def _rss():\n"
    "    with open('/proc/self/status') as st:\n"
    "        hwm = [l.split()[1] for l in st if l.startswith('VmHWM:')]\n"
    "    with open(os.environ['HC_FUZZ_RSS_FILE'], 'w') as fh:\n"
    "        fh.write(hwm[0] if hwm else '0')\n"
    "atexit.register(_rss)\n"
    "sys.argv[0] = 'hullcheck'\n"
    "runpy.run_module('hullcheck', run_name='__main__', alter_sys=True)\n"
)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    new_files: list[str]
    """Paths (relative to the world) that appeared or changed outside the cache dir."""
    cache_files: list[str]
    max_rss_kib: int
    seconds: float


class World:
    """A tmp tree: ``home``, ``cache`` (the only place hullcheck may write), ``work`` (cwd)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.cache = root / "cache"
        self.work = root / "work"
        for d in (self.home, self.work):
            d.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HULLCHECK_")}
        env.update(
            PYTHONPATH=str(SRC),
            HOME=str(self.home),
            XDG_CACHE_HOME=str(self.cache / "xdg"),
            HULLCHECK_CACHE_DIR=str(self.cache / "blobs-cache"),
            HULLCHECK_DB=str(self.cache / "osv.sqlite3"),
            DOCKER_CONFIG=str(self.home / ".docker"),
            HULLCHECK_NO_PROGRESS="1",
            # tests use no network: anything that tries goes to a closed local port
            HTTPS_PROXY="http://127.0.0.1:9",
            HTTP_PROXY="http://127.0.0.1:9",
            ALL_PROXY="http://127.0.0.1:9",
            NO_PROXY="127.0.0.1,localhost",
        )
        env.pop("HULLCHECK_DEBUG", None)
        return env

    def snapshot(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for name in dirnames + filenames:
                full = os.path.join(dirpath, name)
                st = os.lstat(full)
                # a directory counts when it appears, not when its entries change
                stamp = (0, 0) if stat.S_ISDIR(st.st_mode) else (st.st_mtime_ns, st.st_size)
                out[os.path.relpath(full, self.root)] = stamp
        return out

    def run(self, *args: str, timeout: float = 90, allowed: tuple[str, ...] = ()) -> Run:
        before = self.snapshot()
        rss_file = self.root.parent / f".{self.root.name}-rss"
        env = self.env()
        env["HC_FUZZ_RSS_FILE"] = str(rss_file)
        start = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRAPPER, *args],
            cwd=self.work,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError(f"hullcheck {' '.join(args)} hung for {timeout} s") from None
        seconds = time.monotonic() - start
        after = self.snapshot()
        changed = sorted(p for p, v in after.items() if before.get(p) != v)
        cache_prefix = os.path.relpath(self.cache, self.root)
        new = [
            p
            for p in changed
            if not (p == cache_prefix or p.startswith(cache_prefix + os.sep)) and p not in allowed
        ]
        return Run(
            proc.returncode,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            new,
            [p for p in changed if p.startswith(cache_prefix + os.sep)],
            int(rss_file.read_text()) if rss_file.exists() else 0,
            seconds,
        )
