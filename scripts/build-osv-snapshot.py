#!/usr/bin/env python3
"""Build src/hullcheck/data/osv-snapshot.zip, the embedded vulnerability database.

It holds real OSV records, unchanged except YAML turned into JSON, from the shared data
(see shared/osv/README.md for their sources, commits and licences):
  PyPI: pypa/advisory-database @ 3ccb6125 (2024-10-10), all PYSEC records (CC-BY-4.0)
  Go:   golang/vulndb @ a752ea54 (2026-08-21), stdlib/toolchain/x/net/x/crypto/x/text
        (CC-BY-4.0)
Usage: scripts/build-osv-snapshot.py [SHARED_DIR]   (default ../shared)
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hullcheck.vulns.osv import check_record, load_record  # noqa: E402

SOURCES = {
    "PyPI": {
        "path": "osv/pypi/pypa-advisory-database/vulns",
        "origin": "https://github.com/pypa/advisory-database @ "
        "3ccb612573e2511ab5cad7dafecd838605c80cda",
        "data_date": "2024-10-10T00:00:00Z",
        "license": "CC-BY-4.0",
    },
    "Go": {
        "path": "osv/go/golang-vulndb",
        "origin": "https://github.com/golang/vulndb @ a752ea54fd1b989d208a270aeef772f55a36b87a "
        "(data/osv, packages stdlib, toolchain, golang.org/x/{net,crypto,text})",
        "data_date": "2026-08-21T00:00:00Z",
        "license": "CC-BY-4.0",
    },
}


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
    out = ROOT / "src" / "hullcheck" / "data" / "osv-snapshot.zip"
    manifest: dict[str, object] = {"sources": {}}
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for eco, src in SOURCES.items():
            count = 0
            for path in sorted((shared / str(src["path"])).rglob("*")):
                if path.suffix not in (".json", ".yaml") or not path.is_file():
                    continue
                rec = load_record(path.read_bytes(), path.name)
                if check_record(rec):
                    continue
                zinfo = zipfile.ZipInfo(f"{eco}/{rec['id']}.json", (2024, 1, 1, 0, 0, 0))
                zinfo.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(zinfo, json.dumps(rec, separators=(",", ":"), sort_keys=True))
                count += 1
            info = {k: v for k, v in src.items() if k != "path"}
            info["records"] = count
            manifest["sources"][eco] = info  # type: ignore[index]
        zinfo = zipfile.ZipInfo("SNAPSHOT.json", (2024, 1, 1, 0, 0, 0))
        zf.writestr(zinfo, json.dumps(manifest, indent=2, sort_keys=True))
    tmp.replace(out)
    print(f"{out}: {out.stat().st_size} bytes", json.dumps(manifest["sources"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
