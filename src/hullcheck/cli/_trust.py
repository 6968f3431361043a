"""What ``verify`` and ``verify-attestation`` trust: keys, CA roots, Rekor keys, identity."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hullcheck.errors import InputError

if TYPE_CHECKING:
    from hullcheck.policy.config import Config
    from hullcheck.provenance.basecheck import Trust
    from hullcheck.provenance.keyless import RequiredIdentity, TrustRoots
    from hullcheck.provenance.keys import NamedPublicKey

# the provenance modules (cryptography, 60 ms to import) load when trust is read, not
# when a command that merely offers these options (lint) declares them


def add_trust_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key", action="append", default=[], help="public key PEM (repeatable: any may sign)"
    )
    group = parser.add_argument_group("certificate signatures (keyless sigstore, or your PKI)")
    group.add_argument("--trusted-root", help="sigstore trusted_root.json (Fulcio CAs, Rekor keys)")
    group.add_argument(
        "--ca-roots", action="append", default=[], help="PEM CA certificates to trust (repeatable)"
    )
    group.add_argument(
        "--rekor-key", action="append", default=[], help="Rekor public key PEM (repeatable)"
    )
    group.add_argument("--certificate-identity", help="required SAN (e-mail or URI)")
    group.add_argument("--certificate-oidc-issuer", help="required OIDC issuer")


def trust_from(
    args: argparse.Namespace,
) -> tuple[list[NamedPublicKey], TrustRoots | None, RequiredIdentity]:
    from hullcheck.provenance.keyless import (  # noqa: PLC0415
        RequiredIdentity,
        TrustRoots,
        add_ca_file,
        load_trusted_root,
    )
    from hullcheck.provenance.keys import load_public_keys  # noqa: PLC0415

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
        raise InputError(
            "give --key, or --trusted-root / --ca-roots for certificate signatures"
            + (", or --notation-cert" if hasattr(args, "notation_cert") else "")
        )
    keyless = roots is not None and not args.ca_roots
    if keyless and not (args.certificate_identity and args.certificate_oidc_issuer):
        raise InputError(
            "keyless verification needs --certificate-identity and --certificate-oidc-issuer"
        )
    return keys, roots, RequiredIdentity(args.certificate_identity, args.certificate_oidc_issuer)


def add_verify_base_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("base image signatures (docs/provenance.md)")
    group.add_argument(
        "--verify-base",
        action="store_true",
        help="check that every FROM / COPY --from image is signed by a trusted key",
    )
    group.add_argument(
        "--base-key",
        action="append",
        default=[],
        metavar="KEY",
        help="public key base images may be signed by (repeatable; adds to provenance.keys)",
    )


def base_trust(args: argparse.Namespace, config: Config) -> Trust:
    """Keys for ``--verify-base``: ``--base-key`` plus the config's ``provenance.keys``."""
    from hullcheck.provenance.basecheck import Trust  # noqa: PLC0415
    from hullcheck.provenance.keys import load_public_keys  # noqa: PLC0415
    from hullcheck.provenance.policy import parse_policy  # noqa: PLC0415

    policy = parse_policy(config.sections.get("provenance"), config.path)
    keys: list[NamedPublicKey] = []
    for path in [*(Path(p) for p in args.base_key), *policy.keys]:
        keys.extend(load_public_keys(path))
    if not keys:
        raise InputError("--verify-base needs --base-key KEY or provenance.keys in the config")
    return Trust(keys)
