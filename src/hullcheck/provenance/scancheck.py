"""What ``scan`` says about an image's provenance: signatures, attestations, registry.

Reports the BuildKit attestations of the image index (builder, source, parameters,
reproducibility, SBOMs) in the summary, and, under a ``provenance:`` policy, turns an
unsigned or wrongly signed image (HC8410/HC8411), a missing required attestation
(HC8412) and an untrusted registry (HC8413) into findings of practice ``provenance``,
gated like any other.  What could not be checked is a coverage loss, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hullcheck import diagnostics as diag
from hullcheck.diagnostics import Diagnostic
from hullcheck.dockerfile.imageref import parse_image_ref
from hullcheck.errors import HullcheckError
from hullcheck.imagerules.signatures import (
    BAD_SIGNATURE,
    MISSING_ATTESTATION,
    UNSIGNED,
    UNTRUSTED_REGISTRY,
)
from hullcheck.model import Finding
from hullcheck.provenance import buildkit, intoto
from hullcheck.provenance.policy import ProvenancePolicy
from hullcheck.provenance.target import Target, open_target
from hullcheck.rules.base_images import trusted
from hullcheck.sources.layoutwriter import LayoutStore
from hullcheck.sources.mediatypes import INDEXES
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions

if TYPE_CHECKING:
    from hullcheck.provenance.attest import AttestationCheck
    from hullcheck.provenance.imagesig import SignatureCheck
    from hullcheck.provenance.keys import NamedPublicKey

# every scan of a registry image or an OCI layout reads its build attestations here; the
# signature modules (cryptography, 0.2 s to import) load only when a policy asks for them


@dataclass
class ProvenanceResult:
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


def subject_reference(image: str, target: Mapping[str, Any]) -> str | None:
    """Where the scanned image's signatures live, bound to the digest that was scanned.

    A registry image becomes ``name@<root digest>`` (the index when there is one), so a
    tag moved after the scan cannot swap in another image; an OCI layout is named as the
    user named it.  Archives, engines and directories carry no signatures: ``None``.
    """
    kind = target.get("source")
    root = target.get("index_digest") or target.get("digest")
    if kind == "registry" and isinstance(root, str):
        text = image
        for prefix in ("registry:", "docker://"):
            if text.startswith(prefix):
                text = text[len(prefix) :]
        try:
            return f"{parse_reference(text).name}@{root}"
        except HullcheckError:
            return None
    if kind == "oci" and not image.startswith("oci-archive:"):
        # only a layout directory holds signatures beside the image (never a tar of one)
        path = image.removeprefix("oci:")
        for candidate in (path, path.rpartition(":")[0], path.rpartition("@")[0]):
            if candidate and Path(candidate).is_dir():
                return image if image.startswith("oci:") else f"oci:{image}"
    return None


def _registry_of(reference: str) -> str | None:
    if reference.startswith(("oci:", "/", ".")) or "@" not in reference:
        return None
    return reference


def _load_keys(policy: ProvenancePolicy) -> list[NamedPublicKey]:
    from hullcheck.provenance.keys import load_public_keys  # noqa: PLC0415

    keys: list[NamedPublicKey] = []
    for path in policy.keys:
        keys.extend(load_public_keys(path))
    return keys


def _verify(
    target: Target, keys: list[NamedPublicKey], policy: ProvenancePolicy
) -> tuple[list[SignatureCheck], list[AttestationCheck]]:
    """Signatures and attestations judged by the policy's keys, then by each identity."""
    from hullcheck.provenance.keyless import (  # noqa: PLC0415
        RequiredIdentity,
        load_trusted_root,
        verify_attestations,
        verify_image_signatures,
    )

    roots = load_trusted_root(policy.trusted_root) if policy.trusted_root else None
    wanted = [RequiredIdentity(i.subject, i.issuer) for i in policy.identities] or [
        RequiredIdentity()
    ]
    sigs: dict[str, SignatureCheck] = {}
    atts: dict[str, AttestationCheck] = {}
    for required in wanted:  # a layer passes if any allowed identity (or key) vouches for it
        for check in verify_image_signatures(target, keys, roots, required):
            if check.ok or check.layer_digest not in sigs:
                sigs[check.layer_digest] = check
        for att in verify_attestations(target, keys, None, roots, required):
            if att.ok or att.layer_digest not in atts:
                atts[att.layer_digest] = att
    return list(sigs.values()), list(atts.values())


def build_attestations(target: Target) -> list[buildkit.BuildAttestation]:
    subject = target.subject
    if subject.media_type not in INDEXES:
        return []

    def fetch(digest: str) -> bytes:
        found = target.store.manifest(digest)
        if found is None:
            raise HullcheckError(f"attestation manifest {digest[:19]} is missing")
        return found.body

    return buildkit.read_attestations(subject.body, fetch, target.store.read_blob)


def check_provenance(
    reference: str,
    policy: ProvenancePolicy,
    options: RegistryOptions,
    opener: Callable[[str, RegistryOptions], Target] = open_target,
) -> ProvenanceResult:
    """Everything ``scan`` reports about the provenance of ``reference``."""
    result = ProvenanceResult()
    _check_registry(reference, policy, result)
    needs_target = bool(
        policy.require_signature or policy.keys or policy.identities or policy.require_attestations
    )
    try:
        target = opener(reference, options)
    except HullcheckError as err:
        if needs_target:
            result.diagnostics.append(
                _unchecked(f"cannot read the image's signatures: {err.message}")
            )
        return result
    with target:
        summary: dict[str, Any] = {"digest": target.digest}
        attached = _build_attestations(target, result)
        summary["build_attestations"] = [a.to_json() for a in attached]
        signed, kinds_signed = False, set[str]()
        if needs_target:
            verified = _check_signatures(target, policy, result, summary)
            if verified is None:
                result.summary["provenance"] = summary
                return result
            signed, kinds_signed = verified
        summary["signed"] = signed
        _check_required_attestations(
            target, policy, attached, result, signed=signed, kinds_signed=kinds_signed
        )
        if isinstance(target.store, LayoutStore):
            summary["layout"] = str(target.store.root)
        result.summary["provenance"] = summary
    return result


def _check_registry(reference: str, policy: ProvenancePolicy, result: ProvenanceResult) -> None:
    """An image from outside the policy's trusted registries is a finding."""
    ref_text = _registry_of(reference)
    if not policy.trusted_registries or ref_text is None:
        return
    ref = parse_image_ref(ref_text)
    if ref is not None and not trusted(ref, policy.trusted_registries):
        result.findings.append(
            UNTRUSTED_REGISTRY.finding(
                f"{ref.registry}/{ref.repository} is not in the trusted registries "
                f"({', '.join(policy.trusted_registries)})"
            )
        )


def _unchecked(message: str) -> diag.Diagnostic:
    """The policy asked about signatures and they could not be checked: a loss of coverage."""
    return diag.error("provenance-unchecked", "provenance", message, "signatures and attestations")


def _build_attestations(
    target: Target, result: ProvenanceResult
) -> list[buildkit.BuildAttestation]:
    """BuildKit's attestation manifests, or none with a warning when they cannot be read."""
    try:
        return build_attestations(target)
    except HullcheckError as err:
        result.diagnostics.append(
            diag.warning("image-metadata", "provenance", f"BuildKit attestations: {err.message}")
        )
        return []


def _check_signatures(
    target: Target, policy: ProvenancePolicy, result: ProvenanceResult, summary: dict[str, Any]
) -> tuple[bool, set[str]] | None:
    """Verify signatures and attestations against the policy: whether the image is signed
    and the kinds of attestation signed, or ``None`` when they could not be verified."""
    try:
        keys = _load_keys(policy)
        checks, att_checks = _verify(target, keys, policy)
    except HullcheckError as err:
        result.diagnostics.append(
            _unchecked(f"cannot verify the image's signatures: {err.message}")
        )
        return None
    signed = any(c.ok for c in checks)
    summary["signatures"] = [c.to_json() for c in checks]
    summary["attestations"] = [c.to_json() for c in att_checks]
    if policy.require_signature and not checks:
        result.findings.append(
            UNSIGNED.finding(f"{target.display} ({target.digest}) has no signature")
        )
    elif (policy.require_signature or policy.keys) and checks and not signed:
        reasons = "; ".join(sorted({c.reason for c in checks}))
        result.findings.append(
            BAD_SIGNATURE.finding(
                f"no signature of {target.digest} verifies with the policy's keys: {reasons}"
            )
        )
    kinds = {intoto.KIND_OF.get(c.predicate_type or "", "other") for c in att_checks if c.ok}
    return signed, kinds


def _check_required_attestations(
    target: Target,
    policy: ProvenancePolicy,
    attached: list[buildkit.BuildAttestation],
    result: ProvenanceResult,
    *,
    signed: bool,
    kinds_signed: set[str],
) -> None:
    """Each attestation kind the policy requires, signed (or attached to a signed index)."""
    for kind in policy.require_attestations:
        if kind in kinds_signed:
            continue
        built = [a for a in attached if a.kind == kind and a.subject_ok]
        if built and signed:
            continue  # the signed index covers BuildKit's attestation manifests
        how = (
            "BuildKit attached one but the index is not signed by a trusted key"
            if built
            else "no signed attestation of this kind"
        )
        result.findings.append(
            MISSING_ATTESTATION.finding(
                f"required {kind} attestation missing for {target.digest}: {how}",
                {"attestation": kind},
            )
        )
