"""sigstore bundles (keyless attestations, cosign 3's format) verified offline.

Verification is delegated to the ``sigstore`` package (the optional extra
``hullcheck[sigstore]``) against a trusted root the user gives: the Fulcio chain, the
Rekor inclusion proof or SET, the signing time, then the signer's identity and OIDC
issuer exactly as given.  hullcheck then requires the in-toto statement inside to be
about the expected digest.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hullcheck.provenance import intoto
from hullcheck.provenance.errors import ProvenanceError

MAX_BUNDLE = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BundleCheck:
    ok: bool
    reason: str
    statement: intoto.Statement | None = None


def _sigstore() -> tuple[Any, Any, Any, Any]:
    try:
        models = importlib.import_module("sigstore.models")
        verify = importlib.import_module("sigstore.verify")
        policy = importlib.import_module("sigstore.verify.policy")
        errors = importlib.import_module("sigstore.errors")
    except ImportError:
        raise ProvenanceError(
            "verifying sigstore bundles needs the sigstore extra: pip install 'hullcheck[sigstore]'"
        ) from None
    return models, verify, policy, errors


def verify_bundle(
    bundle_path: Path,
    trusted_root: Path,
    identity: str,
    issuer: str,
    digest: str | None,
) -> BundleCheck:
    models, verify, policy, errors = _sigstore()
    try:
        data = bundle_path.read_bytes()[: MAX_BUNDLE + 1]
        root = models.TrustedRoot.from_file(str(trusted_root))
    except OSError as err:
        raise ProvenanceError(f"cannot read {err.filename}: {err.strerror or err}") from None
    except Exception as err:  # the model raises its own types for a malformed root
        raise ProvenanceError(f"{trusted_root}: not a usable trusted root ({err})") from None
    if len(data) > MAX_BUNDLE:
        raise ProvenanceError(f"{bundle_path}: over {MAX_BUNDLE} bytes")
    try:
        bundle = models.Bundle.from_json(data)
    except Exception as err:  # InvalidBundle and pydantic errors alike
        raise ProvenanceError(f"{bundle_path}: not a sigstore bundle ({str(err)[:120]})") from None
    verifier = verify.Verifier(trusted_root=root)
    try:
        payload_type, payload = verifier.verify_dsse(
            bundle, policy.Identity(identity=identity, issuer=issuer)
        )
    except (errors.VerificationError, errors.Error) as err:
        return BundleCheck(False, " ".join(str(err).split())[:300])
    if payload_type != "application/vnd.in-toto+json":
        return BundleCheck(False, f"payload type {payload_type} is not in-toto")
    statement = intoto.parse(payload)
    if digest is not None and not statement.names_digest(digest):
        subjects = ", ".join(statement.subject_digests())
        return BundleCheck(False, f"the statement is about {subjects}, not {digest}", statement)
    return BundleCheck(True, "verified", statement)
