"""``hullcheck sbom TARGET``: list every package of a rootfs directory or SBOM, as an SBOM."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hullcheck import sbom
from hullcheck.errors import InputError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sbom",
        help="list the packages of an image root filesystem (or an SBOM) as an SBOM",
        description="Catalogue every OS and language package and print an SBOM.",
    )
    parser.add_argument("target", help="an unpacked root filesystem directory, or an SBOM file")
    parser.add_argument(
        "--format", "-f", choices=sbom.FORMATS, default="table", help="output format"
    )
    parser.add_argument("--output", "-o", help="write to this file instead of stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    inventory = sbom.inventory_for(args.target)
    text = sbom.render(inventory, args.format)
    if args.output:
        _write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    for error in inventory.errors:
        print(f"hullcheck: warning: {error.message}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as err:
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write: {err.strerror or err}") from None
