"""HC2001: the final image runs as root (no USER, or the last USER is root).

Only the final stage matters: earlier stages never run in production.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.model import Stage
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line

_ROOT = frozenset({"root", "0"})  # the user part of USER user[:group]


def _check(ctx: RuleContext) -> Iterator[Hit]:
    stage = ctx.final_stage
    if stage is None or stage.is_scratch or stage.windows:
        return
    # USER is inherited from a parent stage, so walk the chain of stages back
    chain = []
    current: Stage | None = stage
    while current is not None:
        chain.append(current)
        current = ctx.dockerfile.stages[current.parent] if current.parent is not None else None
    for st in chain:
        users = list(st.find("USER"))
        if users:
            last = users[-1]
            if last.args.strip().lower().split(":", 1)[0] in _ROOT:
                yield at_line(last, f"the final image runs as root (USER {last.args.strip()})")
            return
    yield at_line(
        stage.from_,
        "the final stage never sets USER, so the container runs as root",
    )


RUNS_AS_ROOT = Rule(
    id="HC2001",
    title="Final image runs as root",
    severity=Severity.HIGH,
    practice=Practice.PRIVILEGES,
    explanation=(
        "A process running as root inside the container is root on any volume it mounts and"
        " one kernel or runtime bug away from root on the host."
    ),
    fix=(
        "Create an unprivileged user and switch to it at the end of the final stage:"
        " `RUN useradd --system --uid 10001 app` then `USER 10001`."
    ),
    check=_check,
    hadolint=("DL3002",),
)

RULES = (RUNS_AS_ROOT,)
