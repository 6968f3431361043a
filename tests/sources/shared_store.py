"""What the tests of the shared layer stores (Redis, PostgreSQL) have in common: a scan
through a store, and its report with and without the store's warnings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hullcheck.imagerules.base import ScanSettings
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.open import SourceOptions
from tests.imagerules.helpers import NOW
from tests.sources.test_layercache import _doc


def scan_through(ref: str, cache: Path, url: str | None) -> Any:
    """Scan ``ref`` with ``cache`` as this machine's cache, records in the store at
    ``url`` (None: no layer cache at all)."""
    return scan_image(
        ScanRequest(
            ref,
            options=SourceOptions(cache_dir=cache),
            settings=ScanSettings(now=NOW),
            layer_cache=url is not None,
            layer_cache_url=url,
        )
    )


def cache_warnings(report: Any) -> list[str]:
    return [d.message for d in report.diagnostics if d.kind == "layer-cache"]


def without_cache_warnings(report: Any) -> dict[str, Any]:
    doc = _doc(report)
    doc["diagnostics"] = [d for d in doc["diagnostics"] if d["kind"] != "layer-cache"]
    return doc
