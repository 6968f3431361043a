"""``hullcheck lint PATH...``: argument parsing and printing only (logic in hullcheck.lint)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hullcheck import lint
from hullcheck.errors import InputError
from hullcheck.model import Severity
from hullcheck.policy import config as config_mod
from hullcheck.report import json_format
from hullcheck.report.document import Report

FORMATS = ("table", "json", "sarif")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="audit Dockerfiles against hardening practices",
        description=(
            "Audit Dockerfiles (files, or directories searched for Dockerfile, Containerfile,"
            " *.Dockerfile and Dockerfile.*)."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfile or directory")
    parser.add_argument("--format", "-f", choices=FORMATS, default="table", help="output format")
    parser.add_argument(
        "--fail-on",
        type=_severity,
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this (critical|high|medium|low|info;"
        " default: config's fail-on, else high)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="use this .hullcheck.yaml (or .hadolint.yaml) instead of searching upward",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_mod.load(args.config) if args.config is not None else None
    linter = lint.Linter(config=config, fail_on=args.fail_on)
    report = linter.lint_paths(args.paths)
    sys.stdout.write(_renderer(args.format)(report))
    for error in report.errors:
        print(f"hullcheck: error: {error.message}", file=sys.stderr)
    return lint.exit_code(report)


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _renderer(fmt: str) -> Callable[[Report], str]:
    if fmt == "json":
        return json_format.render
    # table and sarif renderers come from the report package once merged
    try:
        module = importlib.import_module(f"hullcheck.report.{fmt}")
    except ModuleNotFoundError:
        if fmt == "table":
            return _plain
        raise InputError(f"output format {fmt!r} is not available in this build") from None
    render: Callable[[Report], str] = module.render
    return render


def _plain(report: Report) -> str:
    """One line per finding (fallback until the table renderer is merged)."""
    lines = []
    for f in report.findings:
        loc = f.location
        lines.append(f"{loc.path}:{loc.line}: {f.rule} [{f.severity.value}] {f.title}: {f.message}")
    summary = report.summary
    lines.append(
        f"{summary.get('files', 0)} file(s), {summary.get('findings', 0)} finding(s),"
        f" {summary.get('suppressed', 0)} suppressed"
    )
    return "\n".join(lines) + "\n"
