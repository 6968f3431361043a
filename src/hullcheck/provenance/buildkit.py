"""BuildKit attestation manifests: the SLSA provenance and SBOMs ``docker buildx`` attaches.

With ``--provenance``/``--sbom``, BuildKit adds to the image index one manifest per
platform whose annotations are ``vnd.docker.reference.type: attestation-manifest`` and
``vnd.docker.reference.digest: <the platform manifest>``; its layers are raw in-toto
Statements (``application/vnd.in-toto+json``, predicate type in the
``in-toto.io/predicate-type`` annotation).  They are unsigned: they are as trustworthy
as the index that lists them, so they count as evidence only when the index digest is
signed (a signature on the index covers the attestation manifests by digest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hullcheck.errors import HullcheckError
from hullcheck.provenance import intoto
from hullcheck.provenance.errors import ProvenanceError
from hullcheck.provenance.jsondoc import json_object
from hullcheck.sources.base import ImageSource
from hullcheck.sources.digest import check_digest, digest_of

REFERENCE_TYPE = "vnd.docker.reference.type"
REFERENCE_DIGEST = "vnd.docker.reference.digest"
PREDICATE_ANNOTATION = "in-toto.io/predicate-type"
INTOTO_LAYER = "application/vnd.in-toto+json"
MAX_STATEMENT = 32 * 1024 * 1024
MAX_MANIFEST = 4 * 1024 * 1024

FetchManifest = Callable[[str], bytes]
ReadBlob = Callable[[str, int], bytes]


@dataclass
class BuildAttestation:
    """One statement BuildKit attached, summarised for the report."""

    platform_manifest: str
    predicate_type: str
    kind: str
    subject_ok: bool
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manifest": self.platform_manifest,
            "predicate_type": self.predicate_type,
            "kind": self.kind,
            "subject_matches": self.subject_ok,
            **self.summary,
        }
        if self.error:
            out["error"] = self.error
        return out


def _get(doc: Any, *path: str) -> Any:
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def summarize_slsa(predicate: Any, predicate_type: str) -> dict[str, Any]:
    """Builder, source repository and commit, build parameters, reproducibility."""
    out: dict[str, Any] = {}
    if predicate_type.endswith("/v1"):
        out["builder"] = _text(_get(predicate, "runDetails", "builder", "id"))
        out["build_type"] = _text(_get(predicate, "buildDefinition", "buildType"))
        params = _get(predicate, "buildDefinition", "externalParameters")
        out["parameters"] = params if isinstance(params, dict) else {}
        deps = _get(predicate, "buildDefinition", "resolvedDependencies") or []
        materials = deps if isinstance(deps, list) else []
        out["reproducible"] = None
    else:
        out["builder"] = _text(_get(predicate, "builder", "id"))
        out["build_type"] = _text(_get(predicate, "buildType"))
        params = _get(predicate, "invocation", "parameters")
        out["parameters"] = params if isinstance(params, dict) else {}
        raw = _get(predicate, "materials")
        materials = raw if isinstance(raw, list) else []
        reproducible = _get(predicate, "metadata", "reproducible")
        out["reproducible"] = reproducible if isinstance(reproducible, bool) else None
        config_uri = _text(_get(predicate, "invocation", "configSource", "uri"))
        config_sha = _get(predicate, "invocation", "configSource", "digest")
        if config_uri:
            repo, _, commit = config_uri.partition("#")
            out["source_repository"] = repo
            out["source_commit"] = commit or (
                config_sha.get("sha1") if isinstance(config_sha, dict) else None
            )
        entry = _text(_get(predicate, "invocation", "configSource", "entryPoint"))
        if entry:
            out["entry_point"] = entry
        vcs = _get(predicate, "metadata", "https://mobyproject.org/buildkit@v1#metadata", "vcs")
        if isinstance(vcs, dict):
            out.setdefault("source_repository", _text(vcs.get("source")))
            if not out.get("source_commit"):
                out["source_commit"] = _text(vcs.get("revision"))
        out["mode"] = "max" if isinstance(_get(predicate, "buildConfig"), dict) else "min"
    out["materials"] = [
        str(m.get("uri")) for m in materials[:50] if isinstance(m, dict) and m.get("uri")
    ]
    return out


def summarize_spdx(predicate: Any) -> dict[str, Any]:
    creators = _get(predicate, "creationInfo", "creators")
    packages = _get(predicate, "packages")
    return {
        "sbom_format": _text(_get(predicate, "spdxVersion")) or "SPDX",
        "creators": [c for c in creators if isinstance(c, str)]
        if isinstance(creators, list)
        else [],
        "packages": len(packages) if isinstance(packages, list) else 0,
    }


def _summarize(statement: intoto.Statement) -> dict[str, Any]:
    kind = intoto.KIND_OF.get(statement.predicate_type, "other")
    if kind == "slsa":
        return summarize_slsa(statement.predicate, statement.predicate_type)
    if statement.predicate_type == "https://spdx.dev/Document":
        return summarize_spdx(statement.predicate)
    return {}


def read_attestations(
    index_body: bytes, fetch_manifest: FetchManifest, read_blob: ReadBlob
) -> list[BuildAttestation]:
    """Every statement of the index's attestation manifests, checked and summarised."""
    index = json_object(index_body, "the image index")
    entries = index.get("manifests")
    if not isinstance(entries, list):
        return []
    out: list[BuildAttestation] = []
    for entry in entries:
        ann = entry.get("annotations") if isinstance(entry, dict) else None
        if not isinstance(ann, dict) or ann.get(REFERENCE_TYPE) != "attestation-manifest":
            continue
        platform_manifest = str(ann.get(REFERENCE_DIGEST, ""))
        try:
            check_digest(entry.get("digest"), "an attestation manifest")
            check_digest(platform_manifest, "an attestation's reference digest")
            manifest = json_object(fetch_manifest(entry["digest"]), "an attestation manifest")
        except HullcheckError as err:
            out.append(BuildAttestation(platform_manifest, "", "other", False, error=err.message))
            continue
        layers = manifest.get("layers")
        for layer in layers if isinstance(layers, list) else []:
            if not isinstance(layer, dict) or layer.get("mediaType") != INTOTO_LAYER:
                continue
            lann = layer.get("annotations")
            ptype = str(lann.get(PREDICATE_ANNOTATION, "")) if isinstance(lann, dict) else ""
            kind = intoto.KIND_OF.get(ptype, "other")
            try:
                digest = check_digest(layer.get("digest"), "an attestation layer")
                statement = intoto.parse(read_blob(digest, MAX_STATEMENT))
            except HullcheckError as err:
                out.append(
                    BuildAttestation(platform_manifest, ptype, kind, False, error=err.message)
                )
                continue
            out.append(
                BuildAttestation(
                    platform_manifest,
                    statement.predicate_type,
                    intoto.KIND_OF.get(statement.predicate_type, "other"),
                    statement.names_digest(platform_manifest),
                    _summarize(statement),
                )
            )
    return out


def source_readers(source: ImageSource) -> tuple[FetchManifest, ReadBlob]:
    """``read_attestations``'s two readers over an image source, digests checked."""

    def fetch(digest: str) -> bytes:
        body = source.fetch_manifest(digest).body
        if digest_of(body, digest.split(":", 1)[0]) != digest:
            raise ProvenanceError(f"manifest {digest[:19]} does not match its digest")
        return body

    def read(digest: str, limit: int) -> bytes:
        with source.open_blob(digest) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise ProvenanceError(f"attestation {digest[:19]} is over {limit} bytes")
        if digest_of(data, digest.split(":", 1)[0]) != digest:
            raise ProvenanceError(f"attestation {digest[:19]} does not match its digest")
        return data

    return fetch, read
