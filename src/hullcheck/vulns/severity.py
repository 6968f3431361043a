"""How bad an advisory is: from its CVSS v4/v3/v2 vectors (scored by the ``cvss`` library),
else from the severity word the database gives (Ubuntu's priority, GHSA's ``MODERATE``...),
always saying which source was used."""

from __future__ import annotations

from dataclasses import dataclass

import cvss  # type: ignore[import-untyped]

from hullcheck.model import Severity
from hullcheck.vulns.osv import Advisory, Affected

_WORDS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.INFO,
    "unimportant": Severity.INFO,
    "none": Severity.INFO,
}
_TYPE_ORDER = {"CVSS_V4": 0, "CVSS_V3": 1, "CVSS_V2": 2, "Ubuntu": 3}


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    source: str  # e.g. "CVSS_V3 score 9.8 from PYSEC-2021-59"
    score: float | None = None
    vector: str | None = None


def from_score(score: float) -> Severity:
    """CVSS qualitative rating scale (v3.x/v4.0): 0 none, <4 low, <7 medium, <9 high."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO


def score_vector(kind: str, vector: str) -> float | None:
    """The base score of a CVSS vector, ``None`` if the library refuses it."""
    try:
        if kind == "CVSS_V4":
            return float(cvss.CVSS4(vector).base_score)
        if kind == "CVSS_V3":
            return float(cvss.CVSS3(vector).scores()[0])
        if kind == "CVSS_V2":
            return float(cvss.CVSS2(vector).scores()[0])
    except (cvss.CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return None


def rate(advisory: Advisory, affected: Affected | None = None) -> Rating | None:
    """The severity of ``advisory`` (for one of its ``affected`` entries), or ``None``."""
    scores = list(advisory.severity) + list(affected.severity if affected else ())
    for kind, value in sorted(scores, key=lambda s: _TYPE_ORDER.get(s[0], 9)):
        if kind == "Ubuntu":
            word = _WORDS.get(value.lower())
            if word is not None:
                return Rating(word, f"Ubuntu priority '{value}' in {advisory.id}")
            continue
        score = score_vector(kind, value)
        if score is not None:
            return Rating(
                from_score(score), f"{kind} base score {score} in {advisory.id}", score, value
            )
    for label, word_text in (
        ("ecosystem severity", affected.specific_severity if affected else None),
        ("database severity", advisory.database_severity),
    ):
        if word_text:
            word = _WORDS.get(word_text.lower())
            if word is not None:
                return Rating(word, f"{label} '{word_text}' in {advisory.id}")
    return None
