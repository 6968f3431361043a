"""Time hullcheck's single layer pass against the floor of just decompressing the blobs.

    PYTHONPATH=src python bench/read_layers.py [--images /work/cache/test-images] [--repeat 3]

For each image: *floor* = decompress every layer blob with the fastest decompressor
available (ISA-L for gzip, zstandard for zstd, a plain read for uncompressed layers) and
throw the bytes away (*+sha*: the same, also hashing the stored bytes, which any
verified read must do); *walk* = hullcheck's pass: digest verified, tar headers parsed,
merged view built, every regular file's full content offered to a no-op analyser.  Both
run in fresh child processes (best of ``--repeat``), so each peak RSS
(``resource.getrusage``) is its own.  Wall and CPU seconds are both shown: on a shared
machine the CPU time is the steadier measure.  The goal is walk <= 1.3x floor, and peak memory
that does not grow with the image.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import zstandard
from isal import isal_zlib

from hullcheck.sources.api import open_image
from hullcheck.sources.limits import Limits
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Subscription

ROOT = Path(__file__).resolve().parent.parent


def _floor(reference: str, verify: bool = False) -> dict[str, float]:
    with open_image(reference) as handle:
        layers = handle.image.layers
        t0 = time.perf_counter()
        c0 = time.process_time()
        total = 0
        for layer in layers:
            raw = handle.source.open_blob(layer.digest, layer.compressed_size)
            hasher = hashlib.sha256()
            head = raw.read(4)
            hasher.update(head)

            def rest(n: int, raw: object = raw, hasher: object = hasher) -> bytes:
                data: bytes = raw.read(n)  # type: ignore[attr-defined]
                if verify:
                    hasher.update(data)  # type: ignore[attr-defined]
                return data

            if head[:2] == b"\x1f\x8b":
                d = isal_zlib.decompressobj(31)
                total += len(d.decompress(head))
                while chunk := rest(1 << 20):
                    total += len(d.decompress(chunk))
            elif head == b"\x28\xb5\x2f\xfd":
                reader = zstandard.ZstdDecompressor().stream_reader(
                    _Prefixed(head, rest), read_size=1 << 20, read_across_frames=True
                )
                while chunk := reader.read(4 << 20):
                    total += len(chunk)
            else:
                total += len(head)
                while chunk := rest(4 << 20):
                    total += len(chunk)
            raw.close()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
    return {"seconds": elapsed, "cpu": cpu, "bytes": total}


class _Prefixed:
    def __init__(self, head: bytes, read: object) -> None:
        self._head = head
        self._read = read

    def read(self, n: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        return self._read(n)  # type: ignore[operator, no-any-return]


def _walk(reference: str) -> dict[str, float]:
    count = [0, 0]

    def noop(ref: object, data: bytes | None) -> None:
        count[0] += 1
        count[1] += len(data or b"")

    sub = Subscription("noop", noop, all_entries=True, max_size=1 << 40)
    t0 = time.perf_counter()
    c0 = time.process_time()
    # no cap on paths: the synthetic images measure what each one costs
    options = SourceOptions(limits=Limits(max_entries=100_000_000))
    with open_image(reference, options=options) as handle:
        result = handle.walk([sub])
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    assert result.complete, result.errors
    return {
        "seconds": elapsed,
        "cpu": cpu,
        "bytes": sum(s.uncompressed_size for s in result.view.stats),
        "files": count[0],
        "content_bytes": count[1],
        "paths": result.view.entry_count,
    }


def _build(count: int, out: Path) -> str:
    """An OCI layout with one layer of ``count`` empty files in 1000-file directories."""
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.imagebuilder import File, Layer, make_image  # noqa: PLC0415

    members = [File(f"d{i // 1000}/f{i}") for i in range(count)]
    return make_image(out, [Layer(members)]).reference


def _synthetic(count: int, out: Path) -> str:
    # Built in a child: a forked child inherits its parent's peak RSS in getrusage.
    return _child("build", f"{count}:{out}")["reference"]  # type: ignore[return-value]


def _child(mode: str, reference: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, reference],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", default="/work/cache/test-images")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "REF"))
    parser.add_argument("--paths-only", action="store_true", help="skip the real images")
    parser.add_argument(
        "--paths",
        type=int,
        nargs="*",
        default=[],
        help="also walk synthetic images of this many tiny files (memory per path)",
    )
    args = parser.parse_args()
    if args.child:
        mode, ref = args.child
        if mode == "build":
            count, _, out = ref.partition(":")
            print(json.dumps({"reference": _build(int(count), Path(out))}))
            return
        res = _walk(ref) if mode == "walk" else _floor(ref, verify=mode == "floor+sha256")
        res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    images = Path(args.images)
    refs = (
        []
        if args.paths_only
        else [
            f"oci:{images}/oci:debian-minbase",
            f"oci:{images}/oci:python-npm",
            f"oci:{images}/oci:python-npm-zstd",
            f"docker-archive:{images}/docker-archive/python-npm.tar",
        ]
    )
    print(
        f"{'image':46} {'floor s':>8} {'walk s':>8} {'ratio':>6} {'floor cpu':>9} "
        f"{'walk cpu':>8} {'ratio':>6} {'+sha cpu':>8} {'ratio':>6} {'floor MB':>9} {'walk MB':>8}"
    )
    for ref in refs:
        floors = [_child("floor", ref) for _ in range(args.repeat)]
        walks = [_child("walk", ref) for _ in range(args.repeat)]
        hashed = [_child("floor+sha256", ref) for _ in range(args.repeat)]
        hc = min(r["cpu"] for r in hashed)
        f = min(floors, key=lambda r: r["seconds"])
        w = min(walks, key=lambda r: r["seconds"])
        fc = min(r["cpu"] for r in floors)
        wc = min(r["cpu"] for r in walks)
        assert f["bytes"] == w["bytes"], (f, w)
        print(
            f"{ref.replace(str(images), '…'):46} {f['seconds']:8.3f} {w['seconds']:8.3f} "
            f"{w['seconds'] / f['seconds']:6.2f} {fc:9.3f} {wc:8.3f} {wc / fc:6.2f} "
            f"{hc:8.3f} {wc / hc:6.2f} "
            f"{max(r['max_rss_mb'] for r in floors):9.1f} "
            f"{max(r['max_rss_mb'] for r in walks):8.1f}"
            f"   ({int(w['bytes']) >> 20} MiB, {int(w['files'])} entries offered,"
            f" {int(w['content_bytes']) >> 20} MiB content)"
        )

    if args.paths:
        import tempfile  # noqa: PLC0415

        print(f"\n{'synthetic image':30} {'walk s':>8} {'walk MB':>8} {'bytes/path':>10}")
        with tempfile.TemporaryDirectory(prefix="hullcheck-bench-") as tmp:
            base = _child("walk", _synthetic(1, Path(tmp) / "base"))["max_rss_mb"]
            for n in args.paths:
                w = _child("walk", _synthetic(n, Path(tmp) / f"p{n}"))
                per = (w["max_rss_mb"] - base) * 1024 * 1024 / n
                print(
                    f"{n:>12} files{'':13} {w['seconds']:8.2f} {w['max_rss_mb']:8.1f} {per:10.0f}"
                )


if __name__ == "__main__":
    main()
