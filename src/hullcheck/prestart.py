"""Run ``hullcheck`` commands in processes forked from one that has already imported it.

``python -m hullcheck scan`` spends about 0.6 s starting the interpreter and importing
before the scan begins: more than the whole scan of an image whose layers are in the
layer cache, so a fleet of such images spent most of its time starting processes.  A
long-lived caller (a fleet worker, the service) instead starts multiprocessing's
*forkserver* once, with hullcheck preloaded, and each command is a fork of it.  It is
still a process of its own: a hostile image can exhaust or crash only that process, a
timeout kills it, and nothing it changes in memory outlives it.  The forkserver is
single-threaded, so forking it is safe while the caller runs threads (which forking the
caller itself would not be).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import runpy
import sys
from collections.abc import Mapping, Sequence
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

PRELOAD = ["hullcheck.cli.main", "hullcheck.cli.scan"]
"""The entry point and the command the service and fleet workers run."""
_context: ForkServerContext | None = None


def _forkserver() -> ForkServerContext:
    global _context  # noqa: PLW0603 - one forkserver per process, started on first use
    if _context is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def _child(argv: list[str], env: dict[str, str], stderr_path: str, stdin_text: str | None) -> None:
    """In the forked process: the caller's environment and streams, then the command."""
    os.environ.clear()
    os.environ.update(env)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(err, 2)
    os.close(err)
    os.close(null)
    # a password comes through the call, never the command line or the environment
    sys.stdin = io.TextIOWrapper(io.BytesIO((stdin_text or "").encode()), encoding="utf-8")
    sys.argv = ["hullcheck", *argv]
    try:
        # exactly what ``python -m hullcheck ARGV`` runs, its modules already imported
        runpy.run_module("hullcheck", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def launch(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    stderr_path: Path,
    stdin_text: str | None = None,
) -> BaseProcess:
    """Start ``hullcheck ARGV`` (``argv`` without the program name); ``join``, ``kill``
    and ``exitcode`` as for any process (negative: the signal that ended it).  Its
    standard error goes to ``stderr_path``; its standard output is discarded."""
    process = _forkserver().Process(
        target=_child,
        args=(list(argv), dict(env), str(stderr_path), stdin_text),
        name="hullcheck-scan",
    )
    process.start()
    return process
