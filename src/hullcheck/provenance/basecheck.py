"""``--verify-base``: is every image a build starts from signed by a trusted key?

The bases are the Dockerfile's ``FROM`` images and the images ``COPY --from`` /
``RUN --mount=from`` read (found as ``pin`` finds them), or, for a scanned image
without a Dockerfile, the ``pkg:docker/...`` materials of its BuildKit SLSA provenance
(which name the exact digests the build used).  Each is resolved to a digest and its
cosign signatures are checked with the keys (or keyless roots) given.  A base that
cannot be checked (build variables, an unreachable registry) is a coverage loss, not a
pass.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

from hullcheck import diagnostics as diag
from hullcheck.diagnostics import Diagnostic
from hullcheck.dockerfile.model import Dockerfile
from hullcheck.errors import HullcheckError
from hullcheck.imagerules.signatures import BASE_UNSIGNED as RULE
from hullcheck.model import Finding, Location
from hullcheck.provenance.keyless import (
    RequiredIdentity,
    TrustRoots,
    verify_image_signatures,
)
from hullcheck.provenance.keys import NamedPublicKey
from hullcheck.provenance.pin import find_images
from hullcheck.provenance.target import open_target
from hullcheck.sources.registry.options import RegistryOptions


@dataclass
class BaseCheck:
    findings: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Trust:
    keys: list[NamedPublicKey]
    roots: TrustRoots | None = None
    required: RequiredIdentity = field(default_factory=RequiredIdentity)


def _check_one(
    ref: str,
    shown: str,
    location: Location,
    *,
    trust: Trust,
    options: RegistryOptions,
    out: BaseCheck,
) -> None:
    try:
        with open_target(ref, options) as target:
            checks = verify_image_signatures(target, trust.keys, trust.roots, trust.required)
            digest = target.digest
    except HullcheckError as err:
        out.diagnostics.append(
            diag.error(
                "provenance-unchecked",
                "provenance",
                f"cannot check the signature of base image {shown}: {err.message}",
                f"the signature of {shown}",
                location.path,
            )
        )
        return
    if any(c.ok for c in checks):
        out.verified.append(f"{shown}@{digest}" if "@" not in shown else shown)
        return
    why = "; ".join(sorted({c.reason for c in checks})) if checks else "it has no signatures"
    out.findings.append(
        Finding(
            rule=RULE.id,
            practice=RULE.practice,
            severity=RULE.severity,
            title=RULE.title,
            message=f"base image {shown} ({digest}) is not signed by a trusted key: {why}",
            location=location,
            fix=RULE.fix,
            extra={"image": shown, "digest": digest},
        )
    )


def verify_dockerfile_bases(
    df: Dockerfile, path: str, trust: Trust, options: RegistryOptions
) -> BaseCheck:
    out = BaseCheck()
    for use in find_images(df):
        location = Location(path=path, line=use.line, end_line=use.end_line)
        if use.ref is None:
            out.diagnostics.append(
                diag.error(
                    "provenance-unchecked",
                    "provenance",
                    f"line {use.line}: cannot check the signature of {use.text}: {use.problem}",
                    f"the signature of {use.text}",
                    path,
                )
            )
            continue
        _check_one(str(use.ref), use.text, location, trust=trust, options=options, out=out)
    return out


def docker_materials(materials: list[str]) -> list[str]:
    """``pkg:docker/golang@1.21?digest=sha256:...&platform=...`` -> ``golang@sha256:...``."""
    out = []
    for uri in materials:
        if not uri.startswith("pkg:docker/"):
            continue
        rest, _, query = uri[len("pkg:docker/") :].partition("?")
        name = urllib.parse.unquote(rest.split("@", 1)[0])
        digest = urllib.parse.parse_qs(query).get("digest", [""])[0]
        if name and digest.startswith("sha256:"):
            out.append(f"{name}@{digest}")
    return out


def verify_material_bases(
    materials: list[str], trust: Trust, options: RegistryOptions
) -> BaseCheck:
    out = BaseCheck()
    for ref in docker_materials(materials):
        _check_one(ref, ref, Location(), trust=trust, options=options, out=out)
    return out
