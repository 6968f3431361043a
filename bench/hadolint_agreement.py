"""Compare hullcheck lint with hadolint 2.15.1 on the shared corpus, rule by rule.

For every hadolint code that some hullcheck rule covers (its ``hadolint=`` tuple),
count findings on the same file and line in both tools, only in hadolint, and only in
hullcheck.  hadolint reports the first line of an instruction, hullcheck the exact line
of the offending command, so hullcheck lines are mapped to the first line of their
instruction first.  Files hadolint cannot parse (DL1000) are left out: it reports
nothing else on them.  Usage:

    python bench/hadolint_agreement.py [--corpus DIR] [--samples N] [--code DL3008]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hullcheck.dockerfile.parser import parse  # noqa: E402
from hullcheck.errors import DockerfileError  # noqa: E402
from hullcheck.lint import Linter, read_dockerfile  # noqa: E402
from hullcheck.rules.registry import RULES  # noqa: E402

DEFAULT_CORPUS = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared")) / "corpus"
Key = tuple[str, int]
NOT_IN_DEFAULT_RUN = {
    "DL3005": "removed from hadolint 2.x",
    "DL3026": "needs trustedRegistries configured",
    "DL3057": "off by default in hadolint",
}


def load_hadolint(path: Path) -> tuple[dict[str, Counter[Key]], set[str]]:
    """hadolint results: code -> Counter of (file, line); and the files it could not parse."""
    by_code: dict[str, Counter[Key]] = defaultdict(Counter)
    unparsed: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            entry = json.loads(raw)
            for res in entry["results"]:
                if res["code"] == "DL1000":
                    unparsed.add(entry["file"])
                by_code[res["code"]][(entry["file"], int(res["line"]))] += 1
    return by_code, unparsed


def run_hullcheck(root: Path, files: list[str]) -> tuple[dict[str, Counter[Key]], float]:
    """hullcheck findings per hadolint code, lines moved to their instruction's first line."""
    codes_of = {rule.id: rule.hadolint for rule in RULES}
    linter = Linter()
    by_code: dict[str, Counter[Key]] = defaultdict(Counter)
    elapsed = 0.0
    for rel in files:
        text = read_dockerfile(root / rel)
        start = time.perf_counter()
        result = linter.lint_text(text, rel)
        elapsed += time.perf_counter() - start
        try:
            dockerfile = parse(text, rel)
        except DockerfileError:
            dockerfile = None
        for finding in result.findings:
            line = finding.location.line or 0
            ins = None
            if dockerfile is not None:
                ins = dockerfile.instruction_at(line)
                if ins is not None:
                    line = ins.line
            tagged = finding.extra.get("hadolint")
            codes = (tagged,) if isinstance(tagged, str) else codes_of.get(finding.rule, ())
            if finding.rule == "HC0001":
                codes = ("DL1000",)  # a parse error is not any other rule's finding
            if finding.rule == "HC2001" and ins is not None and ins.keyword == "FROM":
                codes = ()  # no USER at all: hadolint's DL3002 only looks at USER root
            for code in codes:
                by_code[code][(rel, line)] += 1
    return by_code, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--samples", type=int, default=0, help="disagreements to print per code")
    parser.add_argument("--code", action="append", help="only these hadolint codes")
    args = parser.parse_args()
    root = args.corpus / "dockerfiles"
    hadolint, unparsed = load_hadolint(args.corpus / "hadolint-2.15.1.jsonl")
    files = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and p.name != "MANIFEST.tsv"
    )
    compared = [f for f in files if f not in unparsed]
    ours, elapsed = run_hullcheck(root, compared)
    covered: dict[str, list[str]] = defaultdict(list)
    for rule in RULES:
        for code in rule.hadolint:
            covered[code].append(rule.id)
    print(f"{len(compared)} files compared ({len(unparsed)} that hadolint cannot parse left out)\n")
    print("| hadolint | hullcheck | both | only hadolint | only hullcheck |")
    print("|---|---|---:|---:|---:|")
    totals = [0, 0, 0]
    samples: list[str] = []
    keep = set(compared)
    for code in sorted(covered, key=lambda c: (c[:2], c)):
        if args.code and code not in args.code:
            continue
        theirs = Counter({k: v for k, v in hadolint.get(code, Counter()).items() if k[0] in keep})
        mine = ours.get(code, Counter())
        both = sum((theirs & mine).values())
        only_h = sum((theirs - mine).values())
        only_c = sum((mine - theirs).values())
        if code not in NOT_IN_DEFAULT_RUN:
            totals[0] += both
            totals[1] += only_h
            totals[2] += only_c
        note = NOT_IN_DEFAULT_RUN.get(code)
        if note:
            print(f"| {code} | {', '.join(covered[code])} | n/a | n/a | {only_c} ({note}) |")
            continue
        print(f"| {code} | {', '.join(covered[code])} | {both} | {only_h} | {only_c} |")
        if args.samples:
            for label, diff in (
                ("only hadolint", theirs - mine),
                ("only hullcheck", mine - theirs),
            ):
                for file, line in sorted(diff)[: args.samples]:
                    samples.append(f"{code} {label}: {file}:{line}")
    print(f"| **total** | | {totals[0]} | {totals[1]} | {totals[2]} |")
    if samples:
        print()
        print("\n".join(samples))
    print(f"\n(hullcheck lint_text over these files, in-process: {elapsed:.2f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
