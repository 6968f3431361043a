"""Time pulling the test images from a local registry: hullcheck's client vs skopeo copy.

    HULLCHECK_TEST_IMAGES=/work/cache/test-images python bench/registry_pull.py [ROUNDS]

Starts a throwaway registry (shared/tools/start-registry.sh) on a free port, pushes
python-npm and the multi-arch index with skopeo, then times, on the same input in the
same run: hullcheck fetching the manifest and every blob with digest verification
(nothing written), ``hullcheck scan`` (pull + walk every layer + fill the blob cache,
cold cache), and ``skopeo copy docker://... oci:DIR`` (pull + write to disk).
Prints the median of ROUNDS (default 3) and the ratios.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hullcheck.sources.registry import RegistryOptions, open_registry_source  # noqa: E402

IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", ROOT / ".cache" / "test-images"))
SHARED = Path(os.environ.get("HULLCHECK_SHARED", ROOT.parent / "shared"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pull_all(ref: str) -> int:
    total = 0
    with open_registry_source(ref, RegistryOptions()) as src:
        root = src.root_manifest()
        doc = json.loads(root.body)
        if "manifests" in doc:
            doc = json.loads(src.fetch_manifest(doc["manifests"][0]["digest"]).body)
        for desc in [doc["config"], *doc["layers"]]:
            h = hashlib.sha256()
            with src.open_blob(desc["digest"], desc["size"]) as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
                    total += len(chunk)
    return total


def timed(fn: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="hc-bench-") as tmp:
        port = free_port()
        host = f"127.0.0.1:{port}"
        out = subprocess.run(
            [str(SHARED / "tools" / "start-registry.sh"), f"{tmp}/reg", str(port)],
            capture_output=True,
            text=True,
            check=True,
        )
        pid = int(out.stdout.split()[-1])
        try:
            for name, repo, extra in [
                ("python-npm", "python-npm", []),
                ("debian-multiarch", "multiarch", ["--all"]),
            ]:
                subprocess.run(
                    [
                        "skopeo",
                        "copy",
                        "-q",
                        "--dest-tls-verify=false",
                        *extra,
                        f"oci:{IMAGES / 'oci'}:{name}",
                        f"docker://{host}/bench/{repo}:latest",
                    ],
                    check=True,
                )
            ref = f"{host}/bench/python-npm:latest"
            size = pull_all(ref)
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
            n = [0]

            def scan() -> None:
                n[0] += 1
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "hullcheck",
                        "scan",
                        ref,
                        "--cache-dir",
                        f"{tmp}/cache{n[0]}",
                    ],
                    check=True,
                    capture_output=True,
                    env=env,
                )

            def skopeo() -> None:
                n[0] += 1
                subprocess.run(
                    [
                        "skopeo",
                        "copy",
                        "-q",
                        "--src-tls-verify=false",
                        f"docker://{ref}",
                        f"oci:{tmp}/skopeo{n[0]}:x",
                    ],
                    check=True,
                )

            t_pull = timed(lambda: pull_all(ref), rounds)
            t_scan = timed(scan, rounds)
            t_skopeo = timed(skopeo, rounds)
        finally:
            os.kill(pid, signal.SIGKILL)
    mb = size / 1e6
    print(f"python-npm: {mb:.1f} MB of blobs, median of {rounds} rounds")
    print(f"hullcheck pull+verify (in memory): {t_pull:.2f} s  ({mb / t_pull:.0f} MB/s)")
    print(f"hullcheck scan (pull+walk+cache):  {t_scan:.2f} s")
    print(f"skopeo copy -> oci dir:            {t_skopeo:.2f} s")
    print(
        f"ratio skopeo/hullcheck-pull: {t_skopeo / t_pull:.2f}x; "
        f"skopeo/hullcheck-scan: {t_skopeo / t_scan:.2f}x"
    )


if __name__ == "__main__":
    main()
