"""The verdict every reporting command ends with: diagnostics on stderr, then the exit code.

``lint``, ``scan`` and ``sbom`` share it so that they agree: an error diagnostic nobody
accepted (``--allow-incomplete KIND``, or ``allow-incomplete:`` in ``.hullcheck.yaml``)
exits 2 and ends stderr with exactly one ``hullcheck: error:`` line saying why; warnings
never change the exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence

from hullcheck.diagnostics import Diagnostic, stderr_lines, unknown_kind_message
from hullcheck.errors import InputError
from hullcheck.report.source_lines import visible

EXIT_ERROR = 2


def add_allow_incomplete(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-incomplete",
        action="append",
        default=[],
        metavar="KIND",
        help="accept this kind of coverage loss (e.g. catalog-unreadable, rule-failed; "
        "repeatable): it is still reported but no longer exits 2 (docs/diagnostics.md)",
    )


def allowed_kinds(given: Sequence[str], *configured: Iterable[str]) -> frozenset[str]:
    """The kinds accepted by ``--allow-incomplete`` and the config; a wrong one is exit 2."""
    out: set[str] = set()
    for raw in given:
        for kind in (k.strip() for k in raw.split(",")):
            if not kind:
                continue
            problem = unknown_kind_message(kind)
            if problem is not None:
                raise InputError(problem)
            out.add(kind)
    for kinds in configured:
        out.update(kinds)
    return frozenset(out)


def finish(diagnostics: Sequence[Diagnostic], code: int, *, quiet: bool = False) -> int:
    """Print the diagnostics (and the verdict line) on stderr; 2 if any error blocks."""
    for line in stderr_lines(diagnostics, quiet=quiet):
        print(visible(line), file=sys.stderr)
    if any(d.blocking for d in diagnostics):
        return EXIT_ERROR
    return code
