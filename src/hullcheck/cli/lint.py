"""``hullcheck lint PATH...``: argument parsing and printing only (logic in hullcheck.lint)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hullcheck import lint
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.errors import InputError
from hullcheck.model import Severity
from hullcheck.policy import config as config_mod
from hullcheck.report.options import COLOR_CHOICES, RenderOptions, RuleHelp, resolve_color
from hullcheck.report.output import write_output
from hullcheck.report.registry import DEFAULT_FORMAT, LINT, available_formats, render_as
from hullcheck.rules.registry import RULES

NEVER = "none"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="audit Dockerfiles against hardening practices",
        description=(
            "Audit Dockerfiles (files, or directories searched for Dockerfile, Containerfile,"
            " *.Dockerfile and Dockerfile.*)."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="Dockerfile or directory; - reads standard input"
    )
    parser.add_argument(
        "--list-rules", action="store_true", help="print the rules (Markdown table) and exit"
    )
    parser.add_argument(
        "--format",
        "-f",
        choices=available_formats(LINT),
        default=DEFAULT_FORMAT,
        help="output format (default: table)",
    )
    parser.add_argument(
        "--output", "-o", default=None, metavar="FILE", help="write the report to FILE"
    )
    parser.add_argument(
        "--color", choices=COLOR_CHOICES, default="auto", help="colour the table output"
    )
    parser.add_argument(
        "--fail-on",
        type=_severity,
        default=None,
        metavar="SEVERITY",
        help="exit 1 when a finding is at or above this (critical|high|medium|low|info, or"
        " none to never fail on findings; default: config's fail-on, else high)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="use this .hullcheck.yaml (or .hadolint.yaml) instead of searching upward",
    )
    parser.add_argument(
        "--context",
        type=Path,
        default=None,
        metavar="DIR",
        help="the build context COPY/ADD read from (default: each Dockerfile's directory);"
        " its files that .dockerignore keeps are checked for secrets",
    )
    add_allow_incomplete(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        sys.stdout.write(lint.rules_table())
        return 0
    if not args.paths:
        raise InputError("lint needs at least one PATH (a Dockerfile or a directory)")
    config = config_mod.load(args.config) if args.config is not None else None
    allowed = allowed_kinds(args.allow_incomplete)
    never = args.fail_on == NEVER
    if args.context is not None and not args.context.is_dir():
        raise InputError(f"--context {args.context}: not a directory")
    linter = lint.Linter(
        config=config, fail_on=None if never else args.fail_on, context=args.context
    )
    report = linter.lint_paths(args.paths)
    report.accept(allowed)
    to_terminal = args.output in (None, "-")
    sources = {}
    if linter.stdin_text is not None:  # the table quotes lines; stdin cannot be re-read
        sources[lint.STDIN] = linter.stdin_text.splitlines()
    options = RenderOptions(
        color=to_terminal and resolve_color(args.color),
        rule_help=rule_help(),
        sources=sources,
    )
    write_output(render_as(args.format, report, options), args.output)
    code = 0 if never else lint.exit_code(report)
    return finish(report.diagnostics, code)


def rule_help() -> dict[str, RuleHelp]:
    """What SARIF shows for each rule: its explanation."""
    return {rule.id: RuleHelp(explanation=rule.explanation) for rule in RULES}


def _severity(text: str) -> Severity | str:
    if text.strip().lower() == NEVER:
        return NEVER
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
