"""The output formats, by name: one module each, registered by one line in ``FORMATS``.

Every format module exposes ``render(report, options=None) -> str`` over the one
:class:`~hullcheck.document.Report` (``sbom`` builds its report with
:func:`hullcheck.report.inventory_view.report_of`).  CLIs offer ``available_formats(kind)``
as ``--format`` choices (shell completion reads the parser, so it follows) and call
``render_as(name, report, options, kind)``.  A name may be registered once per command
kind with a different module (``table`` is the finding report for lint and scan, the
package list for sbom).  Adding a format: write ``report/<name>.py`` with that
``render``, add one ``OutputFormat`` line below (its module by name), and a golden test.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.plugins import sibling_modules
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
    """A format's name (the ``--format`` value), the commands offering it, and its module
    under ``hullcheck.report`` (by default the name with ``_`` for ``-``), imported only
    when the format is used."""

    name: str
    kinds: Collection[str]
    description: str
    media_type: str = "text/plain"
    module: str = ""

    @property
    def renderer(self) -> Renderer:
        module = self.module or self.name.replace("-", "_")
        (renderer,) = sibling_modules("hullcheck.report", (module,))
        return renderer


_S, _LS, _LSS, _SS = (SCAN,), (LINT, SCAN), (LINT, SCAN, SBOM), (SCAN, SBOM)
_JSON, _CDX, _MD = "application/json", "application/vnd.cyclonedx+json", "text/markdown"
# fmt: off
FORMATS: tuple[OutputFormat, ...] = (  # one line each: name, commands, description, media type
    OutputFormat("table", _LS, "human-readable text for a terminal (default)"),
    OutputFormat("table", (SBOM,), "one line per package (default)", module="package_table"),
    OutputFormat("json", _LSS, "the stable JSON report", _JSON, module="json_format"),
    OutputFormat("sarif", _LS, "SARIF 2.1.0 for code scanning", "application/sarif+json"),
    OutputFormat("cyclonedx-json", _SS, "CycloneDX 1.6, vulnerabilities, VEX", _CDX, "cyclonedx"),
    OutputFormat("spdx-json", _SS, "SPDX 2.3 SBOM", "application/spdx+json", module="spdx"),
    OutputFormat("junit", _LS, "JUnit XML test report for CI", "application/xml"),
    OutputFormat("gitlab-codequality", _LS, "GitLab Code Quality", _JSON),
    OutputFormat("gitlab-container-scanning", _S, "GitLab container scanning", _JSON),
    OutputFormat("github", _LS, "GitHub Actions annotations on the Dockerfile lines"),
    OutputFormat("markdown", _LS, "verdict and worst findings for a PR comment", _MD),
    OutputFormat("html", _LS, "one self-contained HTML page", "text/html", module="html_report"),
    OutputFormat("openvex", _S, "OpenVEX: the decision on each advisory", _JSON),
)
# fmt: on


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
