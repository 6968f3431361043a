"""``hullcheck lint PATH...``: argument parsing and printing only (logic in hullcheck.lint)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from hullcheck import lint
from hullcheck.cli._remote import add_registry_arguments
from hullcheck.cli._reports import add_report_argument, write_reports
from hullcheck.cli._trust import add_verify_base_arguments
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.dockerfile.parser import parse
from hullcheck.document import Report
from hullcheck.errors import HullcheckError, InputError
from hullcheck.imagerules.signatures import BASE_UNSIGNED
from hullcheck.model import Finding, Severity
from hullcheck.policy import config as config_mod
from hullcheck.policy.baseline import load as load_baseline
from hullcheck.policy.baseline import split as split_baseline
from hullcheck.policy.gate import DEFAULT_FAIL_ON
from hullcheck.report.options import COLOR_CHOICES, RenderOptions, resolve_color, rule_help
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
    add_report_argument(parser, LINT)
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
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="REPORT.json",
        help="fail only on findings not in this saved JSON report (those move to suppressed)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="write no report when the exit code is 0 (for pre-commit hooks and scripts)",
    )
    add_allow_incomplete(parser)
    add_verify_base_arguments(parser)
    add_registry_arguments(parser)
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
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    report = linter.lint_paths(args.paths)
    if args.verify_base:
        _verify_bases(report, linter, args)
    if baseline is not None:
        _apply_baseline(report, baseline, linter)
    report.accept(allowed)
    to_terminal = args.output in (None, "-")
    sources = {}
    if linter.stdin_text is not None:  # the table quotes lines; stdin cannot be re-read
        sources[lint.STDIN] = linter.stdin_text.splitlines()
    options = RenderOptions(
        color=to_terminal and resolve_color(args.color),
        rule_help=rule_help(RULES, (BASE_UNSIGNED,) if args.verify_base else ()),
        sources=sources,
    )
    code = 0 if never else lint.exit_code(report)
    blocked = any(d.blocking for d in report.diagnostics)
    if not (args.quiet and code == 0 and not blocked):
        write_output(render_as(args.format, report, options, kind=LINT), args.output)
    write_reports(args.report, report, options, LINT)
    return finish(report.diagnostics, code, quiet=args.quiet)


def _apply_baseline(report: Report, baseline: Counter[str], linter: lint.Linter) -> None:
    """Move the findings the baseline holds to suppressed; fail only on the others."""
    new, old = split_baseline(report.findings, baseline)
    report.findings = new
    report.suppressed.extend(old)

    def threshold(finding: Finding) -> Severity:
        path = finding.location.path or lint.STDIN
        config = linter.config_for(Path.cwd() / lint.STDIN if path == lint.STDIN else Path(path))
        return linter.fail_on or config.fail_on or DEFAULT_FAIL_ON

    report.summary["findings"] = len(new)
    report.summary["baselined"] = len(old)
    report.summary["suppressed"] = len(report.suppressed)
    report.summary["failed"] = any(f.severity.rank >= threshold(f).rank for f in new)


def _verify_bases(report: Report, linter: lint.Linter, args: argparse.Namespace) -> None:
    """``--verify-base``: the signature of every image each Dockerfile builds on."""
    from hullcheck.cli._remote import registry_options  # noqa: PLC0415
    from hullcheck.cli._trust import base_trust  # noqa: PLC0415
    from hullcheck.provenance.basecheck import verify_dockerfile_bases  # noqa: PLC0415

    options = registry_options(args)  # once: --password-stdin cannot be read per Dockerfile
    for path in lint.find_dockerfiles([p for p in args.paths if p != lint.STDIN]):
        try:
            df = parse(lint.read_dockerfile(path), str(path))
        except HullcheckError:
            continue  # already reported by the lint itself
        config = linter.config_for(path)
        trust = base_trust(args, config)
        result = verify_dockerfile_bases(df, str(path), trust, options)
        report.findings.extend(result.findings)
        report.diagnostics.extend(result.diagnostics)
        threshold = linter.fail_on or config.fail_on or DEFAULT_FAIL_ON
        if any(f.severity.rank >= threshold.rank for f in result.findings):
            report.summary["failed"] = True


def _severity(text: str) -> Severity | str:
    if text.strip().lower() == NEVER:
        return NEVER
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
