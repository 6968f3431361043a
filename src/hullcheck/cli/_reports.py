"""``--report FORMAT=FILE``: more formats of the same run, so CI scans once.

A pipeline usually wants several outputs of one scan (SARIF for code scanning, Markdown
for the job summary, JSON to keep); each ``--report`` writes one more registered format
of the same report, with the same shell-redirect semantics as ``-o``.  The value is
checked when the arguments are parsed: an unknown format is one clear line, exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from hullcheck.document import Report
from hullcheck.report.options import RenderOptions
from hullcheck.report.output import write_output
from hullcheck.report.registry import available_formats, render_as


def add_report_argument(parser: Any, kind: str) -> None:
    """Add the repeatable ``--report FORMAT=FILE`` option offering ``kind``'s formats."""
    names = available_formats(kind)

    def parse(text: str) -> tuple[str, str]:
        name, sep, path = text.partition("=")
        if not sep or not path:
            raise argparse.ArgumentTypeError(f"expected FORMAT=FILE, got {text!r}")
        if name not in names:
            raise argparse.ArgumentTypeError(
                f"unknown format {name!r} (choose from {', '.join(names)})"
            )
        return name, path

    parser.add_argument(
        "--report",
        action="append",
        type=parse,
        default=[],
        metavar="FORMAT=FILE",
        help="also write the report in FORMAT to FILE (repeatable), e.g. sarif=hc.sarif",
    )


def write_reports(
    reports: list[tuple[str, str]], report: Report, options: RenderOptions, kind: str
) -> None:
    """Write each ``(format, file)`` asked for (plain text: colour is for terminals)."""
    plain = RenderOptions(
        color=False,
        width=options.width,
        sources=options.sources,
        rule_help=options.rule_help,
        now=options.now,
    )
    for name, path in reports:
        write_output(render_as(name, report, plain, kind=kind), path)
