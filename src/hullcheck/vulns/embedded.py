"""The vulnerability snapshot shipped inside the package, so a first scan works offline.

``hullcheck/data/osv-snapshot.zip`` holds real OSV records (PyPI from pypa/advisory-database,
Go from golang/vulndb; see its ``SNAPSHOT.json`` for sources, commits, dates, licences),
built by ``scripts/build-osv-snapshot.py``.  It is imported as sources ``embedded:PyPI`` and
``embedded:Go``; ``hullcheck db update`` replaces each by the fresh download.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
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
    for name, data in iter_zip_all(snapshot_path()):
        if name == "SNAPSHOT.json":
            value: dict[str, Any] = json.loads(data)
            return value
    raise DatabaseError("the embedded vulnerability snapshot has no manifest")


def iter_zip_all(path: Path) -> Iterator[tuple[str, bytes]]:
    return iter_zip(path)


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
