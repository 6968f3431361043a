"""HC1001: a base image without a tag or digest, or tagged ``latest``.

``FROM debian`` or ``FROM debian:latest`` builds whatever the registry serves today;
two builds of one commit can differ and a compromised or broken upstream tag flows in
silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext


def _check(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        ref = stage.ref
        if ref is None or ref.has_variables or not ref.is_latest_or_untagged:
            continue
        shown = ref.raw
        if ref.tag is None:
            message = f"base image {shown} has no tag: it floats to whatever `latest` is today"
            code = "DL3006"
        else:
            message = f"base image {shown} uses the moving `latest` tag"
            code = "DL3007"
        line = stage.from_.line
        yield Hit(line, line, message, extra={"hadolint": code})


UNPINNED_BASE = Rule(
    id="HC1001",
    title="Base image not pinned to a version",
    severity=Severity.MEDIUM,
    practice=Practice.BASE_IMAGE,
    explanation=(
        "An untagged or `latest` base image changes under you: builds are not reproducible"
        " and a bad upstream push lands in your image unnoticed."
    ),
    fix=(
        "Name an explicit version tag (`debian:12.7-slim`), ideally with its digest"
        " (`debian:12.7-slim@sha256:...`)."
    ),
    check=_check,
    hadolint=("DL3006", "DL3007"),
)

RULES = (UNPINNED_BASE,)
