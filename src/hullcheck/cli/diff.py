"""``hullcheck diff A B``: argument parsing and printing only (logic in hullcheck.diff).

Exit codes: 0 done; 1 with ``--fail-on-new SEVERITY`` when B adds a vulnerability or
finding at or above it (or, with ``--reproducible``, when the builds differ and
``--fail-on-new`` is given); 2 when a side could not be read, or a side's scan could not
check everything (a coverage loss) and ``--allow-incomplete`` did not accept it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_extra
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.diagnostics import accept
from hullcheck.diff.compare import compare, compare_files, new_at_or_above
from hullcheck.diff.files import layer_entries, merged
from hullcheck.diff.load import load
from hullcheck.diff.render import FORMATS, render
from hullcheck.diff.reproducible import compare_builds
from hullcheck.errors import InputError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Severity
from hullcheck.report.output import write_output
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.limits import Limits
from hullcheck.sources.open import SourceOptions


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what changed between two images, SBOMs or saved JSON reports",
        description="Compare A and B (image references, SBOM files or reports saved with "
        "scan -f json): packages, vulnerabilities, findings (matched by fingerprint, not "
        "line), base and distribution, config, layers; with --files the files; with "
        "--reproducible whether each layer is bit-for-bit identical and why not.",
    )
    parser.add_argument("a", metavar="A")
    parser.add_argument("b", metavar="B")
    parser.add_argument("--format", "-f", choices=FORMATS, default="table")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the diff to FILE")
    parser.add_argument("--files", action="store_true", help="also files added/removed/changed")
    parser.add_argument(
        "--reproducible",
        action="store_true",
        help="two builds of one source: per-layer identity, and the files that differ and why",
    )
    parser.add_argument(
        "--fail-on-new",
        metavar="SEVERITY",
        help="exit 1 when B adds a vulnerability or finding at or above SEVERITY",
    )
    parser.add_argument("--db", help="vulnerability database (default: the cache's)")
    parser.add_argument("--no-vulns", action="store_true", help="do not match vulnerabilities")
    add_allow_incomplete(parser)
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def _options(args: argparse.Namespace, extra: dict[str, str] | None = None) -> SourceOptions:
    """``extra``: registry flags already read (the password on stdin can be read once)."""
    return SourceOptions(
        limits=Limits(timeout=None),
        cache_dir=default_cache_dir(None),
        timeout=args.timeout,
        extra=registry_extra(args) if extra is None else dict(extra),
    )


def run(args: argparse.Namespace) -> int:
    threshold = None
    if args.fail_on_new:
        try:
            threshold = Severity.parse(args.fail_on_new)
        except ValueError as err:
            raise InputError(f"--fail-on-new: {err}") from None
    allowed = allowed_kinds(args.allow_incomplete)
    options = _options(args)
    db = args.db or os.environ.get("HULLCHECK_DB")
    settings = ScanSettings(vulnerabilities=not args.no_vulns, db_path=Path(db) if db else None)
    a = load(args.a, options, settings)
    b = load(args.b, options, settings)
    result = compare(a, b)
    if args.files or args.reproducible:
        for side, flag in ((a, "--files"), (b, "--files")):
            if side.kind != "image":
                raise InputError(f"{flag}: {side.label} is not an image (an SBOM or report has "
                                 "no layers to read)")  # fmt: skip
        la = layer_entries(args.a, options)
        lb = layer_entries(args.b, options)
        if args.files:
            result["files"] = compare_files(merged(la), merged(lb))
        if args.reproducible:
            result["reproducible"] = compare_builds(la, lb)
    diagnostics = accept([*a.diagnostics, *b.diagnostics], allowed)
    result["diagnostics"] = [d.to_json() for d in diagnostics if d.level == "error"]
    write_output(render(result, args.format), args.output)
    code = 0
    if threshold is not None:
        if new_at_or_above(result, threshold):
            code = 1
        if args.reproducible and not result["reproducible"]["identical"]:
            code = 1
    return finish(diagnostics, code)
