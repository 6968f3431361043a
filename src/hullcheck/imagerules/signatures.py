"""The descriptions of the provenance checks (HC8410-HC8414): signatures, attestations,
trusted registries, signed base images.

The checks run in :mod:`hullcheck.provenance` (they verify signatures, above the policy
layer); their descriptions live here, below it, so that ``.hullcheck.yaml`` and ignore
files may name them and ``hullcheck rules`` lists them.  No ``analyser``: not a family of
the layer pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hullcheck.model import Finding, Location, Practice, Severity
from hullcheck.rulemeta import RuleMeta


@dataclass(frozen=True, slots=True, kw_only=True)
class ProvenanceRule(RuleMeta):
    """A provenance check of the scanned image: a rule described like every other."""

    KIND: ClassVar[str] = "image"

    def finding(self, message: str, extra: dict[str, Any] | None = None) -> Finding:
        return Finding(
            rule=self.id,
            practice=self.practice,
            severity=self.severity,
            title=self.title,
            message=message,
            location=Location(),
            fix=self.fix,
            extra=extra or {},
        )


UNSIGNED = ProvenanceRule(
    id="HC8410",
    name="image-not-signed",
    practice=Practice.PROVENANCE,
    title="Image is not signed",
    severity=Severity.HIGH,
    explanation=(
        "The policy requires a signature by a trusted key and the image has none: nothing "
        "shows that the image is the one your build produced."
    ),
    fix="Sign it in the pipeline that builds it: hullcheck sign IMAGE --key KEY (or cosign sign).",
    aliases=("CIS-DI-0005",),
)
BAD_SIGNATURE = ProvenanceRule(
    id="HC8411",
    name="image-signature-invalid",
    practice=Practice.PROVENANCE,
    title="Image signature does not verify",
    severity=Severity.HIGH,
    explanation=(
        "Signatures are stored for the image but none is by a trusted key over this digest: "
        "signed by someone else, altered, or copied from another image."
    ),
    fix=(
        "Find out who pushed it; re-sign only an image you built (hullcheck verify shows why "
        "each signature failed)."
    ),
)
MISSING_ATTESTATION = ProvenanceRule(
    id="HC8412",
    name="attestation-missing",
    practice=Practice.PROVENANCE,
    title="Required attestation missing",
    severity=Severity.MEDIUM,
    explanation=(
        "The policy requires signed build provenance or an SBOM for the image; without it "
        "nobody can say how, from what, or by whom it was built."
    ),
    fix=(
        "Build with docker buildx --provenance=mode=max --sbom=true and sign the index, or "
        "attach one: hullcheck attest IMAGE --key KEY --type slsa|sbom."
    ),
)
UNTRUSTED_REGISTRY = ProvenanceRule(
    id="HC8413",
    name="untrusted-image-registry",
    practice=Practice.PROVENANCE,
    title="Image from an untrusted registry",
    severity=Severity.MEDIUM,
    explanation="The image comes from a registry the policy does not trust.",
    fix="Promote it into a trusted registry first (hullcheck promote SRC DST).",
)
RULES = (UNSIGNED, BAD_SIGNATURE, MISSING_ATTESTATION, UNTRUSTED_REGISTRY)


@dataclass(frozen=True, slots=True, kw_only=True)
class BaseImageRule(RuleMeta):
    """A check of the images a Dockerfile builds on (``lint --verify-base``)."""

    KIND: ClassVar[str] = "dockerfile"


BASE_UNSIGNED = BaseImageRule(
    id="HC8414",
    name="base-image-not-signed",
    title="Base image is not signed by a trusted key",
    practice=Practice.PROVENANCE,
    severity=Severity.HIGH,
    explanation=(
        "A build inherits everything in its base image; a base nobody trusted signed may "
        "be a look-alike, a compromised tag or a stale mirror."
    ),
    fix=(
        "Build on images signed by a key you trust (vendor keys, or your own after promoting "
        "them: hullcheck promote), and pin them by digest."
    ),
)
