"""Audit and metadata: MAINTAINER, HEALTHCHECK, DEBIAN_FRONTEND persisted in ENV."""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line
from hullcheck.rules.common import final_chain


def _check_maintainer(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("MAINTAINER"):
        yield at_line(
            ins,
            "MAINTAINER is deprecated",
            fix=f'Use `LABEL org.opencontainers.image.authors="{ins.args.strip()}"`.',
        )


MAINTAINER = Rule(
    id="HC7001",
    name="deprecated-maintainer",
    title="Deprecated MAINTAINER instruction",
    severity=Severity.INFO,
    practice=Practice.AUDIT,
    explanation="MAINTAINER is deprecated; the OCI `authors` label is what tools read.",
    fix='Use `LABEL org.opencontainers.image.authors="name <email>"`.',
    check=_check_maintainer,
    hadolint=("DL4000",),
    aliases=("CKV_DOCKER_6", "DS022"),
)


def _check_healthcheck(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    stage = df.final_stage
    if stage is None:
        return
    # the default target and the stages it is built FROM: a HEALTHCHECK in any other stage
    # (a test or build stage) is not in the image `docker build` produces
    if any(any(True for _ in st.find("HEALTHCHECK")) for st in df.lineage(stage)):
        return
    yield at_line(stage.from_, "the final image has no HEALTHCHECK")


HEALTHCHECK = Rule(
    id="HC7002",
    name="no-healthcheck",
    title="No HEALTHCHECK in the final image",
    severity=Severity.INFO,
    practice=Practice.AUDIT,
    explanation=(
        "Without a HEALTHCHECK, Docker and Swarm only know whether the process runs, not"
        " whether it serves (Kubernetes ignores HEALTHCHECK and uses probes instead)."
    ),
    fix='Add `HEALTHCHECK CMD ["/app/healthcheck"]`, or define probes in your orchestrator.',
    check=_check_healthcheck,
    hadolint=("DL3057",),
    aliases=("CKV_DOCKER_2", "DS026", "CIS-DI-0006"),
)


def _check_frontend(ctx: RuleContext) -> Iterator[Hit]:
    chain = final_chain(ctx.dockerfile)
    for stage in ctx.dockerfile.stages:
        if stage.index not in chain:
            continue
        for ins in stage.find("ENV"):
            if any(k == "DEBIAN_FRONTEND" for k, _ in ins.key_values):
                yield at_line(
                    ins,
                    "ENV DEBIAN_FRONTEND persists into every container of the image",
                    fix="Use `ARG DEBIAN_FRONTEND=noninteractive` (build time only) or prefix"
                    " the command: `DEBIAN_FRONTEND=noninteractive apt-get install ...`.",
                )


FRONTEND = Rule(
    id="HC7003",
    name="debian-frontend-env",
    title="DEBIAN_FRONTEND set with ENV",
    severity=Severity.LOW,
    practice=Practice.AUDIT,
    explanation=(
        "ENV values stay in the image configuration: a container's users and tools then get"
        " a non-interactive debconf they did not ask for."
    ),
    fix="Use `ARG DEBIAN_FRONTEND=noninteractive` instead of ENV.",
    check=_check_frontend,
)

RULES = (MAINTAINER, HEALTHCHECK, FRONTEND)
