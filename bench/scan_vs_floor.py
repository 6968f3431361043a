"""A full ``hullcheck scan`` against the floor of reading the same layers, image by image.

    python bench/scan_vs_floor.py [--images DIR] [--repeat 3]

*floor*: read every layer blob once, hash its stored bytes (any verified read must) and
inflate it (ISA-L for gzip, zstandard for zstd), throwing the bytes away.  *scan*: the
whole audit of the image in one process (every rule family, secrets, catalogers,
vulnerability matching against the embedded advisory snapshot), layer cache off, timed
from the call to the report (interpreter start and imports excluded; shown apart as
*cli*: the same scan as a command, start to exit).  *warm*: the scan again with every
layer's results in the layer cache.  Each run is a fresh child process, best of
``--repeat``; peak RSS is the child's own.  Prints both times, the ratio and peak memory
per image; asserts nothing.  Goal (issue 18): scan <= 1.3 x floor.  *cpu*: the scan's
processor time, all threads and forks (the helper that reads later layers,
``sources.layerhelper``, or the fork that inflates a layer): on N cores no schedule
brings the scan below cpu / N seconds.  *alone*: the scan with no fork
(``--no-parallel``), in one process.
*bare*: the same pass with no analyser at all (reading, hashing, inflating, tar headers,
the merged view; no rule, no secrets, no catalogers), parallel as the scan is: what the
walk costs before any analysis, and so the least a scan can take in this design.
*bound*: the least processor time of the scan (with its forks, or alone), over the number
of cores, over the floor: the ratio no schedule on this machine can beat, however well
the work were spread.
*fork MB*: the peak of the scan's forks (the helper, or the fork inflating a single layer:
``sources.inflater``; most of their pages are shared with the scan's).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORES = len(os.sched_getaffinity(0))
DEFAULT_IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", ROOT / ".cache" / "test-images"))


def _floor(reference: str) -> dict[str, float]:
    import zstandard  # noqa: PLC0415
    from isal import isal_zlib  # noqa: PLC0415

    from hullcheck.sources.api import open_image  # noqa: PLC0415

    with open_image(reference) as handle:
        t0 = time.perf_counter()
        total = 0
        for layer in handle.image.layers:
            raw = handle.source.open_blob(layer.digest, layer.compressed_size)
            hasher = hashlib.sha256()
            head = raw.read(4)
            hasher.update(head)

            def rest(n: int, raw: object = raw, hasher: object = hasher) -> bytes:
                data: bytes = raw.read(n)  # type: ignore[attr-defined]
                hasher.update(data)  # type: ignore[attr-defined]
                return data

            if head[:2] == b"\x1f\x8b":
                d = isal_zlib.decompressobj(31)
                total += len(d.decompress(head))
                while chunk := rest(1 << 20):
                    total += len(d.decompress(chunk))
            elif head == b"\x28\xb5\x2f\xfd":

                class _Src:
                    def __init__(self, head: bytes) -> None:
                        self.head = head

                    def read(self, n: int = -1) -> bytes:
                        if self.head:
                            data, self.head = self.head, b""
                            return data
                        return rest(n)

                reader = zstandard.ZstdDecompressor().stream_reader(
                    _Src(head), read_size=1 << 20, read_across_frames=True
                )
                while chunk := reader.read(4 << 20):
                    total += len(chunk)
            else:
                total += len(head)
                while chunk := rest(4 << 20):
                    total += len(chunk)
            raw.close()
        return {"seconds": time.perf_counter() - t0, "bytes": total}


def _scan(
    reference: str, cache: str, use_cache: bool, parallel: bool = True, bare: bool = False
) -> dict[str, float]:
    from hullcheck.imagerules.base import ScanSettings  # noqa: PLC0415
    from hullcheck.scan import ScanRequest, scan_image  # noqa: PLC0415
    from hullcheck.sources.open import SourceOptions  # noqa: PLC0415

    settings = ScanSettings(vulnerabilities=True, db_path=Path(cache) / "osv.sqlite3")
    request = ScanRequest(
        reference,
        options=SourceOptions(cache_dir=Path(cache), parallel=None if parallel else False),
        settings=settings,
        layer_cache=use_cache,
    )
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    before = [resource.getrusage(w) for w in who]
    t0 = time.perf_counter()
    report = scan_image(request, [] if bare else None)
    elapsed = time.perf_counter() - t0
    after = [resource.getrusage(w) for w in who]
    cpu = sum(
        (a.ru_utime - b.ru_utime) + (a.ru_stime - b.ru_stime)
        for a, b in zip(after, before, strict=True)
    )
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "findings": len(report.findings),
        "packages": len(report.packages or []),
        "cached": sum(1 for layer in report.target.get("layers", []) if layer.get("cached")),  # type: ignore[union-attr]
        "fork_mb": after[1].ru_maxrss / 1024,
    }


def _child(mode: str, reference: str, cache: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, reference, cache],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    result: dict[str, float] = json.loads(out.stdout.splitlines()[-1])
    return result


def _cli(reference: str, cache: str) -> float:
    t0 = time.perf_counter()
    db = str(Path(cache) / "osv.sqlite3")
    subprocess.run(
        [
            *(sys.executable, "-m", "hullcheck", "scan", reference, "--no-layer-cache", "-q"),
            *("--cache-dir", cache, "--db", db, "-f", "json", "-o", os.devnull),
            *("--fail-on", "none"),
        ],
        check=False,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=Path, default=DEFAULT_IMAGES)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "REF", "CACHE"))
    args = parser.parse_args()
    if args.child:
        mode, ref, cache = args.child
        res = (
            _floor(ref)
            if mode == "floor"
            else _scan(ref, cache, mode == "warm", mode != "alone", mode == "bare")
        )
        res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    images = args.images
    refs = [
        f"oci:{images}/oci:debian-minbase",
        f"oci:{images}/oci:python-npm",
        f"oci:{images}/oci:python-npm-zstd",
        f"oci:{images}/oci:debian-minbase-i386",
        f"docker-archive:{images}/docker-archive/secret-deleted.tar",
    ]
    with tempfile.TemporaryDirectory(prefix="hullcheck-floor-") as cache:
        _child("scan", refs[0], cache)  # builds the advisory database once, untimed
        print(
            f"{'image':44} {'floor s':>8} {'scan s':>8} {'ratio':>6} {'cpu s':>6} {'bound':>6} "
            f"{'bare s':>7} {'bare/fl':>7} {'alone s':>8} "
            f"{'cli s':>7} {'warm s':>7} {'floor MB':>9} {'scan MB':>8} {'fork MB':>10}"
        )
        for ref in refs:
            floors = [_child("floor", ref, cache) for _ in range(args.repeat)]
            scans = [_child("scan", ref, cache) for _ in range(args.repeat)]
            warms = [_child("warm", ref, cache) for _ in range(args.repeat)]
            alones = [_child("alone", ref, cache) for _ in range(args.repeat)]
            bare = min(_child("bare", ref, cache)["seconds"] for _ in range(args.repeat))
            clis = [_cli(ref, cache) for _ in range(args.repeat)]
            f = min(r["seconds"] for r in floors)
            best = min(scans, key=lambda r: r["seconds"])
            s = best["seconds"]
            w = min(r["seconds"] for r in warms)
            least_cpu = min(r["cpu"] for r in (*scans, *alones))
            print(
                f"{ref.replace(str(images), '…'):44} {f:8.2f} {s:8.2f} {s / f:6.2f} "
                f"{best['cpu']:6.2f} {least_cpu / CORES / f:6.2f} {bare:7.2f} {bare / f:7.2f} "
                f"{min(r['seconds'] for r in alones):8.2f} "
                f"{min(clis):7.2f} {w:7.2f} "
                f"{max(r['max_rss_mb'] for r in floors):9.1f} "
                f"{max(r['max_rss_mb'] for r in scans):8.1f} "
                f"{max(r['fork_mb'] for r in scans):10.1f}"
                f"   ({int(floors[0]['bytes']) >> 20} MiB inflated, "
                f"{int(scans[0]['findings'])} findings, {int(scans[0]['packages'])} packages)"
            )


if __name__ == "__main__":
    main()
