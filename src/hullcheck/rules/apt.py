"""Debian/Ubuntu apt rules: recommends, prompts, pinning, lists left, apt vs apt-get, upgrades.

Every check reads parsed commands, so ``sudo apt-get -qq install``, ``env
X=1 apt-get`` and heredoc scripts are seen, and ``echo apt-get install`` is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.rules.common import (
    APT_VALUE_OPTIONS,
    apt_action,
    apt_packages,
    final_chain,
    has_cache_mount,
    removes,
    ships,
    stray_variables,
)

# -- HC3002 apt-get install without -y ------------------------------------------------


def _quiet_level(cmd: Command) -> int:
    """apt-get's quiet level: ``-q`` 1, ``-qq``/``-q -q``/``-q=2``/``--quiet=2`` 2."""
    level = 0
    for arg in cmd.args:
        if arg == "--":
            break
        if arg == "--quiet":
            level += 1
        elif arg.startswith(("-q=", "--quiet=")):
            value = arg.partition("=")[2]
            level += int(value) if value.isdigit() else 1
        elif arg.startswith("-") and not arg.startswith("--") and arg[1:].isalpha():
            level += arg.count("q")
    return level


def _assumes_yes(ins: Instruction, cmd: Command) -> bool:
    # apt-get(8): -q alone only quiets the output; "-qq" (level 2) implies -y
    if cmd.has_flag("-y", "--yes", "--assume-yes", "--force-yes") or _quiet_level(cmd) >= 2:
        return True
    if any("Assume-Yes" in a for a in cmd.args):
        return True
    script = ins.script
    if script is not None and cmd.pipeline is not None:
        before = script.pipelines[cmd.pipeline].commands
        if before and before[0].basename == "yes":
            return True
    return False


def _check_yes(ctx: RuleContext) -> Iterator[Hit]:
    for ins, cmd in ctx.dockerfile.commands():
        action = apt_action(cmd) if cmd.basename in ("apt-get", "aptitude") else None
        if action in ("install", "upgrade", "dist-upgrade") and not _assumes_yes(ins, cmd):
            yield at_command(
                cmd,
                f"{cmd.basename} {action} without -y stops at the confirmation prompt"
                " (the build fails or hangs)",
            )


ASSUME_YES = Rule(
    id="HC3002",
    name="apt-install-without-yes",
    title="apt-get install without -y",
    severity=Severity.MEDIUM,
    practice=Practice.BUILD,
    explanation=(
        "Without `-y`, apt-get asks for confirmation; with no terminal the build aborts, or"
        " hangs waiting for input."
    ),
    fix="Add `-y` (`apt-get install -y --no-install-recommends <packages>`).",
    check=_check_yes,
    hadolint=("DL3014",),
    aliases=("DS021",),
)


# -- HC3003 apt-get install without version pins -----------------------------------


# Debian virtual packages: provided by others, they have no version to pin (`libc-dev=x`
# fails), so asking for a pin is wrong advice (hadolint asks)
_VIRTUAL = frozenset(
    {
        "libc-dev", "awk", "c-compiler", "mail-transport-agent", "x-terminal-emulator",
        "www-browser", "java-runtime", "java-runtime-headless", "java-sdk",
        "java-sdk-headless", "editor", "pager", "x-window-manager", "default-dbus-session-bus",
    }
)  # fmt: skip


def _apt_pinned(pkg: str) -> bool:
    if pkg in _VIRTUAL:
        return True
    return "=" in pkg or "/" in pkg or pkg.endswith(".deb") or "$" in pkg or "*" in pkg


def _check_pin(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for ins, cmd in df.commands():
        if cmd.basename not in ("apt-get", "aptitude") or apt_action(cmd) != "install":
            continue
        loose = [p for p in apt_packages(cmd) if not _apt_pinned(p) or stray_variables(df, ins, p)]
        if loose:
            shown = ", ".join(loose[:4]) + (" ..." if len(loose) > 4 else "")
            yield at_command(
                cmd,
                f"{cmd.basename} install of unpinned packages: {shown}",
                fix=f"Pin versions: `{cmd.basename} install {loose[0]}=<version>`.",
            )


APT_PIN = Rule(
    id="HC3003",
    name="apt-unpinned-packages",
    title="apt-get install without pinned versions",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Unpinned packages install whatever the mirror serves at build time, so two builds"
        " of one commit differ. Debian mirrors drop superseded versions, so pins also need"
        " a snapshot mirror (snapshot.debian.org) or regular updates."
    ),
    fix="Pin each package: `apt-get install curl=7.88.1-10+deb12u5`.",
    check=_check_pin,
    hadolint=("DL3008",),
)


# -- HC4011 apt lists left in the image ------------------------------------------------


def _check_lists(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for ins in df.runs():
        if not ships(ins, chain):
            continue
        updates = [c for c in ins.commands() if apt_action(c) == "update"]
        if not updates:
            continue
        if removes(ins, "/var/lib/apt/lists") or has_cache_mount(ins, "/var/lib/apt"):
            continue
        if any(apt_action(c) == "dist-clean" for c in ins.commands()):
            continue  # apt 3: `apt-get dist-clean` also deletes the lists
        yield at_command(
            updates[0],
            "apt-get update leaves its package lists (/var/lib/apt/lists, tens of MB) in"
            " this layer",
        )


APT_LISTS = Rule(
    id="HC4011",
    name="apt-lists-left",
    title="apt package lists left in the image",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "`apt-get update` downloads package indexes that are useless at run time; unless"
        " removed in the same RUN they stay in the layer forever, even if a later RUN"
        " deletes them."
    ),
    fix=(
        "End the same RUN with `&& rm -rf /var/lib/apt/lists/*`, or use"
        " `RUN --mount=type=cache,target=/var/lib/apt/lists ...`."
    ),
    check=_check_lists,
    hadolint=("DL3009",),
    aliases=("HC3004",),
)


# -- HC3005 apt instead of apt-get -----------------------------------------------------


def _check_apt_cli(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename == "apt":
            action = apt_action(cmd)
            if action in ("install", "update", "upgrade", "full-upgrade", "remove", "purge"):
                yield at_command(
                    cmd,
                    f"`apt {action}` is the interactive front end; its CLI is not stable for"
                    " scripts",
                    fix=f"Use `apt-get {action}` instead.",
                )


APT_CLI = Rule(
    id="HC3005",
    name="apt-instead-of-apt-get",
    title="apt used instead of apt-get",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "`apt` is meant for people at a terminal: it warns that its interface may change"
        " and behaves differently without a tty. `apt-get` is the stable scripting tool."
    ),
    fix="Replace `apt` with `apt-get` (or `apt-cache` for searches).",
    check=_check_apt_cli,
    hadolint=("DL3027",),
    aliases=("CKV_DOCKER_9",),
)


# -- HC3006 full distribution upgrade during the build ---------------------------------

_UPGRADES = {
    "apt-get": ("upgrade", "dist-upgrade", "full-upgrade"),
    "apt": ("upgrade", "dist-upgrade", "full-upgrade"),
    "aptitude": ("upgrade", "safe-upgrade", "full-upgrade", "dist-upgrade"),
    "apk": ("upgrade",),
    "yum": ("upgrade", "update", "distro-sync"),
    "dnf": ("upgrade", "update", "distro-sync", "up", "upgrade-minimal"),
    "dnf5": ("upgrade", "update", "distro-sync", "up", "upgrade-minimal"),
    "microdnf": ("upgrade", "update"),
    "tdnf": ("upgrade", "update", "distro-sync"),
    "zypper": ("dist-upgrade", "dup", "update", "up"),
}


def _check_upgrade(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        actions = _UPGRADES.get(cmd.basename)
        if actions is None:
            continue
        action = cmd.subcommand(APT_VALUE_OPTIONS)
        if action not in actions:
            continue
        if (
            cmd.basename in ("yum", "dnf", "dnf5", "microdnf", "tdnf", "zypper")
            and cmd.positional()[1:]
        ):
            continue  # `yum update pkg` updates named packages only
        code = "DL3035" if cmd.basename == "zypper" else "DL3005"
        yield Hit(
            cmd.line,
            cmd.end_line,
            f"`{cmd.basename} {action}` upgrades every package of the base image to whatever"
            " the mirror has today",
            extra={"hadolint": code},
        )


UPGRADE = Rule(
    id="HC3006",
    name="system-upgrade",
    title="Whole-system package upgrade in the build",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Upgrading everything makes the image depend on the day it was built and hides"
        " which base image it really runs on; a fresher base image tag (rebuilt by its"
        " maintainers) gives the same fixes reproducibly."
    ),
    fix=(
        "Use a recent, patched base image tag (ideally by digest) and upgrade only the"
        " packages you need (`apt-get install --only-upgrade <pkg>`)."
    ),
    check=_check_upgrade,
    hadolint=("DL3005", "DL3035"),
    aliases=("DS024", "DKL-DI-0003"),
)


# -- HC4010 apt-get install without --no-install-recommends ------------------------------

_APT_VALUE_OPTIONS = ("-o", "-c", "-t", "--option", "--config-file", "--target-release")


def _check_recommends(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename not in ("apt-get", "aptitude"):
            continue
        if cmd.subcommand(_APT_VALUE_OPTIONS) != "install":
            continue
        if cmd.has_flag("--no-install-recommends", "--without-recommends"):
            continue
        if cmd.basename == "aptitude" and cmd.has_flag("-R"):
            continue
        if any("Install-Recommends" in a for a in cmd.args):  # -o APT::Install-Recommends=0
            continue
        yield at_command(
            cmd,
            f"{cmd.basename} install pulls in recommended packages too",
        )


NO_INSTALL_RECOMMENDS = Rule(
    id="HC4010",
    name="apt-install-recommends",
    title="apt-get install without --no-install-recommends",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Recommended packages are not needed to run your software; they enlarge the image"
        " and its attack surface (more packages, more CVEs to triage)."
    ),
    fix="Add `--no-install-recommends` to `apt-get install`.",
    check=_check_recommends,
    hadolint=("DL3015",),
    aliases=("HC3001", "DS029"),
)


RULES = (
    NO_INSTALL_RECOMMENDS,
    ASSUME_YES,
    APT_PIN,
    APT_LISTS,
    APT_CLI,
    UPGRADE,
)
