"""The SBOM BuildKit attached to an image, used in place of cataloguing once verified.

``docker buildx build --sbom=true`` lists, beside each platform manifest of the image
index, an attestation manifest whose in-toto layer holds an SPDX document about that
manifest.  BuildKit does not sign it; it is trusted here only through a chain where every
hop is checked: a signature by one of the user's keys over the **index** digest (the
index names the attestation manifests by digest), the attestation manifest's bytes
against that digest, the statement blob against the manifest's layer digest, and the
statement's subject against the platform manifest that was scanned.  When any hop fails,
the caller catalogues the image as usual and says why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullcheck.catalog.inventory import Inventory
from hullcheck.catalog.sbom_input import parse_sbom
from hullcheck.errors import HullcheckError
from hullcheck.model import JSONValue
from hullcheck.provenance import buildkit, intoto
from hullcheck.provenance.keyless import RequiredIdentity, verify_image_signatures
from hullcheck.provenance.keys import NamedPublicKey, load_public_keys
from hullcheck.provenance.target import Target, open_target
from hullcheck.sources.mediatypes import INDEXES
from hullcheck.sources.registry.options import RegistryOptions

SPDX = "https://spdx.dev/Document"


@dataclass
class AttestedSboms:
    """What was found: the verified SBOM per platform manifest, or why there is none."""

    by_manifest: dict[str, tuple[Inventory, dict[str, JSONValue]]] = field(default_factory=dict)
    reason: str | None = None
    """Why no SBOM can be used (None when some can)."""


def _statements(target: Target) -> list[tuple[str, str, intoto.Statement]]:
    """``(platform manifest, statement blob digest, statement)`` of every SPDX statement."""
    index = json.loads(target.subject.body)
    out = []
    for entry in index.get("manifests") or []:
        ann = entry.get("annotations") if isinstance(entry, dict) else None
        if not isinstance(ann, dict) or ann.get(buildkit.REFERENCE_TYPE) != "attestation-manifest":
            continue
        found = target.store.manifest(str(entry.get("digest")))
        if found is None:
            raise HullcheckError(f"attestation manifest {str(entry.get('digest'))[:19]} is missing")
        manifest = json.loads(found.body)
        for layer in manifest.get("layers") or []:
            if not isinstance(layer, dict) or layer.get("mediaType") != buildkit.INTOTO_LAYER:
                continue
            lann = layer.get("annotations") or {}
            if lann.get(buildkit.PREDICATE_ANNOTATION) != SPDX:
                continue
            digest = str(layer.get("digest"))
            statement = intoto.parse(target.store.read_blob(digest, buildkit.MAX_STATEMENT))
            out.append((str(ann.get(buildkit.REFERENCE_DIGEST, "")), digest, statement))
    return out


def find_attested_sboms(
    reference: str, key_paths: list[Path], options: RegistryOptions
) -> AttestedSboms:
    """The SBOMs of ``reference``'s index that a signature by one of ``key_paths`` covers."""
    keys: list[NamedPublicKey] = []
    for path in key_paths:
        keys.extend(load_public_keys(path))
    if reference.startswith("oci:") and ":sha256:" in reference[4:]:
        # scan names a layout's image oci:DIR:sha256:..., the signature store oci:DIR@sha256:...
        head, _sep, digest = reference.rpartition(":sha256:")
        reference = f"{head}@sha256:{digest}"
    try:
        target = open_target(reference, options)
    except HullcheckError as err:
        return AttestedSboms(reason=f"cannot read the image's index and signatures: {err.message}")
    with target:
        if target.subject.media_type not in INDEXES:
            return AttestedSboms(reason="not an image index (BuildKit attaches SBOMs to one)")
        checks = verify_image_signatures(target, keys, None, RequiredIdentity())
        good = [c for c in checks if c.ok]
        if not good:
            why = "; ".join(sorted({c.reason for c in checks})) or "no signature"
            return AttestedSboms(reason=f"the index {target.digest} is not signed by a given key "
                                        f"({why})")  # fmt: skip
        try:
            statements = _statements(target)
        except (HullcheckError, ValueError) as err:
            message = err.message if isinstance(err, HullcheckError) else str(err)
            return AttestedSboms(reason=f"cannot read the attestations: {message}")
        found = AttestedSboms()
        for platform_manifest, blob, statement in statements:
            if not statement.names_digest(platform_manifest):
                continue  # a statement about another image: never used
            try:
                inventory = parse_sbom(
                    json.dumps(statement.predicate).encode(), f"attestation {blob[:19]}"
                )
            except HullcheckError:
                continue
            predicate: Any = statement.predicate
            creators = ((predicate or {}).get("creationInfo") or {}).get("creators") or []
            found.by_manifest[platform_manifest] = (inventory, {
                "source": "buildkit-sbom-attestation",
                "index": target.digest,
                "manifest": platform_manifest,
                "statement": blob,
                "predicate_type": statement.predicate_type,
                "creators": [str(c) for c in creators if isinstance(c, str)],
                "signed_by": good[0].signer,
            })  # fmt: skip
        if not found.by_manifest:
            found.reason = "the signed index has no SPDX attestation about its manifests"
        return found
