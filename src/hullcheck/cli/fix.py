"""``hullcheck fix [PATH...]``: argument parsing and printing only (logic in hullcheck.fix).

Prints a unified diff by default; ``--write`` applies it (atomically, keeping the
file's mode).  Each change and each change dropped because it could not be proven is
listed on stderr.  Exit codes: 0 done; 1 with ``--check`` when something would change;
2 when a file could not be read or written or a name given is unknown.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.errors import InputError
from hullcheck.fix.engine import FixEngine, FixResult
from hullcheck.fix.registry import FIXERS, select
from hullcheck.lint import find_dockerfiles, read_dockerfile
from hullcheck.provenance.resolve import TagResolver
from hullcheck.report.source_lines import visible


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="rewrite Dockerfiles to fix what lint found (a diff; --write applies it)",
        description="Safe rewrites for lint findings, each proven by re-parsing and re-linting"
        " the file: only the edited instructions change, the finding goes, none appears. "
        "Fixes: " + ", ".join(f"{f.id} ({f.rule or 'no rule'})" for f in FIXERS) + ".",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfile or directory")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="apply the changes to the files")
    mode.add_argument(
        "--check", action="store_true", help="print nothing but the list; exit 1 if a fix applies"
    )
    parser.add_argument(
        "--rule",
        action="append",
        default=None,
        metavar="ID",
        help="only this fix (a rule id such as HC4010, or a fix name); repeatable",
    )
    parser.add_argument(
        "--unsafe",
        action="store_true",
        help="also the rewrites a human must review (non-root USER, OCI labels skeleton)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="also pin FROM images to digests (asks their registries, as hullcheck pin does)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="do not list the changes")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        fixers = select(args.rule, args.unsafe, args.pin)
    except KeyError as err:
        raise InputError(f"--rule {err.args[0]}: no fix has this name or rule id") from None
    if args.rule and not fixers:
        raise InputError("the fixes named need --unsafe or --pin")
    resolver = TagResolver(registry_options(args), {}) if args.pin else None
    engine = FixEngine(fixers, resolver=resolver)
    files = find_dockerfiles(args.paths)
    if not files:
        raise InputError(f"no Dockerfile found in {', '.join(args.paths)}")
    results = [engine.fix_text(read_dockerfile(path), str(path)) for path in files]
    changed = [r for r in results if r.changed]
    for result in results:
        if not args.quiet:
            _list(result)
        if args.write and result.changed:
            _write(Path(result.path), result.text)
        elif not args.check and result.changed:
            sys.stdout.write(result.diff())
    if not args.quiet:
        total = sum(len(r.applied) for r in results)
        verb = "applied" if args.write else "to apply"
        print(f"{total} fixes {verb} in {len(changed)} of {len(results)} files", file=sys.stderr)
    return 1 if args.check and changed else 0


def _list(result: FixResult) -> None:
    for change in result.applied:
        note = f" (review: {change.unsafe})" if change.unsafe else ""
        print(
            visible(f"{result.path}:{change.line}: {change.fixer}: {change.message}{note}"),
            file=sys.stderr,
        )
    for change, why in result.rejected:
        print(
            visible(f"{result.path}:{change.line}: {change.fixer}: not applied: {why}"),
            file=sys.stderr,
        )


def _write(path: Path, text: str) -> None:
    """Replace ``path`` atomically, keeping its permission bits; nothing half-written."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from None
