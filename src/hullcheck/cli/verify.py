"""``hullcheck verify IMAGE --key KEY``: check the image's cosign signatures.

Exit 0 when at least one signature by one of the keys names this image's digest; 1 when
none does (unsigned, or every signature failed: each failure is printed with its
reason); 2 when the check itself could not be done.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.errors import InputError
from hullcheck.provenance.keyless import (
    RequiredIdentity,
    TrustRoots,
    add_ca_file,
    load_trusted_root,
    verify_image_signatures,
)
from hullcheck.provenance.keys import NamedPublicKey, load_public_keys
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
    parser.add_argument(
        "--key", action="append", default=[], help="public key PEM (repeatable: any may sign)"
    )
    keyless = parser.add_argument_group("certificate signatures (keyless sigstore, or your PKI)")
    keyless.add_argument(
        "--trusted-root", help="sigstore trusted_root.json (Fulcio CAs, Rekor keys)"
    )
    keyless.add_argument(
        "--ca-roots", action="append", default=[], help="PEM CA certificates to trust (repeatable)"
    )
    keyless.add_argument(
        "--rekor-key", action="append", default=[], help="Rekor public key PEM (repeatable)"
    )
    keyless.add_argument("--certificate-identity", help="required SAN (e-mail or URI)")
    keyless.add_argument("--certificate-oidc-issuer", help="required OIDC issuer")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    keys: list[NamedPublicKey] = []
    for path in args.key:
        keys.extend(load_public_keys(Path(path)))
    roots: TrustRoots | None = None
    if args.trusted_root:
        roots = load_trusted_root(Path(args.trusted_root))
    if args.ca_roots or args.rekor_key:
        roots = roots or TrustRoots()
        for path in args.ca_roots:
            add_ca_file(roots, Path(path))
        for path in args.rekor_key:
            for named in load_public_keys(Path(path)):
                roots.add_rekor_key(named.key)
    if not keys and roots is None:
        raise InputError("give --key, or --trusted-root / --ca-roots for certificate signatures")
    keyless = roots is not None and not args.ca_roots
    if keyless and not (args.certificate_identity and args.certificate_oidc_issuer):
        raise InputError(
            "keyless verification needs --certificate-identity and --certificate-oidc-issuer"
        )
    required = RequiredIdentity(args.certificate_identity, args.certificate_oidc_issuer)
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
