"""The format registry: every format module registered once, offered to the right commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.report import package_table, registry, table

from .conftest import lint_report, scan_report

REPORT_PKG = Path(registry.__file__).parent


def test_available_formats_per_command() -> None:
    assert registry.available_formats("lint")[:3] == ("table", "json", "sarif")
    assert {"cyclonedx-json", "spdx-json"} < set(registry.available_formats("scan"))
    assert registry.available_formats("sbom") == ("table", "json", "cyclonedx-json", "spdx-json")
    assert registry.available_formats("nope") == ()
    assert registry.DEFAULT_FORMAT in registry.available_formats("lint")


def test_names_are_unique_per_command_and_modules_render() -> None:
    pairs = [(f.name, kind) for f in registry.FORMATS for kind in f.kinds]
    assert len(pairs) == len(set(pairs))
    for fmt in registry.FORMATS:
        for report in (lint_report(), scan_report(), Report()):
            out = fmt.renderer.render(report)
            assert isinstance(out, str) and out.endswith("\n")


def test_every_format_module_is_registered() -> None:
    """A module in report/ rendering a ``Report`` is a format; it must have a registry line."""
    registered = {f.renderer.__name__.rsplit(".", 1)[-1] for f in registry.FORMATS}  # type: ignore[attr-defined]
    defining = {
        p.stem
        for p in REPORT_PKG.glob("*.py")
        if re.search(r"^def render\(\s*report: Report\b", p.read_text(encoding="utf-8"), re.M)
    }
    assert defining == registered


def test_unknown_or_unoffered_format_is_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"unknown output format 'xml' \(choose from table, json"):
        registry.get_format("xml")
    with pytest.raises(InputError, match=r"choose from table, json, cyclonedx-json, spdx-json\)"):
        registry.get_format("sarif", kind="sbom")
    assert registry.get_format("table", kind="sbom").renderer is package_table
    assert registry.get_format("table", kind="scan").renderer is table
    assert registry.get_format("sarif", kind="scan").media_type == "application/sarif+json"


def test_render_as_dispatches() -> None:
    assert registry.render_as("json", lint_report()).startswith('{\n  "schema": 1')
    assert '"version": "2.1.0"' in registry.render_as("sarif", lint_report())
