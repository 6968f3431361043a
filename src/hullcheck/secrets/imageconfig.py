"""Secrets in an image's configuration: ``Env``, ``Labels`` and history ``created_by``.

These strings live in the image config blob, not in any layer, and survive every attempt
to delete a file: an ``ARG``/``ENV`` secret used at build time shows up here.  History
entries are read in context too: ``ENV KEY=VALUE`` (classic ``#(nop)`` or BuildKit form)
and the ``RUN |2 NPM_TOKEN=... /bin/sh -c ...`` prefix through which BuildKit records
the build arguments a ``RUN`` saw.  Matches carry a pseudo-path (``config:Env``,
``config:Labels``, ``history[3]``) so a report can say where it was seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from hullcheck.secrets.dockerfile import Instruction, key_values
from hullcheck.secrets.scanner import SecretMatch, SecretScanner

_NOP = re.compile(r"^(?:/bin/sh -c )?(?:#\(nop\)\s*)?(ENV|ARG|LABEL)\s+(.*)$", re.DOTALL)
_RUN_ARGS = re.compile(r"^(?:RUN\s+)?\|\d+\s+((?:[A-Za-z_][\w.-]*=\S*\s+)+)")


def _history_pairs(created_by: str) -> list[tuple[str, str | None]]:
    m = _NOP.match(created_by.strip())
    if m:
        return key_values(Instruction(m.group(1), m.group(2), 1, 1))
    m = _RUN_ARGS.match(created_by.strip())
    if m:
        return key_values(Instruction("ARG", m.group(1), 1, 1))
    return []


def scan_image_config(
    scanner: SecretScanner,
    *,
    env: Iterable[str] = (),
    labels: Mapping[str, str] | None = None,
    history: Iterable[str | None] = (),
) -> list[SecretMatch]:
    """Secrets in ``Env`` (``KEY=VALUE`` strings), ``Labels`` and each ``created_by``."""
    found: list[SecretMatch] = []
    for entry in env:
        key, eq, value = entry.partition("=")
        if eq and value:
            found.extend(scanner.scan_text(value, path="config:Env", key=key))
    for key, value in (labels or {}).items():
        if value:
            found.extend(scanner.scan_text(value, path="config:Labels", key=key))
    for index, created_by in enumerate(history):
        if not created_by:
            continue
        where = f"history[{index}]"
        hits = scanner.scan_text(created_by, path=where)
        seen = {m.secret for m in hits}
        for name, literal in _history_pairs(created_by):
            if literal:
                hits.extend(
                    m
                    for m in scanner.scan_text(literal, path=where, key=name)
                    if m.secret not in seen
                )
        found.extend(hits)
    return found
