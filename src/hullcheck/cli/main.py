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
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from hullcheck import __version__
from hullcheck.errors import HullcheckError
from hullcheck.report.source_lines import visible

COMMANDS: tuple[str, ...] = (
    "lint",
    "rules",
    "fix",
    "diff",
    "advise",
    "scan",
    "sbom",
    "db",
    "cache",
    "completion",
    "serve",
    "fleet",
    "key",
    "sign",
    "verify",
    "attest",
    "verify_attestation",
    "pin",
    "promote",
    "verify_bundle",
)
"""The modules ``hullcheck.cli.<name>``, each registering the command of its name (dashes
for underscores).  One is imported only when its command runs (all for ``--help`` and
``completion``): importing every one took 0.3 s of each run, a third of a lint of one
Dockerfile."""
OTHER_COMMANDS = {"token": "serve"}
"""Commands registered by the module of another name."""
NEEDS_ALL = frozenset({"completion"})


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"hullcheck.cli.{name}")


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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` (a module of ``COMMANDS``) that module's commands."""
    parser = argparse.ArgumentParser(
        prog="hullcheck",
        description="Audit Dockerfiles and container images against hardening practices.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"hullcheck {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        _module(name).register(subparsers)
    return parser


def _command_module(argv: Sequence[str]) -> str | None:
    """The module of the command on the line, when it needs only that one (the top level
    has only flags without values, so the first word that is not a flag names it)."""
    word = next((a for a in argv if not a.startswith("-")), "")
    if "_" in word:  # not a command as typed: the whole parser says which there are
        return None
    name = OTHER_COMMANDS.get(word, word.replace("-", "_"))
    return name if name in COMMANDS and name not in NEEDS_ALL else None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:
        print(f"hullcheck {__version__}")
        return 0
    parser = build_parser(_command_module(argv))
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        build_parser().print_help(sys.stderr)
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
