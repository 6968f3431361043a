"""Privileges: a root final USER, sudo and gosu, world-writable and setuid files, SSH, USER.

HC2001 (the final image runs as root) reads only the final stage and the stages it
inherits USER from: earlier stages never run in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command, at_line
from hullcheck.rules.common import apt_action, apt_packages, final_chain, ships

# -- packages installed ------------------------------------------------------------------

_INSTALL_ACTIONS = {
    "apt-get": ("install",),
    "apt": ("install",),
    "apk": ("add",),
    "yum": ("install",),
    "dnf": ("install",),
    "microdnf": ("install",),
    "zypper": ("install", "in"),
}
_PKG_VALUE_OPTIONS = ("-o", "-c", "-t", "--virtual", "-X", "--repository", "--setopt", "-x")


def installed_packages(cmd: Command) -> tuple[str, ...]:
    """Package names a package-manager command installs (versions stripped), else ()."""
    actions = _INSTALL_ACTIONS.get(cmd.basename)
    if actions is None:
        return ()
    if cmd.basename in ("apt-get", "apt"):
        if apt_action(cmd) != "install":
            return ()
        words = apt_packages(cmd)
    else:
        pos = cmd.positional(_PKG_VALUE_OPTIONS)
        if not pos or pos[0] not in actions:
            return ()
        words = pos[1:]
    return tuple(re.split(r"[=~<>]", w, maxsplit=1)[0] for w in words)


def shipped_installs(dockerfile: Dockerfile) -> Iterator[tuple[Instruction, Command, str]]:
    """(RUN, command, package) for every package installed in a stage that ships."""
    chain = final_chain(dockerfile)
    for ins in dockerfile.runs():
        if not ships(ins, chain):
            continue
        for cmd in ins.commands():
            for pkg in installed_packages(cmd):
                yield ins, cmd, pkg


# -- HC2002 sudo in RUN ------------------------------------------------------------------


def _check_sudo(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename == "sudo" and cmd.wrapper is None:
            yield at_command(
                cmd,
                "sudo in RUN: the build already runs as the current USER; sudo needs a"
                " sudoers setup that then ships in the image",
                fix="Switch with `USER root` for the privileged steps and back to the"
                " unprivileged user afterwards.",
            )


SUDO = Rule(
    id="HC2002",
    name="sudo-in-run",
    title="sudo used in RUN",
    severity=Severity.MEDIUM,
    practice=Practice.PRIVILEGES,
    explanation=(
        "sudo in a build means the image carries sudo and a sudoers policy letting its user"
        " become root; its TTY and environment handling also make RUNs unpredictable."
    ),
    fix="Use `USER root` ... `USER app` around privileged steps instead of sudo.",
    check=_check_sudo,
    hadolint=("DL3004",),
    aliases=("CKV2_DOCKER_1", "DS010"),
)


# -- HC2003 sudo installed / passwordless sudo -------------------------------------------


def _check_sudo_installed(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        for cmd in ins.commands():
            if any("NOPASSWD" in a for a in (*cmd.args, *cmd.redirects)):
                yield at_command(
                    cmd,
                    "grants passwordless sudo: any process of the container user can become root",
                )
    for _ins, cmd, pkg in shipped_installs(ctx.dockerfile):
        if pkg in ("sudo", "doas"):
            yield at_command(
                cmd,
                f"{pkg} is installed in the final image: an escalation path to root for"
                " anything running in the container",
            )


SUDO_INSTALLED = Rule(
    id="HC2003",
    name="sudo-installed",
    title="sudo installed or passwordless sudo granted in the image",
    severity=Severity.MEDIUM,
    practice=Practice.PRIVILEGES,
    explanation=(
        "A non-root USER is only a boundary if it cannot become root again; sudo (above all"
        " with NOPASSWD) removes that boundary for anyone who gets code execution."
    ),
    fix=(
        "Do not install sudo in the runtime image; do privileged setup at build time as"
        " `USER root`, and use gosu/su-exec only in an entrypoint that drops privileges."
    ),
    check=_check_sudo_installed,
)


# -- HC2004 gosu / su-exec during the build ----------------------------------------------


def _check_gosu(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename in ("gosu", "su-exec") and cmd.wrapper is None:
            if not cmd.args or cmd.args[0].startswith("-") or cmd.args[1:] in ((), ("true",)):
                continue  # `gosu --version`, `gosu nobody true`: the install's smoke test
            user = cmd.args[0]
            yield at_command(
                cmd,
                f"{cmd.basename} in a RUN: switch users with `USER {user}` instead",
                fix=f"Use `USER {user}` before the RUN (and back after); keep {cmd.basename}"
                " for entrypoint scripts.",
            )


GOSU = Rule(
    id="HC2004",
    name="gosu-at-build-time",
    title="gosu or su-exec used at build time",
    severity=Severity.LOW,
    practice=Practice.PRIVILEGES,
    explanation=(
        "gosu/su-exec exist to drop root in an entrypoint at run time; at build time USER"
        " does the same visibly, without shipping a setuid-capable helper for the purpose."
    ),
    fix="Use the USER instruction around the steps that must not run as root.",
    check=_check_gosu,
)


# -- chmod modes -------------------------------------------------------------------------

_SYMBOLIC = re.compile(r"^([ugoa]*)([-+=])([rwxXstugo]*)$")


def _mode_bits(mode: str) -> tuple[bool, bool, bool, bool]:
    """(world-writable, sticky, setuid, setgid) that ``mode`` grants (never what it removes)."""
    if mode.isdigit() and len(mode) <= 4 and all(c in "01234567" for c in mode):
        digits = mode.rjust(4, "0")
        special, other = int(digits[0]), int(digits[3])
        return bool(other & 2), bool(special & 1), bool(special & 4), bool(special & 2)
    world = sticky = suid = sgid = False
    for clause in mode.split(","):
        match = _SYMBOLIC.match(clause)
        if match is None or match.group(2) == "-":
            continue
        who, perms = match.group(1), match.group(3)
        if "w" in perms and ("o" in who or "a" in who):
            world = True
        if "t" in perms:
            sticky = True
        if "s" in perms and (who == "" or "u" in who or "a" in who):
            suid = True
        if "s" in perms and (who == "" or "g" in who or "a" in who):
            sgid = True
    return world, sticky, suid, sgid


def _chmods(ctx: RuleContext) -> Iterator[tuple[Command | None, Instruction, str, bool]]:
    """(chmod command, or None for COPY --chmod; instruction; mode; recursive)."""
    for ins in ctx.dockerfile.instructions:
        eff = ins.effective
        if eff.keyword in ("COPY", "ADD"):
            mode = eff.flag("chmod")
            if mode:
                yield None, eff, mode, True
    for ins, cmd in ctx.dockerfile.commands():
        if cmd.basename != "chmod":
            continue
        recursive = cmd.has_flag("-R", "--recursive")
        pos = [a for a in cmd.args if not (a.startswith("-") and not _SYMBOLIC.match(a))]
        if pos:
            yield cmd, ins, pos[0], recursive


def _world_writable(ctx: RuleContext, want_recursive: bool) -> Iterator[Hit]:
    for cmd, ins, mode, recursive in _chmods(ctx):
        world, sticky, _suid, _sgid = _mode_bits(mode)
        if not world or sticky or (recursive and cmd is not None) != want_recursive:
            continue
        if want_recursive:
            message = f"chmod -R {mode} makes a whole tree writable by every user of the container"
        else:
            message = f"mode {mode} makes files writable by every user of the container"
        if cmd is not None:
            yield at_command(cmd, message)
        else:
            yield at_line(ins, message)


def _check_world_writable(ctx: RuleContext) -> Iterator[Hit]:
    return _world_writable(ctx, want_recursive=False)


def _check_world_writable_tree(ctx: RuleContext) -> Iterator[Hit]:
    return _world_writable(ctx, want_recursive=True)


WORLD_WRITABLE = Rule(
    id="HC2005",
    name="world-writable-files",
    title="World-writable files or directories",
    severity=Severity.MEDIUM,
    practice=Practice.PRIVILEGES,
    explanation=(
        "World-writable paths let any process in the container (any UID, including a"
        " compromised unprivileged service) replace code or configuration that others run."
    ),
    fix=(
        "Grant write access to the owning user or group only (`chown app:app /data &&"
        " chmod 750 /data`); shared temp dirs need the sticky bit (`chmod 1777`)."
    ),
    check=_check_world_writable,
)

WORLD_WRITABLE_TREE = Rule(
    id="HC2011",
    name="recursive-world-writable",
    title="World-writable permissions applied recursively",
    severity=Severity.HIGH,
    practice=Practice.PRIVILEGES,
    explanation=(
        "`chmod -R 777` (or `a+w`, `o+w`) on a tree lets any process in the container, under"
        " any UID, rewrite every program and configuration file below it: one compromised"
        " unprivileged service can then plant code that others, including root, run."
    ),
    fix=(
        "Give the tree to the user that must write it (`chown -R app:app /app/data`) with"
        " `chmod -R u+rwX,go-w`; keep application code read-only."
    ),
    check=_check_world_writable_tree,
)


def _check_setuid(ctx: RuleContext) -> Iterator[Hit]:
    for cmd, ins, mode, _recursive in _chmods(ctx):
        _world, _sticky, suid, sgid = _mode_bits(mode)
        if not (suid or sgid):
            continue
        if suid:
            message = (
                f"mode {mode} sets the setuid bit: the program runs with its owner's rights"
                " (root, usually) whoever starts it"
            )
        else:
            message = (
                f"mode {mode} sets the setgid bit: a program runs with its group's rights"
                " whoever starts it (on a directory it only makes new files inherit the group)"
            )
        if cmd is not None:
            yield at_command(cmd, message)
        else:
            yield at_line(ins, message)


SETUID = Rule(
    id="HC2006",
    name="setuid-setgid-bit",
    title="setuid or setgid bit set",
    severity=Severity.MEDIUM,
    practice=Practice.PRIVILEGES,
    explanation=(
        "A setuid-root binary is a ready-made privilege escalation for any code running"
        " in the container; images should remove such bits, not add them."
    ),
    fix=(
        "Drop the setuid/setgid bit; grant a narrow capability instead"
        " (`setcap cap_net_bind_service=+ep /app`) or run the process as the right user."
    ),
    check=_check_setuid,
)


# -- HC2008 SSH server in the image ------------------------------------------------------

_SSH_SERVERS = frozenset({"openssh-server", "openssh", "dropbear", "openssh-server-pam"})


def _check_sshd(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd, pkg in shipped_installs(ctx.dockerfile):
        if pkg in _SSH_SERVERS:
            yield at_command(
                cmd,
                f"{pkg} puts an SSH server in the image: one more network service, host keys"
                " baked into the layer, and a second way in besides the app",
            )


SSHD = Rule(
    id="HC2008",
    name="ssh-server-installed",
    title="SSH server installed in the image",
    severity=Severity.MEDIUM,
    practice=Practice.PRIVILEGES,
    explanation=(
        "Containers are entered with `docker exec`/`kubectl exec`; an SSH daemon adds an"
        " authentication surface, long-lived credentials and host keys shared by every"
        " container of the image."
    ),
    fix="Remove the SSH server; use `docker exec` or `kubectl exec` instead.",
    check=_check_sshd,
)


def _check_expose_22(ctx: RuleContext) -> Iterator[Hit]:
    chain = final_chain(ctx.dockerfile)
    for stage in ctx.dockerfile.stages:
        if stage.index not in chain:
            continue
        for ins in stage.find("EXPOSE"):
            if any(w.split("/")[0] == "22" for w in ins.arg_list):
                yield at_line(ins, "EXPOSE 22: the image offers SSH")


EXPOSE_SSH = Rule(
    id="HC2009",
    name="ssh-port-exposed",
    title="SSH port exposed",
    severity=Severity.LOW,
    practice=Practice.PRIVILEGES,
    explanation="Port 22 means an SSH daemon meant to be reached from outside the container.",
    fix="Remove `EXPOSE 22` and the SSH server; use `docker exec`/`kubectl exec`.",
    check=_check_expose_22,
)


# -- HC2010 USER by name -----------------------------------------------------------------


def _check_user_name(ctx: RuleContext) -> Iterator[Hit]:
    stage = ctx.final_stage
    if stage is None or stage.windows:
        return
    users = list(stage.find("USER"))
    if not users:
        return
    last = users[-1]
    user = last.args.split(":", 1)[0].strip()
    if user.isdigit() or "$" in user or user.lower() == "root":
        return
    yield at_line(
        last,
        f"USER {user} is a name: Kubernetes `runAsNonRoot` cannot verify it is not root and"
        " refuses to start the pod",
        fix=f"Use the numeric UID (and GID) of {user}: `USER 10001:10001`.",
    )


USER_NAME = Rule(
    id="HC2010",
    name="user-by-name",
    title="Final USER given by name instead of UID",
    severity=Severity.INFO,
    practice=Practice.PRIVILEGES,
    explanation=(
        "Runtimes can only check a numeric UID against policies such as Kubernetes"
        " `runAsNonRoot`; a name is resolved inside the image, where it could map to 0."
    ),
    fix="Use a numeric `USER 10001:10001`.",
    check=_check_user_name,
    hadolint=("DL3066",),
)


# -- HC2001 final image runs as root -----------------------------------------------------

_ROOT = frozenset({"root", "0"})  # the user part of USER user[:group]


def _check_root(ctx: RuleContext) -> Iterator[Hit]:
    stage = ctx.final_stage
    if stage is None or stage.windows:
        return
    chain = ctx.dockerfile.lineage(stage)  # USER is inherited from a parent stage
    for st in chain:
        users = list(st.find("USER"))
        if users:
            last = users[-1]
            if last.args.strip().lower().split(":", 1)[0] in _ROOT:
                yield at_line(last, f"the final image runs as root (USER {last.args.strip()})")
            return
    if chain[-1].is_scratch:
        return  # no USER in a scratch image: its user is whatever runs it (no passwd to pick)
    yield at_line(
        stage.from_,
        "the final stage never sets USER, so the container runs as root",
    )


RUNS_AS_ROOT = Rule(
    id="HC2001",
    name="root-final-user",
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
    check=_check_root,
    hadolint=("DL3002",),
)


RULES = (
    RUNS_AS_ROOT,
    SUDO,
    SUDO_INSTALLED,
    GOSU,
    WORLD_WRITABLE,
    WORLD_WRITABLE_TREE,
    SETUID,
    SSHD,
    EXPOSE_SSH,
    USER_NAME,
)
