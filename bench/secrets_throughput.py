"""Secrets engine throughput on the python-npm test image, against detect-secrets.

Reads every regular file of every layer of the image from the OCI layout (in memory),
then times, in the same run, on the same files:

* hullcheck with the keyword prefilter (Hyperscan; the default);
* hullcheck without it (a substring test per keyword, each woken regex on the whole file);
* hullcheck with no keyword gate at all (every regex on every file; the raw regex cost);
* detect-secrets (default plugins and filters, in process, one file at a time), on the
  same text files written to a temporary directory (it only scans files on disk).

Prints MB/s of content examined, files/s, findings, and the ratios.

    PYTHONPATH=src /work/venv/bin/python bench/secrets_throughput.py \
        [--layout /work/cache/test-images/oci] [--image python-npm]
        [--no-peer] [--no-raw] [--no-gate] [--repeat N]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "secrets"))

from image_files import image_files

from hullcheck.secrets import BUILTIN_RULES, SecretScanner
from hullcheck.secrets.scanner import is_binary

MB = 1e6


def run_hullcheck(files: list[tuple[str, bytes]], scanner: SecretScanner) -> tuple[float, int]:
    start = time.perf_counter()
    count = 0
    for path, data in files:
        count += len(scanner.scan(data, path=path))
    return time.perf_counter() - start, count


def run_detect_secrets(files: list[tuple[str, bytes]]) -> tuple[float, int, int]:
    from detect_secrets import SecretsCollection  # noqa: PLC0415 (optional peer)
    from detect_secrets.settings import default_settings  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp:
        names = []
        for i, (_path, data) in enumerate(files):
            name = Path(tmp) / f"{i:06d}"
            name.write_bytes(data)
            names.append(str(name))
        collection = SecretsCollection()
        with default_settings():
            start = time.perf_counter()
            for name in names:
                collection.scan_file(name)
            elapsed = time.perf_counter() - start
        secrets = sum(len(v) for v in collection.data.values())
        return elapsed, secrets, len(collection.data)


def line(label: str, seconds: float, nbytes: int, nfiles: int, findings: int) -> None:
    print(
        f"{label:<38} {seconds:8.2f} s  {nbytes / MB / seconds:8.1f} MB/s"
        f"  {nfiles / seconds:9.0f} files/s  findings={findings}"
    )


def main() -> int:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", type=Path, default=Path("/work/cache/test-images/oci"))
    parser.add_argument("--image", default="python-npm")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="skip detect-secrets")
    parser.add_argument(
        "--no-raw", action="store_true", help="skip the every-regex-on-every-file baseline"
    )
    parser.add_argument(
        "--no-gate", action="store_true", help="skip the substring-keyword-gate baseline"
    )
    parser.add_argument(
        "--sample",
        type=int,
        default=0,
        help="use every k-th text file only (a smaller, still representative set)",
    )
    args = parser.parse_args()

    chooser = SecretScanner()
    files: list[tuple[str, bytes]] = []
    total = 0
    for path, size, data in image_files(args.layout, args.image, chooser.max_bytes):
        total += 1
        if data is None or not chooser.wants(path, size) or is_binary(data):
            continue
        files.append((path, data))
    if args.sample > 1:
        files = files[:: args.sample]
    nbytes = sum(len(d) for _, d in files)
    skipped = dict(chooser.stats.skipped_files)
    print(f"image {args.image}: {total} regular files; {len(files)} text files examined,")
    print(f"  {nbytes / MB:.1f} MB; skipped before reading: {skipped}")

    def best(make: object, repeat: int = args.repeat) -> tuple[float, int, SecretScanner]:
        results = []
        for _ in range(repeat):
            scanner = make()  # type: ignore[operator]
            seconds, found = run_hullcheck(files, scanner)
            results.append((seconds, found, scanner))
        return min(results, key=lambda r: r[0])

    pre_s, pre_n, pre = best(SecretScanner)
    print(f"(hullcheck: best of {args.repeat}, every-regex once; {len(BUILTIN_RULES)} rules)")
    line("hullcheck, keyword prefilter", pre_s, nbytes, len(files), pre_n)
    if not args.no_gate:
        nopre_s, nopre_n, _ = best(lambda: SecretScanner(prefilter=False))
        line("hullcheck, substring keyword gate", nopre_s, nbytes, len(files), nopre_n)
    if not args.no_raw:
        ungated = [dataclasses.replace(r, keywords=()) for r in BUILTIN_RULES]
        # minutes per run: once is enough to show the order of magnitude
        raw_s, raw_n, _ = best(lambda: SecretScanner(ungated, prefilter=False), repeat=1)
        line("hullcheck, every regex on every file", raw_s, nbytes, len(files), raw_n)
    print(
        f"  prefilter: {pre.stats.files_without_keywords}/{pre.stats.files_scanned} files"
        f" woke no rule; {pre.stats.rule_runs} rule runs"
    )
    if not args.no_gate:
        print(f"ratio prefilter vs substring gate: {nopre_s / pre_s:.2f}x faster")
    if not args.no_raw:
        print(f"ratio prefilter vs every regex:    {raw_s / pre_s:.2f}x faster")
    if not args.no_peer:
        try:
            ds_s, ds_n, ds_files = run_detect_secrets(files)
        except ImportError:
            print("detect-secrets not installed (pip install detect-secrets==1.5.0)")
            return 0
        line("detect-secrets 1.5.0 (default plugins)", ds_s, nbytes, len(files), ds_n)
        print(f"  detect-secrets flagged {ds_files} files; hullcheck flagged {pre_n} secrets")
        print(f"ratio hullcheck vs detect-secrets: {ds_s / pre_s:.1f}x faster")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
