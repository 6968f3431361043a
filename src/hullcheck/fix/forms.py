"""Instruction forms: exec-form CMD/ENTRYPOINT (HC3043) and COPY for local ADD (HC3047).

Shell-form CMD is rewritten as a JSON array only when the command uses no shell
feature (variables, globs, operators, redirections, quotes that are not whole
words), so the same program gets the same arguments.  A shell-form ENTRYPOINT
becomes exec form only when its stage sets no CMD after it: an exec-form ENTRYPOINT
would receive that CMD as arguments (Docker resets an inherited CMD when ENTRYPOINT
is set).  ADD becomes COPY when the rule found only local, non-archive sources and no
ADD-only flag is given.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.fix.base import Change, Edit, FixContext, Fixer, instruction_at

_SHELL_CHARS = re.compile(r"[$`|&;<>*?\[\]{}()~\\!#]")
_ADD_ONLY_FLAGS = ("checksum", "keep-git-dir", "unpack")


def _exec_words(args: str) -> list[str] | None:
    if _SHELL_CHARS.search(args) or "\n" in args:
        return None
    try:
        words = shlex.split(args, posix=True)
    except ValueError:
        return None
    if not words or "=" in words[0]:
        return None
    return words


def _later_cmd(ctx: FixContext, ins: Instruction) -> bool:
    stage = ctx.stage_of(ins)
    if stage is None:
        return True
    return any(c.line > ins.line for c in stage.find("CMD"))


def _plan_exec(ctx: FixContext) -> Iterator[Change]:
    for line in sorted(ctx.hit_lines("HC3043")):
        ins = instruction_at(ctx, line)
        if ins is None or ins.keyword not in ("CMD", "ENTRYPOINT") or ins.json is not None:
            continue
        if ins.line != ins.end_line:
            continue
        stage = ctx.stage_of(ins)
        if stage is None or stage.windows:
            continue
        if ins.keyword == "ENTRYPOINT" and _later_cmd(ctx, ins):
            continue
        words = _exec_words(ins.args)
        if words is None:
            continue
        raw = ctx.line_text(ins.line)
        at = raw.find(ins.args.strip())
        if at < 0:
            continue
        start = ctx.line_start(ins.line) + at
        yield Change(
            "exec-form",
            ins.line,
            f"{ins.keyword} in exec form: the process gets signals, no shell in between",
            (Edit(start, start + len(ins.args.strip()), json.dumps(words)),),
            key=f"exec-form:{ins.keyword}:{ins.args}",
        )


def _plan_copy(ctx: FixContext) -> Iterator[Change]:
    for line in sorted(ctx.hit_lines("HC3047")):
        ins = instruction_at(ctx, line)
        if ins is None or ins.keyword != "ADD" or ins.onbuild is not None:
            continue
        if any(ins.has_flag(f) for f in _ADD_ONLY_FLAGS):
            continue
        raw = ctx.line_text(ins.line)
        match = re.match(r"\s*(ADD)(?=\s)", raw, re.IGNORECASE)
        if match is None:
            continue
        start = ctx.line_start(ins.line) + match.start(1)
        word = "COPY" if match.group(1).isupper() else "copy"
        yield Change(
            "add-to-copy",
            ins.line,
            "COPY instead of ADD for local files (no implicit unpacking or fetching)",
            (Edit(start, start + 3, word),),
            key=f"add-to-copy:{ins.args}",
        )


EXEC_FORM = Fixer("exec-form", "CMD and ENTRYPOINT in exec form", _plan_exec, rule="HC3043")
ADD_TO_COPY = Fixer("add-to-copy", "COPY instead of ADD for local files", _plan_copy, rule="HC3047")
FIXERS = (EXEC_FORM, ADD_TO_COPY)
