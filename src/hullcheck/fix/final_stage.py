"""Fixes to the final stage that need a human's review (``--unsafe``).

The OCI labels skeleton adds ``org.opencontainers.image.*`` labels with empty values to
fill in.  The non-root USER (HC2001) creates a system user after the stage's last RUN
(so package installs still run as root) and switches to it by UID: the application
may still need root for a port below 1024 or for files it writes.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.model import Stage
from hullcheck.fix.base import Change, FixContext, Fixer, insert_line_after

UID = 10001
_LABELS = ("title", "description", "source", "version", "revision", "licenses")


def _base_name(ctx: FixContext, stage: Stage) -> str:
    current: Stage | None = stage
    seen: set[int] = set()
    while current is not None and current.index not in seen:
        seen.add(current.index)
        if current.parent is None:
            return current.image.lower()
        current = ctx.dockerfile.stages[current.parent]
    return ""


def _plan_labels(ctx: FixContext) -> Iterator[Change]:
    stage = ctx.dockerfile.final_stage
    if stage is None:
        return
    for ins in stage.find("LABEL"):
        if any(k.startswith("org.opencontainers.image.") for k, _v in ins.key_values):
            return
    esc = ctx.dockerfile.escape
    nl = ctx.newline()
    body = f" {esc}{nl}      ".join(f'org.opencontainers.image.{k}=""' for k in _LABELS)
    yield Change(
        "oci-labels",
        stage.from_.line,
        "add an OCI labels skeleton to the final stage",
        (insert_line_after(ctx, stage.from_.end_line, f"LABEL {body}"),),
        key="oci-labels",
        added=1,
        unsafe=OCI_LABELS_WHY,
    )


def _plan_user(ctx: FixContext) -> Iterator[Change]:
    stage = ctx.dockerfile.final_stage
    if stage is None or stage.windows or not ctx.hits("HC2001"):
        return
    if any(True for _ in stage.find("USER")):
        return  # a USER root set on purpose, or a user made elsewhere: a human decides
    base = _base_name(ctx, stage)
    runs = list(stage.find("RUN"))
    last = runs[-1] if runs else stage.from_
    lines: list[str] = []
    if base == "scratch" or "distroless" in base or "static" in base:
        pass  # no useradd there: a numeric UID needs no /etc/passwd entry
    elif "alpine" in base:
        lines.append(f"RUN addgroup -S -g {UID} app && adduser -S -D -H -u {UID} -G app app")
    else:
        lines.append(
            f"RUN groupadd --system --gid {UID} app"
            f" && useradd --system --no-log-init --uid {UID} --gid app --no-create-home app"
        )
    lines.append(f"USER {UID}:{UID}")
    nl = ctx.newline()
    yield Change(
        "non-root-user",
        last.line,
        f"run the final image as UID {UID} (user created after the package installs)",
        (insert_line_after(ctx, last.end_line, nl.join(lines)),),
        key="non-root-user",
        added=len(lines),
        unsafe=USER_WHY,
    )


OCI_LABELS_WHY = "the labels are empty placeholders: fill in title, source, version, licenses"
USER_WHY = (
    "the application may need root (a port below 1024, files owned by root, a volume it "
    "writes): run the image and check it still works"
)
OCI_LABELS = Fixer("oci-labels", "OCI labels skeleton", _plan_labels, unsafe=OCI_LABELS_WHY)
NON_ROOT_USER = Fixer(
    "non-root-user", "non-root USER in the final stage", _plan_user, rule="HC2001", unsafe=USER_WHY
)
FIXERS = (OCI_LABELS, NON_ROOT_USER)
