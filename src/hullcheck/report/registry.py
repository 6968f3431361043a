"""The output formats, by name: one module each, registered by one line in ``FORMATS``.

Every format module exposes ``render(report, options=None) -> str`` over the one
:class:`~hullcheck.document.Report` (``sbom`` builds its report with
:func:`hullcheck.report.inventory_view.report_of`).  CLIs offer ``available_formats(kind)``
as ``--format`` choices (shell completion reads the parser, so it follows) and call
``render_as(name, report, options, kind)``.  A name may be registered once per command
kind with a different module (``table`` is the finding report for lint and scan, the
package list for sbom).  Adding a format: write ``report/<name>.py`` with that
``render``, add one ``OutputFormat`` line below, and a golden test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.report import (
    cyclonedx,
    gitlab_codequality,
    gitlab_container_scanning,
    html_report,
    json_format,
    junit,
    markdown,
    openvex,
    package_table,
    sarif,
    spdx,
    table,
)
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


_CDX = "application/vnd.cyclonedx+json"
FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("table", table, (LINT, SCAN), "human-readable text for a terminal (default)"),
    OutputFormat("table", package_table, (SBOM,), "one line per package (default)"),
    OutputFormat(
        "json", json_format, (LINT, SCAN, SBOM), "the stable JSON report", "application/json"
    ),
    OutputFormat(
        "sarif", sarif, (LINT, SCAN), "SARIF 2.1.0 for code scanning", "application/sarif+json"
    ),
    OutputFormat(
        "cyclonedx-json",
        cyclonedx,
        (SBOM, SCAN),
        "CycloneDX 1.6 SBOM (+ vulnerabilities, VEX)",
        _CDX,
    ),
    OutputFormat("spdx-json", spdx, (SBOM, SCAN), "SPDX 2.3 SBOM", "application/spdx+json"),
    OutputFormat("junit", junit, (LINT, SCAN), "JUnit XML test report for CI", "application/xml"),
    OutputFormat(
        "gitlab-codequality",
        gitlab_codequality,
        (LINT, SCAN),
        "GitLab Code Quality",
        "application/json",
    ),
    OutputFormat(
        "gitlab-container-scanning",
        gitlab_container_scanning,
        (SCAN,),
        "GitLab container scanning",
        "application/json",
    ),
    OutputFormat(
        "markdown",
        markdown,
        (LINT, SCAN),
        "verdict and worst findings for a PR comment",
        "text/markdown",
    ),
    OutputFormat("html", html_report, (LINT, SCAN), "one self-contained HTML page", "text/html"),
    OutputFormat(
        "openvex", openvex, (SCAN,), "OpenVEX: the decision on each advisory", "application/json"
    ),
)


def available_formats(kind: str) -> tuple[str, ...]:
    """Names of the formats the ``kind`` command (``lint``, ``scan``, ``sbom``) offers."""
    return tuple(dict.fromkeys(f.name for f in FORMATS if kind in f.kinds))


def get_format(name: str, kind: str | None = None) -> OutputFormat:
    """The format called ``name``; ``InputError`` naming the choices if there is none."""
    for fmt in FORMATS:
        if fmt.name == name and (kind is None or kind in fmt.kinds):
            return fmt
    names = available_formats(kind) if kind else dict.fromkeys(f.name for f in FORMATS)
    raise InputError(f"unknown output format {name!r} (choose from {', '.join(names)})")


def render_as(
    name: str, report: Report, options: RenderOptions | None = None, kind: str | None = None
) -> str:
    """Render ``report`` in the format called ``name`` (as the ``kind`` command offers it)."""
    return get_format(name, kind).renderer.render(report, options)
