"""OpenVEX 0.2.0: what the scan decided about each advisory of the image, as VEX statements.

One statement per advisory and package: an open finding is ``affected`` with its fix as
the ``action_statement``; an advisory a VEX statement took out keeps that status
(``not_affected`` with its justification or impact statement, ``fixed``); an accepted
risk (an ignore with its reason, a baseline) is ``affected`` with ``action_statement``
"risk accepted: <reason>", so the decision travels with the image without claiming it is
not exploitable.  The product is the image (``pkg:oci`` with its digest) and the package
its subcomponent (purl), the shape ``scan --vex`` reads back.  Findings hidden by a
filter (``--severity``, ``--ignore-unfixed``) are left out.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hullcheck import __version__
from hullcheck.document import Report
from hullcheck.model import Finding, Practice
from hullcheck.policy.ignores import VEX_JUSTIFICATIONS
from hullcheck.report.options import RenderOptions
from hullcheck.report.view import suppression, target_name

CONTEXT = "https://openvex.dev/ns/v0.2.0"
DECIDED_BY = ("vex", "ignore", "config", "baseline")
_NAMESPACE = uuid.UUID("3a0c2f4e-8d61-4b1e-9d0f-6f70656e7665")


def render(report: Report, options: RenderOptions | None = None) -> str:
    """The report's advisories as an OpenVEX document (pretty JSON, ending in a newline)."""
    opts = options or RenderOptions()
    now = (opts.now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    image = _image_purl(report)
    decided = [f for f in report.suppressed if (suppression(f) or ("", ""))[0] in DECIDED_BY]
    statements: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for f in [*report.findings, *decided]:
        if f.practice is not Practice.VULNERABILITIES:
            continue
        purl = _package_purl(f)
        if (f.rule, purl) in seen:
            continue
        seen.add((f.rule, purl))
        statements.append(_statement(f, image, purl))
    body = json.dumps(statements, sort_keys=True)
    doc = {
        "@context": CONTEXT,
        "@id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, image + body)}",
        "author": "hullcheck",
        "role": "scanner",
        "timestamp": now,
        "version": 1,
        "tooling": f"hullcheck {__version__}",
        "statements": statements,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _statement(f: Finding, image: str, purl: str) -> dict[str, Any]:
    aliases = [a for a in f.extra.get("aliases") or [] if isinstance(a, str) and a != f.rule]
    vulnerability: dict[str, Any] = {"name": f.rule}
    if aliases:
        vulnerability["aliases"] = aliases
    product: dict[str, Any] = {"@id": image}
    if purl:
        product["subcomponents"] = [{"@id": purl}]
    out: dict[str, Any] = {"vulnerability": vulnerability, "products": [product]}
    mark = suppression(f)
    if mark is not None and mark[0] == "vex":
        status, _, why = mark[1].partition(": ")
        out["status"] = status if status in ("not_affected", "fixed") else "not_affected"
        if out["status"] == "not_affected":
            if why in VEX_JUSTIFICATIONS:
                out["justification"] = why
            else:
                out["impact_statement"] = why or "not affected (VEX)"
        return out
    out["status"] = "affected"
    if mark is not None:
        by, reason = mark
        out["action_statement"] = f"risk accepted ({by}): {reason}" if reason else "risk accepted"
    else:
        out["action_statement"] = f.fix or "no fixed version is known; mitigate or accept"
    return out


def _package_purl(f: Finding) -> str:
    package = f.extra.get("package")
    purl = package.get("purl") if isinstance(package, dict) else None
    return purl if isinstance(purl, str) else ""


def _image_purl(report: Report) -> str:
    target = report.target or {}
    name = target_name(report).rsplit("/", 1)[-1].split("@")[0].split(":")[0] or "image"
    digest = target.get("digest")
    if isinstance(digest, str) and digest.startswith("sha256:"):
        return f"pkg:oci/{quote(name.lower(), safe='')}@{quote(digest, safe='')}"
    return f"pkg:oci/{quote(name.lower(), safe='')}"
