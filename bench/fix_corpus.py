"""Fix every Dockerfile of the shared corpus and prove each result, printing the figures.

For each file: fix (safe fixes, then with --unsafe), re-parse and re-lint the result with a
fresh linter, and count findings before and after.  A finding in the result that the
original did not have (by rule and message) is a failure, and so is a second ``fix`` run
that still changes something (fixes must be idempotent).  Prints the totals and the time.

    .venv/bin/python bench/fix_corpus.py [/work/shared/corpus/dockerfiles] [--unsafe]
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from hullcheck.fix.engine import FixEngine, fingerprint
from hullcheck.fix.registry import select
from hullcheck.lint import Linter, find_dockerfiles, read_dockerfile
from hullcheck.policy.config import DEFAULT


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    unsafe = "--unsafe" in sys.argv
    root = args[0] if args else "/work/shared/corpus/dockerfiles"
    files = find_dockerfiles([root])
    engine = FixEngine(select(None, unsafe, False), config=DEFAULT)
    fresh = Linter()
    before = after = fixed_files = applied = rejected = failures = 0
    by_fixer: Counter[str] = Counter()
    gone: Counter[str] = Counter()
    started = time.perf_counter()
    for path in files:
        text = read_dockerfile(path)
        result = engine.fix_text(text, str(path))
        old = fresh.lint_text(text, str(path), DEFAULT).findings
        new = fresh.lint_text(result.text, str(path), DEFAULT).findings
        before += len(old)
        after += len(new)
        applied += len(result.applied)
        rejected += len(result.rejected)
        by_fixer.update(c.fixer for c in result.applied)
        gone.update((Counter(f.rule for f in old) - Counter(f.rule for f in new)).elements())
        if result.changed:
            fixed_files += 1
        appeared = Counter(fingerprint(f) for f in new) - Counter(fingerprint(f) for f in old)
        if appeared:
            failures += 1
            print(f"NEW FINDING {path}: {sorted(appeared)[:3]}")
        again = engine.fix_text(result.text, str(path))
        if again.changed:
            failures += 1
            print(f"NOT IDEMPOTENT {path}: {[c.fixer for c in again.applied]}")
    elapsed = time.perf_counter() - started
    print(
        f"files: {len(files)}  changed: {fixed_files}  fixes applied: {applied}"
        f"  dropped by the proof: {rejected}"
    )
    print(f"findings before: {before}  after: {after}  removed: {before - after}")
    print("fixes by kind: " + ", ".join(f"{k}={v}" for k, v in sorted(by_fixer.items())))
    print("findings removed by rule: " + ", ".join(f"{k}={v}" for k, v in sorted(gone.items())))
    print(f"failures (new findings or non-idempotent): {failures}")
    print(f"time: {elapsed:.1f}s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
