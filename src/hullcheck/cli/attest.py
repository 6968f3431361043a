"""``hullcheck attest IMAGE --key KEY --type sbom|scan|slsa``: a signed in-toto attestation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hullcheck import sbom
from hullcheck.cli._remote import add_registry_arguments, registry_extra, registry_options
from hullcheck.errors import InputError
from hullcheck.provenance.attest import attest_image, load_predicate
from hullcheck.provenance.intoto import PREDICATE_TYPES, predicate_type
from hullcheck.provenance.keys import load_private_key
from hullcheck.provenance.target import Target, open_target
from hullcheck.report.source_lines import visible
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.layoutwriter import LayoutStore
from hullcheck.sources.open import SourceOptions

MAX_PREDICATE = 64 * 1024 * 1024


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "attest",
        help="attach a signed in-toto attestation to an image (cosign's .att scheme)",
        description="Wrap a predicate in an in-toto Statement v1 about IMAGE's digest, sign "
        "it as a DSSE envelope and append it to the image's sha256-<hex>.att tag. Without "
        "--predicate, --type sbom catalogues the image itself (SPDX JSON).",
    )
    parser.add_argument("image", metavar="IMAGE")
    parser.add_argument("--key", required=True, help="private key (cosign's or PKCS#8 PEM)")
    parser.add_argument(
        "--type",
        default="slsa",
        help=f"predicate type: {', '.join(PREDICATE_TYPES)} or a URI (default slsa)",
    )
    parser.add_argument("--predicate", metavar="FILE", help="the predicate JSON")
    parser.add_argument("--cache-dir", help="blob cache for --type sbom without --predicate")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def _read_predicate(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_PREDICATE + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    if len(data) > MAX_PREDICATE:
        raise InputError(f"{path}: over {MAX_PREDICATE} bytes")
    return load_predicate(data, str(path))


def _sbom_of(target: Target, args: argparse.Namespace, extra: dict[str, str]) -> Any:
    if isinstance(target.store, LayoutStore):
        ref = f"oci:{target.store.root}:{target.display.rpartition(':')[2]}"
    else:
        ref = f"registry:{target.repository}@{target.digest}"
    # the same registry access (credentials, insecure hosts) as the attestation's own push
    options = SourceOptions(cache_dir=default_cache_dir(args.cache_dir), extra=dict(extra))
    inventory = sbom.inventory_for(ref, options=options)
    if not inventory.complete:
        raise InputError(f"{target.display}: the image could not be catalogued whole")
    return json.loads(sbom.render(inventory, "spdx-json"))


def run(args: argparse.Namespace) -> int:
    ptype = predicate_type(args.type)
    key = load_private_key(Path(args.key))
    extra = registry_extra(args)  # reads --password-stdin once, for the push and the catalogue
    with open_target(args.image, registry_options(args, extra)) as target:
        if args.predicate:
            predicate = _read_predicate(Path(args.predicate))
        elif args.type == "sbom":
            predicate = _sbom_of(target, args, extra)
        else:
            raise InputError(f"--type {args.type} needs --predicate FILE")
        attest_image(target, key, args.key, ptype, predicate)
        print(visible(f"Attested {ptype} for {target.display} ({target.digest})"), file=sys.stderr)
        print(target.digest)
    return 0
