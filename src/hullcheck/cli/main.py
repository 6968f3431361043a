"""Entry point of the ``hullcheck`` command: builds the parser, dispatches subcommands.

Each subcommand is one module in this package exposing ``register(subparsers)``, which
adds its parser and sets ``func`` to a ``run(args) -> int`` callable.  Adding a
subcommand is one module plus one line in ``COMMANDS``.

Every ``HullcheckError`` becomes one line on stderr and exit code 2; so does any other
unexpected exception, so that hostile input never shows the user a traceback
(``HULLCHECK_DEBUG=1`` re-raises for developers).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from hullcheck import __version__
from hullcheck.cli import (
    advise,
    attest,
    cache,
    completion,
    db,
    diff,
    fix,
    fleet,
    key,
    lint,
    pin,
    promote,
    rules,
    sbom,
    scan,
    serve,
    sign,
    verify,
    verify_attestation,
    verify_bundle,
)
from hullcheck.errors import HullcheckError
from hullcheck.report.source_lines import visible

COMMANDS: tuple[ModuleType, ...] = (
    lint,
    rules,
    fix,
    diff,
    advise,
    scan,
    sbom,
    db,
    cache,
    completion,
    serve,
    fleet,
    key,
    sign,
    verify,
    attest,
    verify_attestation,
    pin,
    promote,
    verify_bundle,
)


# shown under `hullcheck --help`: the first commands a newcomer types, and what CI reads
EPILOG = """\
examples:
  hullcheck lint Dockerfile                      audit a Dockerfile
  hullcheck lint -q --fail-on medium .           silent unless something at/above medium
  hullcheck scan docker-archive:image.tar        audit a built image (layers, packages, CVEs)
  hullcheck scan oci:./layout --format sarif -o hullcheck.sarif
  hullcheck COMMAND --help                       the options of one command

exit codes:
  0  nothing at or above --fail-on
  1  findings at or above --fail-on
  2  hullcheck could not do its job (bad input, or coverage lost and not accepted)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hullcheck",
        description="Audit Dockerfiles and container images against hardening practices.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hullcheck {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = func(args)
    except HullcheckError as err:
        # messages may quote hostile names: no terminal escapes, one line
        print(f"hullcheck: error: {visible(err.message)}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("hullcheck: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # a bug, or input we failed to anticipate: never a traceback
        if os.environ.get("HULLCHECK_DEBUG"):
            raise
        text = visible(" ".join(f"{type(err).__name__}: {err}".split()))
        print(f"hullcheck: internal error: {text}", file=sys.stderr)
        return 2
    return code
