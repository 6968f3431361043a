"""A fleet of N images built on 3 real base layer chains, pushed to a real local registry,
scanned by ``hullcheck fleet scan`` on the local pool and on 1 and 2 Celery workers, and by
syft, side by side in one run; with the decompression floor of the unique layer bytes.

    python bench/fleet.py [--images 50] [--skip-syft] [--json figures.json]

Runs: the local pool without the layer cache (every image read whole), with the layer
cache cold (an empty cache directory: each shared base layer is read once, by the first
image that holds it) and warm (the same directory again: no blob is read), then 1 and 2
Celery workers, each on a cold cache, then 2 workers as on 2 machines (each its own data
directory and local cache): with local layer caches only, and sharing layer records through
a Redis layer store (``--layer-cache redis://``) and, with ``--postgres URL``, through that
PostgreSQL database (emptied of layer records first), then syft one image at a time.
``--json`` writes the figures (per-image and per-byte costs for ``bench/fleet_projection.py``).

Needs the test images (HULLCHECK_TEST_IMAGES), ../shared/tools/start-registry.sh, skopeo,
redis-server and the fleet extra.  Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from isal import isal_zlib

ROOT = Path(__file__).resolve().parent.parent
IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", ROOT / ".cache" / "test-images"))
SHARED = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared"))
SYFT = shutil.which("syft") or str(Path(sys.executable).parent / "syft")
BASES = ("debian-minbase", "python-npm", "debian-minbase-i386")
LAYOUT = IMAGES / "oci"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def blob(digest: str) -> Path:
    return LAYOUT / "blobs" / "sha256" / digest.removeprefix("sha256:")


def manifest_of(name: str) -> dict:
    index = json.loads((LAYOUT / "index.json").read_text())
    for desc in index["manifests"]:
        if desc["annotations"]["org.opencontainers.image.ref.name"] == name:
            doc = json.loads(blob(desc["digest"]).read_text())
            if "manifests" in doc:  # an index: take its first platform
                doc = json.loads(blob(doc["manifests"][0]["digest"]).read_text())
            return doc
    raise KeyError(name)


def write_blob(root: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return f"sha256:{digest}"


def build_image(out: Path, base: str, n: int) -> None:
    """The base's layers plus one small layer of this image's own (an app of its own)."""
    (out / "blobs" / "sha256").mkdir(parents=True)
    manifest = manifest_of(base)
    config = json.loads(blob(manifest["config"]["digest"]).read_text())
    for layer in manifest["layers"]:
        os.link(blob(layer["digest"]), out / "blobs" / "sha256" / layer["digest"][7:])
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        data = f"app {n}\n".encode() * 100
        info = tarfile.TarInfo(f"opt/app{n}/VERSION")
        info.size, info.mtime = len(data), 1735689600
        tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    compressed = gzip.compress(tar_bytes, mtime=0)
    layer_digest = write_blob(out, compressed)
    config["rootfs"]["diff_ids"].append(f"sha256:{hashlib.sha256(tar_bytes).hexdigest()}")
    config.setdefault("history", []).append({"created_by": f"COPY app{n} /opt/app{n}"})
    config_bytes = json.dumps(config, sort_keys=True).encode()
    new_manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": write_blob(out, config_bytes),
            "size": len(config_bytes),
        },
        "layers": [
            *manifest["layers"],
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": layer_digest,
                "size": len(compressed),
            },
        ],
    }
    body = json.dumps(new_manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": new_manifest["mediaType"],
                "digest": write_blob(out, body),
                "size": len(body),
                "annotations": {"org.opencontainers.image.ref.name": "latest"},
            }
        ],
    }
    (out / "index.json").write_text(json.dumps(index))
    (out / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=False, capture_output=True, env={**os.environ, **(env or {})})
    return time.monotonic() - start


def floor(digests: set[str], sizes: dict[str, int] | None = None) -> tuple[float, int]:
    """Inflating every unique layer once: the least any reader of these images must do."""
    start = time.monotonic()
    total = 0
    for digest in digests:
        size = 0
        with blob(digest).open("rb") as f:
            inflater = isal_zlib.decompressobj(16 + isal_zlib.MAX_WBITS)
            while chunk := f.read(1 << 20):
                size += len(inflater.decompress(chunk))
        total += size
        if sizes is not None:
            sizes[digest] = size
    return time.monotonic() - start, total


def cached_layers(results: Path) -> int:
    """Layers the scans replayed from the layer cache, from the fleet's results file."""
    total = 0
    if results.exists():
        for line in results.read_text().splitlines():
            total += int(json.loads(line).get("cached_layers") or 0)
    return total


def push_images(work: Path, host: str, count: int) -> set[str]:
    """Build ``count`` images on the bases in turn and push them; their base layers."""
    unique: set[str] = set()
    for n in range(count):
        base = BASES[n % len(BASES)]
        unique.update(layer["digest"] for layer in manifest_of(base)["layers"])
        build_image(work / f"img{n}", base, n)
        subprocess.run(
            [
                "skopeo",
                "copy",
                "-q",
                "--dest-tls-verify=false",
                f"oci:{work / f'img{n}'}:latest",
                f"docker://{host}/bench/app{n}:latest",
            ],
            check=True,
            capture_output=True,
        )
    return unique


def describe_setup(
    images: int, unique: set[str], sizes: dict[str, int], floor_s: float, floor_bytes: int
) -> int:
    """Print what the run is made of; the bytes the images reference, shared or not."""
    print(
        f"{images} images, {len(unique)} shared base layers "
        f"({floor_bytes / 1e6:.0f} MB uncompressed), plus one small layer each"
    )
    print(f"decompression floor of the unique base layers: {floor_s:.2f} s")
    return sum(
        sizes[layer["digest"]]
        for n in range(images)
        for layer in manifest_of(BASES[n % len(BASES)])["layers"]
    )


def start_workers(broker: str, tag: str, count: int, *extra: str) -> list[subprocess.Popen[bytes]]:
    workers = []
    for i in range(count):
        cmd = [sys.executable, "-m", "hullcheck", "fleet", "worker", "--broker", broker, "-c", "1"]
        workers.append(
            subprocess.Popen(
                [*cmd, "--name", f"{tag}{i}", *[a.replace("{i}", str(i)) for a in extra]],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    time.sleep(5)
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for w in workers:
        os.killpg(w.pid, signal.SIGTERM)
        w.wait(30)


def two_machines(
    fleet_cmd: list[str],
    work: Path,
    rport: int,
    *,
    results: dict[str, float],
    cached: dict[str, int],
    procs: list[subprocess.Popen[bytes]],
    postgres: str | None = None,
) -> None:
    """2 workers each with its own data directory (its own local cache, as on two
    machines): first with only their local layer caches, then sharing records in Redis
    (and in PostgreSQL when one is given)."""
    broker = f"redis://127.0.0.1:{rport}/0"
    key = {"HULLCHECK_LAYER_CACHE_KEY": "bench-" + os.urandom(8).hex()}
    os.environ.update(key)  # the workers inherit it, as an operator would set it on each
    stores: list[tuple[str, str, tuple[str, ...]]] = [
        ("local caches only", "l", ()),
        ("Redis layer store", "s", ("--layer-cache", f"redis://127.0.0.1:{rport}/1")),
    ]
    if postgres:
        clean = [sys.executable, "-m", "hullcheck", "cache", "clean", "--layer-cache", postgres]
        subprocess.run([*clean, "--cache-dir", str(work / "pg-clean")], check=True)
        stores.append(("PostgreSQL layer store", "p", ("--layer-cache", postgres)))
    for store, tag, extra in stores:
        workers = start_workers(broker, tag, 2, "--data-dir", str(work / f"m{tag}{{i}}"))
        procs.extend(workers)
        name = f"celery, 2 machines, {store}, cold"
        out = work / f"machines-{tag}.jsonl"
        cmd = [*fleet_cmd, "--broker", broker, "-o", str(out), *extra]
        results[name] = timed([*cmd, "--data-dir", str(work / f"d-m{tag}")])
        cached[name] = cached_layers(out)
        stop_workers(workers)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=50)
    parser.add_argument("--skip-syft", action="store_true")
    parser.add_argument("--skip-machines", action="store_true", help="no 2-machine runs")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--postgres", metavar="URL", help="also share layer records through this database"
    )
    return parser.parse_args()


def main() -> None:
    args = _args()
    work = Path(tempfile.mkdtemp(prefix="hullcheck-fleet-bench-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        port = free_port()
        out = subprocess.run(
            [str(SHARED / "tools" / "start-registry.sh"), str(work / "reg"), str(port)],
            capture_output=True,
            text=True,
            check=True,
        )
        registry_pid = int(out.stdout.split()[-1])
        host = f"127.0.0.1:{port}"
        unique = push_images(work, host, args.images)
        sizes: dict[str, int] = {}
        floor_s, floor_bytes = floor(unique, sizes)
        referenced = describe_setup(args.images, unique, sizes, floor_s, floor_bytes)
        refs = work / "refs.txt"
        refs.write_text("".join(f"{host}/bench/app{n}:latest\n" for n in range(args.images)))
        db = ROOT / ".cache" / "bench-osv.sqlite3"
        common = ["--list", str(refs), "--fail-on", "none", "-q", "--db", str(db)]
        hc = [sys.executable, "-m", "hullcheck", "fleet", "scan"]
        results: dict[str, float] = {}
        cached: dict[str, int] = {}

        def local(name: str, data: str, *extra: str) -> None:
            out = work / f"{name.replace(' ', '_').replace(',', '')}.jsonl"
            cmd = [*hc, *common, "-j", "2", "-o", str(out), "--data-dir", str(work / data)]
            results[name] = timed([*cmd, *extra])
            cached[name] = cached_layers(out)

        local("local pool, 2 jobs, no layer cache", "d-none", "--no-layer-cache")
        local("local pool, 2 jobs, layer cache cold", "d0")
        local("local pool, 2 jobs, layer cache warm", "d0")
        rport = free_port()
        redis = subprocess.Popen(
            ["redis-server", "--port", str(rport), "--save", "", "--dir", str(work)],
            stdout=subprocess.DEVNULL,
        )
        procs.append(redis)
        time.sleep(0.5)
        broker = f"redis://127.0.0.1:{rport}/0"
        for count in (1, 2):
            workers = start_workers(broker, f"b{count}", count)
            procs.extend(workers)
            runs = ("cold", "warm") if count == 1 else ("cold",)
            for state in runs:  # warm: the same data directory, so the same layer cache
                name = f"celery, {count} worker(s), layer cache {state}"
                out = work / f"celery{count}{state}.jsonl"
                results[name] = timed(
                    [
                        *hc,
                        *common,
                        "--broker",
                        broker,
                        "-o",
                        str(out),
                        "--data-dir",
                        str(work / f"d{count}"),
                    ]
                )
                cached[name] = cached_layers(out)
            stop_workers(workers)
        if not args.skip_machines:
            two_machines(
                [*hc, *common],
                work,
                rport,
                results=results,
                cached=cached,
                procs=procs,
                postgres=args.postgres,
            )
        if not args.skip_syft and Path(SYFT).exists():
            start = time.monotonic()
            for n in range(args.images):
                subprocess.run(
                    [SYFT, "scan", f"registry:{host}/bench/app{n}:latest", "-o", "json", "-q"],
                    check=False,
                    capture_output=True,
                    env={
                        **os.environ,
                        "SYFT_REGISTRY_INSECURE_USE_HTTP": "true",
                        "SYFT_CHECK_FOR_APP_UPDATE": "false",
                    },
                )
            results["syft (packages only), one at a time"] = time.monotonic() - start
        total_layers = sum(
            len(manifest_of(BASES[n % len(BASES)])["layers"]) + 1 for n in range(args.images)
        )
        print(f"{'run':46} {'seconds':>8} {'per image':>10} {'x floor':>8} {'layers replayed':>16}")
        for name, seconds in results.items():
            hits = f"{cached[name]}/{total_layers}" if name in cached else "-"
            print(
                f"{name:46} {seconds:8.1f} {seconds / args.images:10.2f} "
                f"{seconds / floor_s:8.1f} {hits:>16}"
            )
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "images": args.images,
                        "unique_base_layers": len(unique),
                        "unique_base_bytes": floor_bytes,
                        "referenced_base_bytes": referenced,
                        "floor_seconds": floor_s,
                        "layers": total_layers,
                        "seconds": results,
                        "layers_replayed": cached,
                    },
                    indent=2,
                )
            )
        os.kill(registry_pid, signal.SIGTERM)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
