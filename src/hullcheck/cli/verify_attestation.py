"""``hullcheck verify-attestation IMAGE --key KEY [--type T]``: check signed attestations.

Exit 0 when at least one attestation (of ``--type``, if given) is signed by one of the
keys and is about this image's digest; 1 when none is; 2 when the check could not run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.cli._trust import add_trust_arguments, trust_from
from hullcheck.provenance.intoto import predicate_type
from hullcheck.provenance.keyless import verify_attestations
from hullcheck.provenance.target import open_target
from hullcheck.report.source_lines import visible


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify-attestation",
        help="verify an image's signed in-toto attestations",
        description="Verify the DSSE attestations stored in IMAGE's sha256-<hex>.att tag: "
        "signed by one of the keys, and about this exact digest.",
    )
    parser.add_argument("image", metavar="IMAGE")
    add_trust_arguments(parser)
    parser.add_argument("--type", help="only attestations of this predicate type")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    keys, roots, required = trust_from(args)
    ptype = predicate_type(args.type) if args.type else None
    with open_target(args.image, registry_options(args)) as target:
        checks = verify_attestations(target, keys, ptype, roots, required)
        good = [c for c in checks if c.ok]
        if args.format == "json":
            doc = {
                "image": target.display,
                "digest": target.digest,
                "verified": bool(good),
                "attestations": [c.to_json() for c in checks],
            }
            print(json.dumps(doc, indent=2))
        else:
            for check in checks:
                if check.ok:
                    print(
                        visible(
                            f"ok: {check.predicate_type} about {target.digest} "
                            f"signed by {check.signer}"
                        )
                    )
                else:
                    print(visible(f"FAILED: attestation {check.layer_digest[:19]}: {check.reason}"))
        if not good:
            what = f" of type {ptype}" if ptype else ""
            print(
                visible(
                    f"hullcheck: no valid attestation{what} for {target.display} ({target.digest})"
                ),
                file=sys.stderr,
            )
    return 0 if good else 1
