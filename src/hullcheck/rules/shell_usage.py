"""How RUN uses the shell: pipefail, cd, pointless commands, /bin/sh swaps, wget/curl, useradd.

All checks read parsed commands; RUNs in PowerShell or cmd (Windows images, ``SHELL``)
are never parsed as POSIX shell, so none of these fire there (hadolint runs ShellCheck
and these rules on PowerShell too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command, at_line
from hullcheck.rules.common import final_chain, ships

# -- HC3030 commands that make no sense in a build ---------------------------------------

_POINTLESS = {
    "shutdown": "there is no init to shut down in a build container",
    "service": "services started in a RUN die when the RUN ends",
    "ssh": "ssh in a build leaks keys into layers; use `RUN --mount=type=ssh` with git",
    "vim": "an editor needs a terminal; use sed or COPY a file",
    "nano": "an editor needs a terminal; use sed or COPY a file",
    "top": "an interactive monitor needs a terminal",
    "free": "memory of the build container tells nothing about the image",
    "ps": "processes of the build container tell nothing about the image",
    "kill": "processes of a RUN end with it",
    "mount": "mounts made in a RUN do not persist; use `RUN --mount`",
}


def _check_pointless(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        why = _POINTLESS.get(cmd.basename)
        if why is None or cmd.in_substitution:
            continue
        if cmd.basename == "service" and cmd.args[-1:] not in (("start",), ("restart",)):
            continue  # `service --status-all` and friends are harmless
        yield at_command(cmd, f"`{cmd.basename}` in RUN: {why}")


POINTLESS = Rule(
    id="HC3030",
    name="pointless-run-command",
    title="Command that makes no sense in a RUN",
    severity=Severity.INFO,
    practice=Practice.BUILD,
    explanation=(
        "A RUN is a throw-away container without a terminal or init: interactive tools,"
        " service managers and process tools either fail or have no lasting effect."
    ),
    fix="Remove the command, or do the work with a non-interactive equivalent.",
    check=_check_pointless,
    hadolint=("DL3001",),
)


# -- HC3031 cd instead of WORKDIR --------------------------------------------------------


def _check_cd(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename == "cd" and not cmd.in_substitution and cmd.args[:1] != ("-",):
            target = cmd.args[0] if cmd.args else "~"
            yield at_command(
                cmd,
                f"`cd {target}` only lasts for this RUN",
                fix=f"Use `WORKDIR {target}` if the following instructions work there too.",
            )


CD = Rule(
    id="HC3031",
    name="cd-instead-of-workdir",
    title="cd in RUN instead of WORKDIR",
    severity=Severity.INFO,
    practice=Practice.BUILD,
    explanation=(
        "`cd` only affects the RUN it is in; chains of `cd` across RUNs are hard to follow"
        " and break when one is edited. WORKDIR states the directory once for what follows."
    ),
    fix="Use WORKDIR for the directory later instructions work in; keep `cd` for one-off steps.",
    check=_check_cd,
    hadolint=("DL3003",),
    aliases=("DS013",),
)


# -- HC3032 replacing /bin/sh ------------------------------------------------------------


def _check_ln_sh(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename == "ln" and "/bin/sh" in cmd.positional():
            yield at_command(
                cmd,
                "relinking /bin/sh changes the shell of every later RUN and of every program in"
                " the image that calls system()",
            )


LN_SH = Rule(
    id="HC3032",
    name="bin-sh-replaced",
    title="/bin/sh replaced with ln",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Swapping /bin/sh for bash silently changes how every script in the image runs;"
        " the SHELL instruction changes only the shell of the Dockerfile's RUNs."
    ),
    fix='Use `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` instead.',
    check=_check_ln_sh,
    hadolint=("DL4005",),
)


# -- HC3033 pipes without pipefail -------------------------------------------------------

_HARMLESS_HEADS = frozenset({"echo", "printf", "yes", "true"})


def _pipefail_set(ins: Instruction) -> bool:
    if "pipefail" in ins.shell:
        return True
    if ins.json is not None and "pipefail" in ins.json:
        return True
    return any(cmd.basename == "set" and "pipefail" in cmd.args for cmd in ins.commands())


def _cannot_fail(cmd: Command) -> bool:
    """``echo text |``: nothing to lose; ``echo "$(cat f)" |`` hides cat's failure."""
    return cmd.basename in _HARMLESS_HEADS and not any("$(" in a or "`" in a for a in cmd.args)


def _check_pipefail(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        script = ins.script
        if script is None or not script.pipelines or _pipefail_set(ins):
            continue
        for pipe in script.pipelines:
            cmds = pipe.commands
            if len(cmds) < 2 or all(_cannot_fail(c) for c in cmds[:-1]):
                continue
            yield at_command(
                cmds[0],
                f"`{cmds[0].basename} | ... {cmds[-1].basename}`: without pipefail a failure"
                f" of {cmds[0].basename} is ignored and the build goes on",
            )
            break


PIPEFAIL = Rule(
    id="HC3033",
    name="pipe-without-pipefail",
    title="RUN with a pipe but without pipefail",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "A pipeline's status is its last command's: `curl ... | tar x` succeeds even when the"
        " download failed, and the image is built broken."
    ),
    fix=(
        'Add `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before the RUN (Alpine:'
        ' `SHELL ["/bin/ash", "-eo", "pipefail", "-c"]`), or start the RUN with'
        " `set -o pipefail &&`."
    ),
    check=_check_pipefail,
    hadolint=("DL4006",),
    aliases=("DS032",),
)


# -- HC3034 wget progress bar ------------------------------------------------------------


def _check_wget(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for _ins, cmd in df.commands():
        if cmd.basename != "wget":
            continue
        if cmd.has_flag(
            "-q", "--quiet", "-nv", "--no-verbose", "--progress", "-o", "--output-file", "-a",
            "--append-output",
        ):  # fmt: skip
            continue
        if any(_cluster_quiet(a) for a in cmd.args):
            continue
        yield at_command(
            cmd,
            "wget without -q or --progress=dot:giga fills the build log with progress bars",
        )


def _cluster_quiet(arg: str) -> bool:
    """``-qO-``: short options up to the first one that takes a value include -q, -o or -a."""
    if not arg.startswith("-") or arg.startswith("--"):
        return False
    letters = re.split(r"[OPeTtUwY]", arg[1:], maxsplit=1)[0]
    return any(c in letters for c in "qoa")


WGET_PROGRESS = Rule(
    id="HC3034",
    name="wget-progress-output",
    title="wget without a quiet or dot progress option",
    severity=Severity.INFO,
    practice=Practice.BUILD,
    explanation=(
        "Without a terminal, wget prints a progress line every few kilobytes: large downloads"
        " produce megabytes of build log."
    ),
    fix="Add `-q` (or `--progress=dot:giga`, or `-nv`).",
    check=_check_wget,
    hadolint=("DL3047",),
)


# -- HC4018 useradd with a large UID and no -l -------------------------------------------


def _check_useradd(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename != "useradd" or cmd.has_flag("-l", "--no-log-init"):
            continue
        uid = cmd.flag_value("-u", "--uid")
        if uid and uid.isdigit() and len(uid) > 5:
            yield at_command(
                cmd,
                f"useradd -u {uid} without -l writes a sparse lastlog/faillog record at offset"
                f" {uid}: the layer can grow by gigabytes",
                fix=f"Add `--no-log-init`: `useradd --no-log-init -u {uid} ...`.",
            )


USERADD_UID = Rule(
    id="HC4018",
    name="useradd-without-no-log-init",
    title="useradd with a large UID without --no-log-init",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "useradd writes /var/log/lastlog and faillog entries at an offset proportional to"
        " the UID; layer tarballs do not keep files sparse, so a high UID bloats the image."
    ),
    fix="Add `-l`/`--no-log-init` to useradd.",
    check=_check_useradd,
    hadolint=("DL3046",),
    aliases=("HC3035",),
)


# -- HC4019 curl and wget both -----------------------------------------------------------


def _check_both(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for stage in df.stages:
        if stage.index not in chain:
            continue
        seen: set[str] = set()
        for ins in stage.instructions:
            if ins.keyword != "RUN":
                continue
            used = {c.basename for c in ins.commands()} & {"curl", "wget"}
            seen |= used
            if used and len(seen) == 2 and ships(ins, chain):
                yield at_line(
                    ins,
                    "this stage uses both curl and wget: one download tool is enough",
                )


BOTH_DOWNLOADERS = Rule(
    id="HC4019",
    name="curl-and-wget",
    title="Both curl and wget used",
    severity=Severity.INFO,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Installing two download tools in a shipped image doubles the code (and CVEs) for one job."
    ),
    fix="Pick one of curl or wget for every download of the stage.",
    check=_check_both,
    hadolint=("DL4001",),
    aliases=("HC3036", "DS014"),
)

RULES = (POINTLESS, CD, LN_SH, PIPEFAIL, WGET_PROGRESS, USERADD_UID, BOTH_DOWNLOADERS)
