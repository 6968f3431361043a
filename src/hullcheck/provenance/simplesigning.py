"""The simple-signing payload cosign signs: which image (by manifest digest) it vouches for.

``{"critical": {"identity": {"docker-reference": REPO}, "image": {"docker-manifest-digest":
DIGEST}, "type": "cosign container image signature"}, "optional": {...} | null}``.  The
digest is what binds a signature to one image: a signature copied onto another image
names the wrong digest and fails.  The reference is informative (cosign does not check it
by default; a registry mirror changes it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hullcheck.provenance.errors import ProvenanceError
from hullcheck.sources.digest import check_digest

COSIGN_TYPE = "cosign container image signature"
MAX_PAYLOAD = 256 * 1024


@dataclass(frozen=True, slots=True)
class Payload:
    docker_reference: str
    manifest_digest: str
    optional: dict[str, Any] | None


def make(docker_reference: str, manifest_digest: str, optional: dict[str, Any] | None) -> bytes:
    """The payload bytes as cosign writes them (Go's encoding/json key order)."""
    doc = {
        "critical": {
            "identity": {"docker-reference": docker_reference},
            "image": {"docker-manifest-digest": manifest_digest},
            "type": COSIGN_TYPE,
        },
        "optional": optional,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def parse(data: bytes) -> Payload:
    """Read a payload, or raise ``ProvenanceError`` saying what is wrong with it."""
    if len(data) > MAX_PAYLOAD:
        raise ProvenanceError(f"signature payload is {len(data)} bytes, over {MAX_PAYLOAD}")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ProvenanceError("signature payload is not JSON") from None
    critical = doc.get("critical") if isinstance(doc, dict) else None
    if not isinstance(critical, dict):
        raise ProvenanceError("signature payload has no 'critical' section")
    if critical.get("type") != COSIGN_TYPE:
        raise ProvenanceError(
            f"signature payload type {str(critical.get('type'))[:60]!r} is not {COSIGN_TYPE!r}"
        )
    identity = critical.get("identity")
    image = critical.get("image")
    ref = identity.get("docker-reference") if isinstance(identity, dict) else None
    digest = image.get("docker-manifest-digest") if isinstance(image, dict) else None
    if not isinstance(ref, str):
        raise ProvenanceError("signature payload names no docker-reference")
    try:
        check_digest(digest, "the signature payload's docker-manifest-digest")
    except Exception:
        raise ProvenanceError("signature payload names no valid docker-manifest-digest") from None
    optional = doc.get("optional")
    return Payload(ref, str(digest), optional if isinstance(optional, dict) else None)
