"""``hullcheck pin Dockerfile``: pin image references to their registry digests.

Exit codes: 0 done (or, with ``--check``, everything pinned); 1 with ``--check`` when a
reference is unpinned; 2 when a
reference could not be resolved or the file could not be read or written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.cli.sbom import _write_atomically
from hullcheck.dockerfile.parser import parse
from hullcheck.errors import InputError
from hullcheck.lint import read_dockerfile
from hullcheck.provenance.pin import find_images, plan, rewrite
from hullcheck.provenance.resolve import TagResolver
from hullcheck.report.source_lines import visible


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pin",
        help="pin a Dockerfile's images to digests (name:tag@sha256:...)",
        description="Resolve every FROM, COPY --from=IMAGE and RUN --mount=from=IMAGE "
        "reference to the digest its registry serves and rewrite it as name:tag@sha256:..., "
        "changing nothing else in the file.",
    )
    parser.add_argument("dockerfile", metavar="DOCKERFILE")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a reference is unpinned"
    )
    mode.add_argument(
        "--update", action="store_true", help="also refresh pinned digests whose tag has moved"
    )
    parser.add_argument("--stdout", action="store_true", help="print the result, do not write")
    parser.add_argument(
        "--mirror",
        action="append",
        default=[],
        metavar="REGISTRY=HOST",
        help="resolve REGISTRY's images at HOST (a mirror); the file keeps the original names",
    )
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.dockerfile)
    text = read_dockerfile(path)
    uses = find_images(parse(text, str(path)))
    if args.check:
        unpinned = [u for u in uses if not u.pinned]
        for use in unpinned:
            print(visible(f"{path}:{use.line}: {use.where} {use.text} is not pinned to a digest"))
        return 1 if unpinned else 0
    mirrors: dict[str, str] = {}
    for item in args.mirror:
        name, sep, host = item.partition("=")
        if not sep or not name or not host:
            raise InputError(f"--mirror {item[:60]!r} is not REGISTRY=HOST")
        mirrors[name] = host
    resolver = TagResolver(registry_options(args), mirrors)
    changes, notes = plan(uses, resolver, args.update)
    for note in notes:
        print(visible(f"{path}: {note}"), file=sys.stderr)
    new_text = rewrite(text, changes) if changes else text
    for change in changes:
        if change.moved:
            print(
                visible(
                    f"{path}:{change.use.line}: {change.use.text.split('@')[0]} moved: "
                    f"{change.old_digest} -> {change.new_digest} (the image was rebuilt)"
                ),
                file=sys.stderr,
            )
        else:
            print(
                visible(f"{path}:{change.use.line}: {change.use.text} -> {change.new_text}"),
                file=sys.stderr,
            )
    if args.stdout:
        sys.stdout.write(new_text)
    elif changes:
        _write_atomically(path, new_text)
    return 0
