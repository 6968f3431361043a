"""``hullcheck sbom TARGET``: list every package of an image, rootfs directory or SBOM."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hullcheck import sbom
from hullcheck.cli._remote import add_registry_arguments, registry_extra
from hullcheck.cli.progress import progress_bar
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.diagnostics import accept
from hullcheck.errors import InputError
from hullcheck.report.output import write_file
from hullcheck.report.registry import SBOM, available_formats
from hullcheck.sources.base import Platform
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.open import KINDS, SourceOptions


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sbom",
        help="list every package of an image (or rootfs, or SBOM) as an SBOM",
        description="Catalogue every OS and language package and print an SBOM.",
    )
    parser.add_argument(
        "target",
        help="an image (oci:DIR[:TAG], docker-archive:FILE, registry:REF, docker:REF, ...), "
        "an unpacked root filesystem directory, or a CycloneDX/SPDX JSON SBOM",
    )
    parser.add_argument("--source", choices=KINDS, help="read TARGET as this kind of image source")
    parser.add_argument("--platform", help="os/arch[/variant] to pick from an index")
    parser.add_argument("--cache-dir", help="blob cache (default: $XDG_CACHE_HOME/hullcheck)")
    parser.add_argument(
        "--format", "-f", choices=available_formats(SBOM), default="table", help="output format"
    )
    parser.add_argument("--output", "-o", help="write to this file instead of stdout")
    add_registry_arguments(parser)
    add_allow_incomplete(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    platform = None
    if args.platform:
        try:
            platform = Platform.parse(args.platform)
        except ValueError as err:
            raise InputError(str(err)) from None
    allowed = allowed_kinds(args.allow_incomplete)
    options = SourceOptions(
        cache_dir=default_cache_dir(args.cache_dir),
        timeout=args.timeout,
        extra=registry_extra(args),
    )
    inventory = sbom.inventory_for(
        args.target,
        source=args.source,
        platform=platform,
        options=options,
        progress=progress_bar(),
    )
    text = sbom.render(inventory, args.format)
    if args.output:
        _write_atomically(Path(args.output), text)
    else:
        sys.stdout.write(text)
    # As scan: an inventory that may miss packages must not pass a CI step unless the
    # user accepted that loss; what was read is still written above.
    return finish(accept(inventory.diagnostics, allowed), 0)


def _write_atomically(path: Path, text: str) -> None:
    """As ``> path`` would (``hullcheck.report.output``): atomic for regular files, direct
    for FIFOs and devices, through symlinks, with a shell's file mode."""
    write_file(path, text.encode("utf-8"))
