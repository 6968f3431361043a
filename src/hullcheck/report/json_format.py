"""The JSON report: the document model, serialised as is (the stable contract)."""

from __future__ import annotations

import json

from hullcheck.document import Report
from hullcheck.report.options import RenderOptions


def render(report: Report, options: RenderOptions | None = None) -> str:
    """Return the report as pretty-printed JSON ending in a newline (options unused)."""
    del options
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
