"""``--baseline REPORT.json``: fail only on findings the baseline report does not hold.

A team adopting hullcheck on an old codebase saves today's report (``-f json``) and
gates every later change on what is new.  Findings are matched by a fingerprint that
survives edits elsewhere in the file and rebuilds: the finding's own ``fingerprint``
when it has one (secrets), else its rule, file and message with line numbers, layer
indexes and digests blanked; counted, so a second copy of a baselined finding is new.
Baselined findings are not dropped: they move to the suppressed list, marked
``suppressed.by = "baseline"``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hullcheck.errors import InputError
from hullcheck.model import Finding

MAX_BYTES = 256 << 20
_VOLATILE = re.compile(r"sha256:[0-9a-f]{12,64}|\blines? \d+(?:-\d+)?|\blayers? \d+|:\d+\b")


def fingerprint(finding: Mapping[str, Any]) -> str:
    """The identity of a finding (as its JSON object) that does not move with lines."""
    own = finding.get("fingerprint")
    if isinstance(own, str) and own:
        return f"{finding.get('rule')}|{own}"
    location = finding.get("location")
    loc = location if isinstance(location, Mapping) else {}
    where = str(loc.get("file") or loc.get("path") or "")
    message = _VOLATILE.sub("#", str(finding.get("message", "")))
    return f"{finding.get('rule')}|{where}|{message}"


def load(path: Path) -> Counter[str]:
    """The fingerprints of a saved JSON report; ``InputError`` if it is not one."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(f"--baseline {path}: cannot read: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"--baseline {path}: larger than {MAX_BYTES >> 20} MiB")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        raise InputError(f"--baseline {path}: not JSON (save one with -f json)") from None
    findings = doc.get("findings") if isinstance(doc, dict) else None
    if not isinstance(findings, list):
        raise InputError(f"--baseline {path}: not a hullcheck JSON report (no findings list)")
    return Counter(fingerprint(f) for f in findings if isinstance(f, dict))


def split(
    findings: Iterable[Finding], baseline: Counter[str]
) -> tuple[list[Finding], list[Finding]]:
    """(new findings, baselined findings marked as suppressed by the baseline)."""
    left = Counter(baseline)
    new: list[Finding] = []
    old: list[Finding] = []
    for finding in findings:
        key = fingerprint(finding.to_json())
        if left[key] > 0:
            left[key] -= 1
            extra = dict(finding.extra)
            extra["suppressed"] = {"by": "baseline", "reason": "in the baseline report",
                                   "origin": None}  # fmt: skip
            old.append(dataclasses.replace(finding, extra=extra))
        else:
            new.append(finding)
    return new, old
