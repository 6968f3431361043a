"""``hullcheck verify IMAGE --key KEY``: check the image's cosign signatures.

Exit 0 when at least one signature by one of the keys names this image's digest; 1 when
none does (unsigned, or every signature failed: each failure is printed with its
reason); 2 when the check itself could not be done.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.cli._trust import add_trust_arguments, trust_from
from hullcheck.provenance.keyless import verify_image_signatures
from hullcheck.provenance.target import open_target
from hullcheck.report.source_lines import visible


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="verify an image's cosign signatures",
        description="Verify the cosign signatures stored for IMAGE (registry reference or "
        "oci:DIR[:TAG]): each must be made by one of the keys and name this exact digest.",
    )
    parser.add_argument("image", metavar="IMAGE")
    add_trust_arguments(parser)
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    keys, roots, required = trust_from(args)
    with open_target(args.image, registry_options(args)) as target:
        checks = verify_image_signatures(target, keys, roots, required)
        good = [c for c in checks if c.ok]
        if args.format == "json":
            doc = {
                "image": target.display,
                "digest": target.digest,
                "verified": bool(good),
                "signatures": [c.to_json() for c in checks],
            }
            print(json.dumps(doc, indent=2))
        else:
            for check in checks:
                if check.ok:
                    line = (
                        f"ok: {target.digest} signed by {check.signer} "
                        f"(reference {check.docker_reference})"
                    )
                    print(visible(line))
                else:
                    print(visible(f"FAILED: signature {check.layer_digest[:19]}: {check.reason}"))
        if not checks:
            print(
                visible(f"hullcheck: {target.display} ({target.digest}) has no signatures"),
                file=sys.stderr,
            )
        elif not good:
            print(
                visible(f"hullcheck: no valid signature for {target.display} ({target.digest})"),
                file=sys.stderr,
            )
    return 0 if good else 1
