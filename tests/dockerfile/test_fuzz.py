"""Mutated real Dockerfiles: lint must give findings or a syntax finding, never a crash."""

from __future__ import annotations

import random
from pathlib import Path

from hullcheck.lint import Linter

TOKENS = [
    "\\", "`", "<<EOF", '<<-"X"', "\n", "#", '"', "'", "${", "$(", "[", "]", "--mount=",
    "EOF\n", "\t", "FROM ", "ONBUILD ", " AS ", "=", "\x00", "\r", "\u00a0", "# escape=`\n",
    "${A:-", "}", "|", "&&", ";", "HEALTHCHECK", "COPY --from=", "<<",
]  # fmt: skip


def test_only_continuations_and_blanks_is_no_instruction() -> None:
    result = Linter().lint_text("FROM a:1\nUSER app\n \\\n\n", "D")
    assert [f.rule for f in result.findings if f.rule == "HC0001"] == []


def test_mutated_corpus_never_crashes(shared_dir: Path) -> None:
    root = shared_dir / "corpus" / "dockerfiles"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    rng = random.Random(20261127)
    linter = Linter()
    for _ in range(400):
        chars = list(files[rng.randrange(len(files))].read_text(errors="replace"))
        for _ in range(rng.randrange(1, 8)):
            pos = rng.randrange(len(chars) + 1)
            op = rng.random()
            if op < 0.5:
                chars.insert(pos, rng.choice(TOKENS))
            elif op < 0.8 and chars:
                del chars[max(pos - 1, 0)]
            else:
                del chars[pos : pos + rng.randrange(50)]
        linter.lint_text("".join(chars), "Dockerfile")  # raises on any bug
