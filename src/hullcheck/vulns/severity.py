"""How bad an advisory is, from the data only: CVSS v4/v3/v2 vectors (scored by the
``cvss`` library), else the severity word a database gives (Ubuntu priority, Debian urgency,
Red Hat impact, GHSA's ``MODERATE``...).  Every rating says which record and field it came
from; where no record says anything the severity is ``unknown``, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cvss  # type: ignore[import-untyped]

from hullcheck.model import Severity
from hullcheck.vulns.osv import Advisory, Affected

_WORDS = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,  # Red Hat impact
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.INFO,  # Ubuntu priority
    "unimportant": Severity.INFO,  # Debian urgency
    "none": Severity.INFO,
}
_TYPE_ORDER = {"CVSS_V4": 0, "CVSS_V3": 1, "CVSS_V2": 2, "Ubuntu": 3}
# Red Hat's records carry their impact as a link to the classification page's anchor.
_REDHAT_IMPACT = "access.redhat.com/security/updates/classification/#"


@dataclass(frozen=True, slots=True)
class Rating:
    severity: Severity
    source: str  # e.g. "CVSS_V3 base score 9.8 in GHSA-8q59-q68h-6hv4"
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
    except (cvss.CVSSError, ValueError, KeyError, IndexError, TypeError, ZeroDivisionError):
        return None
    return None


def _word(text: str | None) -> Severity | None:
    return _WORDS.get(text.strip().lower()) if text else None


def rate(advisory: Advisory, affected: Affected | None = None) -> Rating | None:
    """The severity one record gives (for one of its ``affected`` entries), or ``None``.

    A vector wins over a word: the most precise statement the record makes is used.
    """
    scores = list(advisory.severity) + list(affected.severity if affected else ())
    for kind, value in sorted(scores, key=lambda s: _TYPE_ORDER.get(s[0], 9)):
        if kind == "Ubuntu":
            word = _word(value)
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
        word = _word(word_text)
        if word is not None:
            return Rating(word, f"{label} '{word_text}' in {advisory.id}")
    for url in advisory.references:
        if _REDHAT_IMPACT in url:
            impact = url.rsplit("#", 1)[1]
            word = _word(impact)
            if word is not None:
                return Rating(word, f"Red Hat impact '{impact}' in {advisory.id}")
    return None


def highest(ratings: Iterable[Rating | None]) -> Rating | None:
    """The worst of ``ratings`` (the first of equals: callers list the own record first)."""
    best: Rating | None = None
    for rating in ratings:
        if rating is not None and (best is None or rating.severity.rank > best.severity.rank):
            best = rating
    return best
