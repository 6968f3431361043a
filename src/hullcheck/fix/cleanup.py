"""Fixes that end a RUN with a cleanup of what its package manager left behind.

apt lists (HC4011: ``rm -rf /var/lib/apt/lists/*``), yum and dnf caches (HC4013,
HC4014: ``yum clean all``) and npm's cache (``npm cache clean --force``; no lint rule
reports it, so the fixer finds its own targets).  The command is appended to the same
RUN, continuing its line style, so the cache never reaches a layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.fix.base import Change, FixContext, Fixer, append_to_run, instruction_at


def _append_fixer(fixer_id: str, rule: str, title: str, command: str) -> Fixer:
    def plan(ctx: FixContext) -> Iterator[Change]:
        seen: set[int] = set()
        for line in sorted(ctx.hit_lines(rule)):
            ins = instruction_at(ctx, line)
            if ins is None or ins.line in seen:
                continue
            seen.add(ins.line)
            edit = append_to_run(ctx, ins, command)
            if edit is not None:
                yield Change(
                    fixer_id,
                    ins.line,
                    f"end the RUN with {command}",
                    (edit,),
                    key=f"{fixer_id}:{ins.args}",
                )

    return Fixer(fixer_id, title, plan, rule=rule)


APT_LISTS = _append_fixer(
    "apt-lists", "HC4011", "remove apt lists in the same RUN", "rm -rf /var/lib/apt/lists/*"
)
YUM_CLEAN = _append_fixer(
    "yum-clean", "HC4013", "yum clean all in the same RUN", "yum clean all && rm -rf /var/cache/yum"
)
DNF_CLEAN = _append_fixer("dnf-clean", "HC4014", "dnf clean all in the same RUN", "dnf clean all")


def _npm_installs(ins: Instruction) -> bool:
    for cmd in ins.commands():
        if cmd.basename != "npm" or cmd.in_substitution:
            continue
        sub = cmd.subcommand(("--prefix", "-C", "--cache", "--registry"))
        if sub in ("install", "i", "ci", "add"):
            return True
    return False


def _npm_cleans(ins: Instruction) -> bool:
    if any(".npm" in (m.get("target") or "") for m in ins.mounts):
        return True
    for cmd in ins.commands():
        if cmd.basename == "npm" and "cache" in cmd.args and "clean" in cmd.args:
            return True
        if cmd.basename == "rm" and any(".npm" in a for a in cmd.args):
            return True
        if cmd.basename == "npm" and cmd.has_flag("--cache"):
            return True
    return False


def _plan_npm(ctx: FixContext) -> Iterator[Change]:
    for ins in ctx.dockerfile.runs():
        if ins.onbuild is not None or not _npm_installs(ins) or _npm_cleans(ins):
            continue
        if any(a.startswith("npm_config_cache=") for c in ins.commands() for a in c.assignments):
            continue
        edit = append_to_run(ctx, ins, "npm cache clean --force")
        if edit is not None:
            yield Change(
                "npm-cache",
                ins.line,
                "end the RUN with npm cache clean --force",
                (edit,),
                key=f"npm-cache:{ins.args}",
            )


NPM_CACHE = Fixer("npm-cache", "npm cache clean --force in the same RUN", _plan_npm)

FIXERS = (APT_LISTS, YUM_CLEAN, DNF_CLEAN, NPM_CACHE)
