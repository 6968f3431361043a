"""Secrets never stored: every string of a submitted report passes the secrets engine.

hullcheck's own reports are already redacted, but the service also takes reports and
SBOMs from anyone holding a write token; a value that looks like a credential is replaced
by the engine's redacted form before anything is written to the database.
"""

from __future__ import annotations

from typing import Any

from hullcheck.secrets.scanner import SecretScanner

_SCANNER: SecretScanner | None = None


def _scanner() -> SecretScanner:
    global _SCANNER  # noqa: PLW0603 - one engine per process; building it costs ~50 ms
    if _SCANNER is None:
        _SCANNER = SecretScanner()
    return _SCANNER


def redact_text(text: str, key: str | None = None) -> tuple[str, int]:
    """``text`` with every secret replaced, and how many were."""
    matches = _scanner().scan_text(text, path="submitted", key=key)
    if not matches:
        return text, 0
    for match in sorted(matches, key=lambda m: -len(m.secret)):
        text = text.replace(match.secret_text, match.redacted)
    return text, len(matches)


def redact_document(value: Any, key: str | None = None) -> tuple[Any, int]:
    """A copy of a JSON value with secrets redacted in every string, and the count."""
    if isinstance(value, str):
        if "=" in value and key is None:  # ``NAME=value`` (an Env entry): judge by its name
            name, _, rest = value.partition("=")
            if name and " " not in name:
                clean, n = redact_text(rest, key=name)
                return f"{name}={clean}", n
        return redact_text(value, key=key)
    if isinstance(value, list):
        items = [redact_document(item) for item in value]
        return [item for item, _ in items], sum(n for _, n in items)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        total = 0
        for k, v in value.items():
            out[str(k)], n = redact_document(v, key=str(k))
            total += n
        return out, total
    return value, 0
