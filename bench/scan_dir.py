"""``hullcheck scan DIR`` on an unpacked root filesystem against the same image, and syft.

The image's rootfs is unpacked once with ``umoci unpack --rootless`` (outside the
timings), then, in the same run, each in its own process (peak RSS from ``wait4``):

* ``hullcheck scan ROOTFS --no-vulns``: the directory as one synthetic layer;
* ``hullcheck scan oci:LAYOUT --no-vulns``: the image, every layer streamed;
* ``syft scan dir:ROOTFS`` (packages only).

    python bench/scan_dir.py [IMAGE] [--repeat N]   (default: python-npm)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_vs_syft import IMAGES, PY, ROOT, SYFT, measure


def main(argv: list[str]) -> int:
    repeat = 1
    if "--repeat" in argv:
        i = argv.index("--repeat")
        repeat = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    image = argv[0] if argv else "python-npm"
    layout = IMAGES / "oci-per-tag" / image
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "HULLCHECK_NO_PROGRESS": "1",
        "SYFT_CHECK_FOR_APP_UPDATE": "false",
    }
    with tempfile.TemporaryDirectory(prefix="hullcheck-bench-") as tmp:
        bundle = Path(tmp) / "bundle"
        subprocess.run(
            ["umoci", "unpack", "--rootless", "--image", f"{layout}:{image}", str(bundle)],
            check=True,
            capture_output=True,
        )
        rootfs = bundle / "rootfs"
        scan = (PY, "-m", "hullcheck", "scan")
        runs = {
            "hullcheck scan DIR": [*scan, str(rootfs), "-q", "-f", "json", "--no-vulns"],
            "hullcheck scan IMAGE": [*scan, f"oci:{layout}", "-q", "-f", "json", "--no-vulns"],
            "syft dir:": [SYFT, "scan", f"dir:{rootfs}", "-q", "-o", "json"],
        }
        best: dict[str, tuple[float, float]] = {}
        for _ in range(repeat):
            for name, cmd in runs.items():
                elapsed, rss, out = measure(cmd, env)
                doc = json.loads(out)
                if name.startswith("hullcheck"):
                    note = f"{len(doc['findings'])} findings, {len(doc['packages'])} packages"
                else:
                    note = f"{len(doc['artifacts'])} packages"
                old = best.get(name)
                if old is None or elapsed < old[0]:
                    best[name] = (elapsed, rss)
                print(f"  {name:22} {elapsed:7.2f} s  peak {rss:7.1f} MiB  ({note})")
    print(f"== {image} (best of {repeat})")
    base = best["hullcheck scan DIR"][0]
    for name, (elapsed, rss) in best.items():
        print(f"  {name:22} {elapsed:7.2f} s  {rss:7.1f} MiB  x{elapsed / base:5.2f} of DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
