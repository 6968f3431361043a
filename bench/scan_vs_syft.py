"""Full ``hullcheck scan`` of the largest real test image against its floors and syft.

Same image, same run, each tool in its own process (peak RSS from ``wait4``):

* ``decompress``: every layer blob inflated (ISA-L, as the walker does), nothing else:
  the floor for anything that reads the image;
* ``walk``: hullcheck's single pass with no analyser (tar parsing + merged view);
* ``hullcheck scan``: every image rule, secrets over every file of every layer, the
  catalogers and (unless ``--no-vulns``) the vulnerability match;
* ``syft``: ``syft scan oci-dir:LAYOUT`` (packages only), syft 1.18.1.

    python bench/scan_vs_syft.py [IMAGE] [--repeat N]   (default: the largest per-tag layout)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMAGES = Path(os.environ.get("HULLCHECK_TEST_IMAGES", "/work/cache/test-images"))
SYFT = os.environ.get("SYFT", shutil.which("syft") or "/work/venv/bin/syft")
ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

DECOMPRESS = """
import json, sys
from pathlib import Path
from isal import isal_zlib
import zstandard
layout = Path(sys.argv[1])
index = json.loads((layout / "index.json").read_text())
manifest = json.loads((layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_text())
total = 0
for layer in manifest["layers"]:
    blob = layout / "blobs/sha256" / layer["digest"][7:]
    with blob.open("rb") as f:
        if layer["mediaType"].endswith("zstd"):
            reader = zstandard.ZstdDecompressor().stream_reader(f)
            while chunk := reader.read(1 << 20):
                total += len(chunk)
        else:
            d = isal_zlib.decompressobj(31)
            while chunk := f.read(1 << 20):
                total += len(d.decompress(chunk))
print(total)
"""
WALK = """
import sys
from hullcheck.sources.api import open_image
with open_image(sys.argv[1]) as handle:
    result = handle.walk([])
print(result.view.entry_count)
"""


def largest_image() -> str:
    sizes = {}
    for layout in (IMAGES / "oci-per-tag").iterdir():
        index = json.loads((layout / "index.json").read_text())
        desc = index["manifests"][0]
        if "image.index" in desc.get("mediaType", ""):
            continue
        manifest = json.loads((layout / "blobs/sha256" / desc["digest"][7:]).read_text())
        sizes[layout.name] = sum(layer["size"] for layer in manifest["layers"])
    return max(sizes, key=lambda name: (sizes[name], name))


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of one process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:4]} failed with exit code {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024, text


def main(argv: list[str]) -> int:
    repeat = 1
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    image = argv[0] if argv else largest_image()
    layout = IMAGES / "oci-per-tag" / image
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    with tempfile.TemporaryDirectory(prefix="hullcheck-bench-") as tmp:
        db = Path(tmp) / "db.sqlite3"
        # every run reads every layer: the layer cache would replay them from the second on
        cold = ("--no-layer-cache", "--cache-dir", str(Path(tmp) / "cache"))
        runs = {
            "decompress (floor)": [PY, "-c", DECOMPRESS, str(layout)],
            "walk only": [PY, "-c", WALK, f"oci:{layout}"],
            "hullcheck scan --no-vulns": [
                *(PY, "-m", "hullcheck", "scan", f"oci:{layout}", "-q", "-f", "json"),
                *("--no-vulns", *cold),
            ],
            "hullcheck scan (full)": [
                *(PY, "-m", "hullcheck", "scan", f"oci:{layout}", "-q", "-f", "json", *cold),
                *("--db", str(db)),
                # the embedded snapshot holds no Debian advisories: without this the scan
                # rightly exits 2 (packages it could not check); the matching is the same
                *("--allow-incomplete", "vulnerability-coverage"),
            ],
            "syft": [SYFT, "scan", f"oci-dir:{layout}", "-q", "-o", "json"],
        }
        # build the vulnerability database once, outside the timings
        subprocess.run(
            [PY, "-m", "hullcheck", "db", "--db", str(db), "update", "--embedded"],
            env=env,
            check=True,
            capture_output=True,
        )
        best: dict[str, tuple[float, float]] = {}
        for _ in range(repeat):
            for name, cmd in runs.items():
                elapsed, rss, out = measure(cmd, env)
                if name.startswith("hullcheck scan"):
                    doc = json.loads(out)
                    note = f"{len(doc['findings'])} findings, {len(doc['packages'])} packages"
                elif name == "syft":
                    note = f"{len(json.loads(out)['artifacts'])} packages"
                else:
                    note = out.strip()
                old = best.get(name)
                if old is None or elapsed < old[0]:
                    best[name] = (elapsed, rss)
                print(f"  {name:28} {elapsed:7.2f} s  peak {rss:7.1f} MiB  ({note})")
    print(f"== {image} (best of {repeat})")
    floor = best["decompress (floor)"][0]
    syft = best["syft"][0]
    for name, (elapsed, rss) in best.items():
        print(
            f"  {name:28} {elapsed:7.2f} s  {rss:7.1f} MiB  "
            f"x{elapsed / floor:5.2f} floor  syft/this {syft / elapsed:5.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
