"""The vulnerability snapshot shipped inside the package, so a first scan works offline.

``hullcheck/data/osv-snapshot.zip`` holds real OSV records (PyPI from pypa/advisory-database,
Go from golang/vulndb; see its ``SNAPSHOT.json`` for sources, commits, dates, licences),
built by ``scripts/build-osv-snapshot.py``.  It is imported as sources ``embedded:PyPI`` and
``embedded:Go``; ``hullcheck db update`` replaces each by the fresh download.
"""

from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from hullcheck.errors import DatabaseError
from hullcheck.vulns.importer import ImportStats, import_into, iter_zip
from hullcheck.vulns.store import DatabaseWriter

SNAPSHOT = "osv-snapshot.zip"


def snapshot_path() -> Path:
    path = Path(str(resources.files("hullcheck") / "data" / SNAPSHOT))
    if not path.is_file():
        raise DatabaseError("the embedded vulnerability snapshot is missing from this install")
    return path


def snapshot_manifest() -> dict[str, Any]:
    """``SNAPSHOT.json``: per ecosystem its origin, data date, licence and record count."""
    try:
        with zipfile.ZipFile(snapshot_path()) as archive:
            value: dict[str, Any] = json.loads(archive.read("SNAPSHOT.json"))
    except (KeyError, ValueError, OSError, zipfile.BadZipFile):
        raise DatabaseError("the embedded vulnerability snapshot is damaged") from None
    return value


def install_snapshot(writer: DatabaseWriter) -> dict[str, ImportStats]:
    """Import the embedded records into ``writer`` as ``embedded:<ecosystem>`` sources."""
    manifest = snapshot_manifest()
    path = snapshot_path()
    out = {}
    for eco, info in manifest["sources"].items():
        prefix = f"{eco}/"
        entries = ((n, d) for n, d in iter_zip(path) if n.startswith(prefix))
        out[eco] = import_into(
            writer,
            f"embedded:{eco}",
            entries,
            origin=f"embedded snapshot: {info['origin']}",
            data_date=info.get("data_date"),
        )
    return out
