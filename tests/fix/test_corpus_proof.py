"""The proof over real Dockerfiles: a sample of the shared corpus (every 8th file, all
fixes including the unsafe ones) is fixed; each result is re-parsed and re-linted by a
fresh linter and fixed a second time.  bench/fix_corpus.py runs the whole corpus."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hullcheck.dockerfile.parser import parse
from hullcheck.fix.engine import FixEngine, fingerprint
from hullcheck.fix.registry import select
from hullcheck.lint import Linter, find_dockerfiles, read_dockerfile
from hullcheck.policy.config import DEFAULT


def test_corpus_sample_fixes_prove_out(shared_dir: Path) -> None:
    files = find_dockerfiles([str(shared_dir / "corpus" / "dockerfiles")])[::8]
    assert len(files) > 100
    engine = FixEngine(select(None, unsafe=True, resolver=False), config=DEFAULT)
    linter = Linter()
    changed = removed = 0
    problems: list[str] = []
    for path in files:
        text = read_dockerfile(path)
        result = engine.fix_text(text, str(path))
        if not result.changed:
            continue
        changed += 1
        parse(result.text, str(path))  # must still parse
        old = linter.lint_text(text, str(path), DEFAULT).findings
        new = linter.lint_text(result.text, str(path), DEFAULT).findings
        removed += len(old) - len(new)
        appeared = Counter(map(fingerprint, new)) - Counter(map(fingerprint, old))
        if appeared:
            problems.append(f"{path}: new {sorted(appeared)[:2]}")
        if engine.fix_text(result.text, str(path)).changed:
            problems.append(f"{path}: a second fix changed it again")
    assert problems == []
    assert changed > 100  # the unsafe labels fix alone applies to nearly every file
    assert removed > changed  # and the USER fix removes HC2001 besides
