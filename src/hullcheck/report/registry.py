"""The output formats, by name: one module each, registered by one line in ``FORMATS``.

Every format module exposes ``render(report, options=None) -> str``.  CLIs offer
``available_formats(kind)`` as ``--format`` choices and call ``render_as(name, report,
options)``.  Adding a format: write ``report/<name>.py`` with that ``render``, add one
``OutputFormat`` line below, and a golden test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.report import json_format, sarif, table
from hullcheck.report.options import RenderOptions

LINT = "lint"
SCAN = "scan"
SBOM = "sbom"
DEFAULT_FORMAT = "table"


class Renderer(Protocol):
    """What a format module provides."""

    def render(self, report: Report, options: RenderOptions | None = None) -> str: ...


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """A format's name (the ``--format`` value), its module, the commands offering it."""

    name: str
    renderer: Renderer
    kinds: Collection[str]
    description: str
    media_type: str = "text/plain"


FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("table", table, (LINT, SCAN), "human-readable text for a terminal (default)"),
    OutputFormat(
        "json", json_format, (LINT, SCAN, SBOM), "the stable JSON report", "application/json"
    ),
    OutputFormat(
        "sarif",
        sarif,
        (LINT, SCAN),
        "SARIF 2.1.0 for GitHub code scanning",
        "application/sarif+json",
    ),
)


def available_formats(kind: str) -> tuple[str, ...]:
    """Names of the formats the ``kind`` command (``lint``, ``scan``, ``sbom``) offers."""
    return tuple(f.name for f in FORMATS if kind in f.kinds)


def get_format(name: str, kind: str | None = None) -> OutputFormat:
    """The format called ``name``; ``InputError`` naming the choices if there is none."""
    for fmt in FORMATS:
        if fmt.name == name and (kind is None or kind in fmt.kinds):
            return fmt
    choices = ", ".join(available_formats(kind) if kind else (f.name for f in FORMATS))
    raise InputError(f"unknown output format {name!r} (choose from {choices})")


def render_as(name: str, report: Report, options: RenderOptions | None = None) -> str:
    """Render ``report`` in the format called ``name``."""
    return get_format(name).renderer.render(report, options)
