"""in-toto Statements: what an attestation says, and which artifacts (subjects) it is about.

hullcheck writes Statement v1 (``https://in-toto.io/Statement/v1``) and reads v1 and
v0.1 (BuildKit and slsa-github-generator still write v0.1).  A statement is about an
image only if one of its subjects carries that image's digest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.jsondoc import json_object

STATEMENT_V1 = "https://in-toto.io/Statement/v1"
STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
PREDICATE_TYPES = {
    "slsa": "https://slsa.dev/provenance/v1",
    "slsa02": "https://slsa.dev/provenance/v0.2",
    "sbom": "https://spdx.dev/Document",
    "cyclonedx": "https://cyclonedx.org/bom",
    "scan": "https://hullcheck.dev/attestation/scan/v1",
    "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
}
"""Short names for ``--type``; a full URI is accepted as is."""

KIND_OF = {
    "https://slsa.dev/provenance/v1": "slsa",
    "https://slsa.dev/provenance/v0.2": "slsa",
    "https://slsa.dev/provenance/v0.1": "slsa",
    "https://spdx.dev/Document": "sbom",
    "https://cyclonedx.org/bom": "sbom",
    "https://hullcheck.dev/attestation/scan/v1": "scan",
    "https://cosign.sigstore.dev/attestation/vuln/v1": "scan",
}


def predicate_type(kind: str) -> str:
    if kind in PREDICATE_TYPES:
        return PREDICATE_TYPES[kind]
    if kind.startswith(("https://", "http://")):
        return kind
    raise ProvenanceError(
        f"unknown attestation type {kind[:60]!r} (use {', '.join(PREDICATE_TYPES)} or a URI)"
    )


@dataclass(frozen=True, slots=True)
class Statement:
    type: str
    predicate_type: str
    subjects: list[tuple[str, dict[str, str]]]
    predicate: Any

    def names_digest(self, digest: str) -> bool:
        algo, _, hexpart = digest.partition(":")
        return any(d.get(algo) == hexpart for _, d in self.subjects)

    def subject_digests(self) -> list[str]:
        return [f"{a}:{h}" for _, d in self.subjects for a, h in sorted(d.items())]


def make(subjects: list[tuple[str, str]], predicate_type: str, predicate: Any) -> bytes:
    """A v1 Statement about ``(name, "sha256:<hex>")`` subjects."""
    doc = {
        "_type": STATEMENT_V1,
        "subject": [
            {"name": name, "digest": {digest.split(":", 1)[0]: digest.split(":", 1)[1]}}
            for name, digest in subjects
        ],
        "predicateType": predicate_type,
        "predicate": predicate,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def parse(data: bytes | dict[str, Any], what: str = "in-toto statement") -> Statement:
    doc = json_object(data, what)
    kind = doc.get("_type")
    if kind not in (STATEMENT_V1, STATEMENT_V01):
        raise ProvenanceError(f"{what}: _type {str(kind)[:60]!r} is not an in-toto Statement")
    ptype = doc.get("predicateType")
    subjects = doc.get("subject")
    if not isinstance(ptype, str) or not isinstance(subjects, list) or not subjects:
        raise ProvenanceError(f"{what} lacks predicateType or subjects")
    out = []
    for item in subjects:
        digests = item.get("digest") if isinstance(item, dict) else None
        if not isinstance(digests, dict):
            raise ProvenanceError(f"{what}: a subject has no digest")
        clean = {str(k): str(v) for k, v in digests.items() if isinstance(v, str)}
        out.append((str(item.get("name", "")), clean))
    return Statement(str(kind), ptype, out, doc.get("predicate"))
