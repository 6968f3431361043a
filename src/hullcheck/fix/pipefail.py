"""HC3033: piped RUNs get ``pipefail``.

When the stage already runs RUNs with bash or ash (a ``SHELL`` naming them), ``-o
pipefail`` is added to that SHELL's options.  Otherwise a ``SHELL`` line goes before
the first piped RUN: ``/bin/bash -o pipefail -c`` (``/bin/ash`` on Alpine, where bash is
absent).  Debian's dash cannot ``set -o pipefail``, which is why the RUN itself is not
prefixed.  Stages built on images without a shell we know of (busybox, distroless) are
left alone, and so is a stage where a later RUN pipes ``yes`` into a command: under
pipefail the SIGPIPE ``yes`` receives would fail that build.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from hullcheck.dockerfile.model import Stage
from hullcheck.fix.base import Change, Edit, FixContext, Fixer, insert_line_before, instruction_at

_NO_SHELL_HINTS = ("busybox", "distroless", "chainguard/static", "scratch")


def _shell_for(ctx: FixContext, stage: Stage) -> str | None:
    seen: set[int] = set()
    current: Stage | None = stage
    while current is not None and current.index not in seen:
        seen.add(current.index)
        image = current.image.lower()
        if any(h in image for h in _NO_SHELL_HINTS) or "$" in image:
            return None
        if current.parent is None:
            return "/bin/ash" if "alpine" in image else "/bin/bash"
        current = ctx.dockerfile.stages[current.parent]
    return None


def _yes_piped_later(stage: Stage, line: int) -> bool:
    for ins in stage.find("RUN"):
        if ins.line < line or ins.script is None:
            continue
        for pipe in ins.script.pipelines:
            if pipe.commands and pipe.commands[0].basename == "yes":
                return True
    return False


def _plan(ctx: FixContext) -> Iterator[Change]:
    done: set[int] = set()
    for line in sorted(ctx.hit_lines("HC3033")):
        ins = instruction_at(ctx, line)
        if ins is None or ins.keyword != "RUN" or ins.stage is None or ins.stage in done:
            continue
        stage = ctx.dockerfile.stages[ins.stage]
        done.add(ins.stage)
        if _yes_piped_later(stage, ins.line):
            continue
        shells = [s for s in stage.find("SHELL") if s.line < ins.line]
        if shells:
            last = shells[-1]
            argv = list(last.json or ())
            if (
                len(argv) < 2
                or argv[-1] != "-c"
                or argv[0].rsplit("/", 1)[-1]
                not in (
                    "bash",
                    "ash",
                )
            ):
                continue
            if last.line != last.end_line:
                continue
            new = [*argv[:-1], "-o", "pipefail", "-c"]
            start = ctx.line_start(last.line)
            raw = ctx.line_text(last.line)
            bracket = raw.find("[")
            if bracket < 0:
                continue
            yield Change(
                "pipefail",
                last.line,
                "add -o pipefail to the stage's SHELL",
                (Edit(start + bracket, start + len(raw.rstrip()), json.dumps(new)),),
                key=f"pipefail:{last.args}",
            )
            continue
        shell = _shell_for(ctx, stage)
        if shell is None:
            continue
        text = "SHELL " + json.dumps([shell, "-o", "pipefail", "-c"])
        yield Change(
            "pipefail",
            ins.line,
            f"run this stage's RUNs with {shell} -o pipefail",
            (insert_line_before(ctx, _first_line(ctx, ins.line), text),),
            key=f"pipefail:{ins.args}",
            added=1,
        )


def _first_line(ctx: FixContext, line: int) -> int:
    """The line to insert before: above the comments that belong to the RUN."""
    ins = instruction_at(ctx, line)
    if ins is None or not ins.comments:
        return line
    first = min(c.line for c in ins.comments)
    return (
        first
        if all(ctx.line_text(n).lstrip().startswith("#") for n in range(first, line))
        else line
    )


FIXER = Fixer("pipefail", "SHELL with -o pipefail before piped RUNs", _plan, rule="HC3033")
FIXERS = (FIXER,)
