"""The error raised when a signature, key or attestation does not hold."""

from __future__ import annotations

from hullcheck.errors import HullcheckError


class ProvenanceError(HullcheckError):
    """A key, signature or attestation that cannot be used (exit 2)."""


class VerificationError(HullcheckError):
    """Nothing verified: the image is unsigned, or every signature failed (exit 1)."""

    exit_code = 1
