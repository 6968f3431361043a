"""Parsing ``WWW-Authenticate`` headers (RFC 7235) into scheme + parameters.

Registries answer 401 with ``Basic realm="..."`` or ``Bearer realm="...",service="...",
scope="repository:x:pull"``; several challenges may share one header, and quoted values
may contain commas and escaped quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"  # noqa: S105 (RFC 7230 token)
_PARAM = re.compile(rf'\s*({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))\s*(?:,|$)')
_SCHEME = re.compile(rf"\s*({_TOKEN})(?:\s+|$)")


@dataclass(frozen=True, slots=True)
class Challenge:
    """One challenge: ``scheme`` lowercased, parameter names lowercased."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)


def parse_challenges(header: str) -> list[Challenge]:
    """All challenges in a ``WWW-Authenticate`` value; unknown junk is skipped, never fatal."""
    out: list[Challenge] = []
    pos = 0
    text = header[:16384]
    while pos < len(text):
        while pos < len(text) and text[pos] in " ,\t":
            pos += 1
        m = _SCHEME.match(text, pos)
        if not m:
            break
        scheme = m.group(1).lower()
        pos = m.end()
        params: dict[str, str] = {}
        while pos < len(text):
            pm = _PARAM.match(text, pos)
            if not pm:
                break
            quoted = pm.group(2)
            value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else pm.group(3)
            params[pm.group(1).lower()] = value
            pos = pm.end()
        out.append(Challenge(scheme, params))
    return out
