"""Secrets recall and precision on the test corpus, hullcheck beside detect-secrets.

The corpus is ``tests/secrets/corpus.py``: format-valid fake secrets of every kind the
engine claims (POSITIVES) and realistic near misses (NEGATIVES: documented example keys,
placeholders, hashes, UUIDs, references, prose).  Each sample is one file; a file
counts as found when the tool reports anything in it.

* recall = positive files with a finding / positive files
* precision = positive files with a finding / all files with a finding

detect-secrets runs in process with its default plugins and filters, on the same
samples written under their own file names (its ``KeywordDetector`` reads extensions).
``--set round-two`` measures only the batch added for issue 13.  Comparing two revisions
of the engine: run the script with ``PYTHONPATH=<checkout>/src`` for each.

    PYTHONPATH=src .venv/bin/python bench/secrets_accuracy.py [--set round-two] [--no-peer]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hullcheck.secrets import SecretScanner  # noqa: E402
from tests.secrets import corpus  # noqa: E402

Sample = tuple[str, str, bool]  # content, path, is a secret


def samples(which: str) -> list[Sample]:
    if which == "round-two":
        pos = corpus.ROUND_TWO_POSITIVES
        neg = corpus.ROUND_TWO_NEGATIVES
    else:
        pos, neg = corpus.POSITIVES, corpus.NEGATIVES
    return [(c, p, True) for _, c, p in pos] + [(c, p, False) for c, p in neg]


def hullcheck_found(items: list[Sample]) -> list[bool]:
    scanner = SecretScanner()
    return [bool(scanner.scan(c.encode(), path=p)) for c, p, _ in items]


def detect_secrets_found(items: list[Sample]) -> list[bool]:
    from detect_secrets import SecretsCollection  # noqa: PLC0415 (optional peer)
    from detect_secrets.settings import default_settings  # noqa: PLC0415

    found = []
    with tempfile.TemporaryDirectory(prefix="hc-acc-") as tmp, default_settings():
        for i, (content, path, _) in enumerate(items):
            target = Path(tmp) / f"{i:04d}" / Path(path).name
            target.parent.mkdir()
            target.write_text(content)
            collection = SecretsCollection()
            collection.scan_file(str(target))
            found.append(bool(collection.data))
    return found


def figures(items: list[Sample], found: list[bool]) -> tuple[int, int, int, float, float]:
    positives = sum(1 for *_, secret in items if secret)
    tp = sum(1 for (*_, secret), hit in zip(items, found, strict=True) if secret and hit)
    fp = sum(1 for (*_, secret), hit in zip(items, found, strict=True) if not secret and hit)
    recall = tp / positives if positives else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    return tp, fp, positives, recall, precision


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("all", "round-two"), default="all", dest="which")
    parser.add_argument("--no-peer", action="store_true", help="skip detect-secrets")
    parser.add_argument("--misses", action="store_true", help="print hullcheck's misses")
    args = parser.parse_args()
    items = samples(args.which)
    negatives = sum(1 for *_, secret in items if not secret)
    print(f"{len(items) - negatives} secret files, {negatives} near misses")
    tools = [("hullcheck", hullcheck_found(items))]
    if not args.no_peer:
        tools.append(("detect-secrets", detect_secrets_found(items)))
    print(f"{'tool':<16} {'found':>9} {'false':>6} {'recall':>7} {'precision':>9}")
    for name, found in tools:
        tp, fp, positives, recall, precision = figures(items, found)
        print(f"{name:<16} {tp:>4}/{positives:<4} {fp:>6} {recall:7.3f} {precision:9.3f}")
    if args.misses:
        for (content, path, secret), hit in zip(items, tools[0][1], strict=True):
            if secret != hit:
                kind = "missed" if secret else "false alarm"
                print(f"  {kind}: {path}: {content[:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
