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

from cryptography import x509

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.cli._trust import add_trust_arguments, trust_from
from hullcheck.errors import InputError
from hullcheck.provenance.keyless import RequiredIdentity, verify_image_signatures
from hullcheck.provenance.keys import NamedPublicKey, pem_blocks
from hullcheck.provenance.notation import verify_notation
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
    notary = parser.add_argument_group("Notation (Notary Project) signatures")
    notary.add_argument(
        "--notation-cert",
        action="append",
        default=[],
        metavar="PEM",
        help="trust-store certificate for Notation JWS signatures (repeatable)",
    )
    notary.add_argument("--notation-subject", help="required signer subject (RFC 4514)")
    parser.add_argument("--format", "-f", choices=("text", "json"), default="text")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def _notation_trust(args: argparse.Namespace) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    for path in args.notation_cert:
        try:
            data = Path(path).read_bytes()
        except OSError as err:
            raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
        found = [
            x509.load_der_x509_certificate(der)
            for kind, der in pem_blocks(data)
            if kind == "CERTIFICATE"
        ]
        if not found:
            raise InputError(f"{path}: no CERTIFICATE PEM block")
        certs.extend(found)
    return certs


def run(args: argparse.Namespace) -> int:
    notation = _notation_trust(args)
    if notation and not (args.key or args.trusted_root or args.ca_roots):
        keys: list[NamedPublicKey] = []
        roots, required = None, RequiredIdentity()
    else:
        keys, roots, required = trust_from(args)
    with open_target(args.image, registry_options(args)) as target:
        checks = verify_image_signatures(target, keys, roots, required) if keys or roots else []
        notes = verify_notation(target, notation, subject=args.notation_subject) if notation else []
        good = [c for c in checks if c.ok] + [n for n in notes if n.ok]
        if args.format == "json":
            doc = {
                "image": target.display,
                "digest": target.digest,
                "verified": bool(good),
                "signatures": [c.to_json() for c in checks],
                "notation": [n.to_json() for n in notes],
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
            for note in notes:
                if note.ok:
                    print(visible(f"ok: {target.digest} Notation signature by {note.signer}"))
                else:
                    print(
                        visible(f"FAILED: Notation signature {note.manifest[:19]}: {note.reason}")
                    )
        if not checks and not notes:
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
