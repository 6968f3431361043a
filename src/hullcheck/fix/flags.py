"""Fixes that add one option to a package manager's install command.

``apt-get install --no-install-recommends`` (HC4010), ``pip install --no-cache-dir``
(HC4016) and ``apk add --no-cache`` (HC4012): the option goes right after the
subcommand word, found in the raw text of the command the finding names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from hullcheck.dockerfile.shell import Command
from hullcheck.fix.base import Change, Edit, FixContext, Fixer, commands_at


def _pip_target(cmd: Command) -> bool:
    if re.fullmatch(r"pip[\d.]*", cmd.basename):
        return cmd.subcommand() == "install" or "install" in cmd.args
    if re.fullmatch(r"python[\d.]*", cmd.basename):
        return "-m" in cmd.args and "pip" in cmd.args and "install" in cmd.args
    return False


def _flag_fixer(  # noqa: PLR0917 (one table row per fixer reads best positionally)
    fixer_id: str,
    rule: str,
    title: str,
    wanted: Callable[[Command], bool],
    subcommand: str,
    flag: str,
) -> Fixer:
    def plan(ctx: FixContext) -> Iterator[Change]:
        for line in sorted(ctx.hit_lines(rule)):
            for ins, cmd in commands_at(ctx, line):
                if not wanted(cmd) or cmd.has_flag(flag):
                    continue
                at = ctx.command_word(ins, cmd)
                if at is None:
                    continue
                after = ctx.word_after(at, cmd.end_line, subcommand)
                if after is None:
                    continue
                yield Change(
                    fixer_id,
                    cmd.line,
                    f"add {flag} to {cmd.basename} {subcommand}",
                    (Edit(after, after, f" {flag}"),),
                    key=f"{fixer_id}:{cmd.text or ins.args}",
                )

    return Fixer(fixer_id, title, plan, rule=rule)


NO_INSTALL_RECOMMENDS = _flag_fixer(
    "no-install-recommends",
    "HC4010",
    "apt-get install --no-install-recommends",
    lambda c: c.basename == "apt-get" and "install" in c.args,
    "install",
    "--no-install-recommends",
)

PIP_NO_CACHE = _flag_fixer(
    "pip-no-cache-dir",
    "HC4016",
    "pip install --no-cache-dir",
    _pip_target,
    "install",
    "--no-cache-dir",
)

APK_NO_CACHE = _flag_fixer(
    "apk-no-cache",
    "HC4012",
    "apk add --no-cache",
    lambda c: c.basename == "apk" and "add" in c.args,
    "add",
    "--no-cache",
)

FIXERS = (NO_INSTALL_RECOMMENDS, PIP_NO_CACHE, APK_NO_CACHE)
