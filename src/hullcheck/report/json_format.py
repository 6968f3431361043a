"""The JSON report: the document model, serialised as is."""

from __future__ import annotations

import json

from hullcheck.report.document import Report


def render(report: Report) -> str:
    """Return the report as pretty-printed JSON ending in a newline."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
