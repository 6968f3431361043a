"""Lint the whole shared Dockerfile corpus with hullcheck and with hadolint; print both times.

Each tool runs once, as one process over every file (as a user or CI would run it),
in the same run of this script, on the same files.  Usage:

    python bench/lint_vs_hadolint.py [CORPUS_DIR] [--hadolint PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared")) / "corpus"


def corpus_files(root: Path) -> list[str]:
    return sorted(
        str(p) for p in root.rglob("*") if p.is_file() and p.name not in ("MANIFEST.tsv",)
    )


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (user+sys of the child: fair on a shared machine), rc, bytes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, proc.returncode, len(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS / "dockerfiles")
    parser.add_argument("--hadolint", default=str(Path(sys.executable).parent / "hadolint"))
    args = parser.parse_args()
    files = corpus_files(args.corpus)
    if not files:
        print(f"no files under {args.corpus}", file=sys.stderr)
        return 2
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    hc_argv = [sys.executable, "-m", "hullcheck", "lint", "--format", "json", *files]
    hd_argv = [args.hadolint, "--no-fail", "--format", "json", *files]
    print(f"{len(files)} Dockerfiles from {args.corpus}")
    hc_time, hc_cpu, hc_rc, hc_out = timed(hc_argv, env)
    print(f"hullcheck lint: {hc_time:6.2f} s wall, {hc_cpu:6.2f} s CPU (exit {hc_rc}, {hc_out} B)")
    hd_time, hd_cpu, hd_rc, hd_out = timed(hd_argv)
    print(f"hadolint:       {hd_time:6.2f} s wall, {hd_cpu:6.2f} s CPU (exit {hd_rc}, {hd_out} B)")
    cpu_ratio = hd_cpu / max(hc_cpu, 1e-9)
    print(f"ratio hadolint/hullcheck: {hd_time / hc_time:.1f}x wall, {cpu_ratio:.1f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
