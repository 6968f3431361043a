"""``hullcheck sign IMAGE --key KEY``: a cosign-compatible signature of the image's digest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.errors import InputError
from hullcheck.provenance.imagesig import sign_image
from hullcheck.provenance.keys import load_private_key
from hullcheck.provenance.target import open_target
from hullcheck.report.source_lines import visible


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sign",
        help="sign an image as cosign does (sha256-<hex>.sig tag)",
        description="Sign the image's manifest digest with a simple-signing payload and "
        "append the signature to its sha256-<hex>.sig tag (cosign's scheme). IMAGE is a "
        "registry reference or oci:DIR[:TAG].",
    )
    parser.add_argument("image", metavar="IMAGE")
    parser.add_argument("--key", required=True, help="private key (cosign's or PKCS#8 PEM)")
    parser.add_argument(
        "-a",
        "--annotation",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an 'optional' entry in the signed payload (repeatable)",
    )
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    annotations: dict[str, str] = {}
    for item in args.annotation:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"--annotation {item[:60]!r} is not KEY=VALUE")
        annotations[name] = value
    key = load_private_key(Path(args.key))
    with open_target(args.image, registry_options(args)) as target:
        sign_image(target, key, args.key, annotations)
        print(
            visible(f"Signed {target.display} ({target.digest}) with {args.key}"),
            file=sys.stderr,
        )
        print(target.digest)
    return 0
