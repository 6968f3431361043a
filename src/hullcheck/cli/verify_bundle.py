"""``hullcheck verify-bundle BUNDLE``: a keyless sigstore attestation bundle, offline.

Exit 0 when the bundle verifies against ``--trusted-root`` for the identity and issuer
given and its statement is about ``--digest`` (or IMAGE's digest); 1 when it does not;
2 when it could not be checked (unreadable input, missing ``sigstore`` extra).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_options
from hullcheck.provenance.bundles import verify_bundle
from hullcheck.provenance.target import open_target
from hullcheck.report.source_lines import visible
from hullcheck.sources.reference import validate_digest


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify-bundle",
        help="verify a keyless sigstore attestation bundle offline",
        description="Verify a sigstore bundle (Fulcio certificate, Rekor entry, DSSE "
        "statement) against a trusted root, for one signer identity and OIDC issuer, "
        "with no network access.",
    )
    parser.add_argument("bundle", metavar="BUNDLE")
    parser.add_argument("--trusted-root", required=True, help="sigstore trusted_root.json")
    parser.add_argument("--certificate-identity", required=True, help="required SAN")
    parser.add_argument("--certificate-oidc-issuer", required=True, help="required OIDC issuer")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--digest", help="the statement must be about this sha256:<hex>")
    which.add_argument("--image", help="the statement must be about this image's digest")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    digest = validate_digest(args.digest) if args.digest else None
    if args.image:
        with open_target(args.image, registry_options(args)) as target:
            digest = target.digest
    check = verify_bundle(
        Path(args.bundle),
        Path(args.trusted_root),
        args.certificate_identity,
        args.certificate_oidc_issuer,
        digest,
    )
    if not check.ok:
        print(visible(f"FAILED: {args.bundle}: {check.reason}"))
        return 1
    assert check.statement is not None
    subjects = ", ".join(check.statement.subject_digests())
    print(
        visible(
            f"ok: {check.statement.predicate_type} about {subjects} signed by "
            f"{args.certificate_identity} (issuer {args.certificate_oidc_issuer})"
        )
    )
    if digest is None:
        print(
            "hullcheck: note: no --digest or --image: the subject was not checked", file=sys.stderr
        )
    return 0
