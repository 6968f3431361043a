"""Red Hat/SUSE family rules (yum, dnf, microdnf, zypper): prompts, cache left behind, pins.

One rule per hadolint code so configs that ignore DL3033 keep meaning the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.rules.common import final_chain, has_cache_mount, ships, stray_variables

_VALUE_OPTIONS = (
    "-c",
    "--config",
    "-x",
    "--exclude",
    "--installroot",
    "--releasever",
    "--setopt",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repofrompath",
    "-R",
    "--root",
    "--from",
    "-r",
)
_INSTALLS = frozenset({"install", "in", "groupinstall", "localinstall", "reinstall"})
_YES = ("-y", "--assumeyes", "--assume-yes", "-n", "--non-interactive", "--no-confirm")


def _action(cmd: Command) -> str | None:
    return cmd.subcommand(_VALUE_OPTIONS)


_DNF_FAMILY = ("dnf", "microdnf", "dnf5", "tdnf")
# actions that download metadata and packages into the cache, besides installs
_FILLS_CACHE = frozenset(
    {"upgrade", "update", "up", "upgrade-minimal", "distro-sync", "dist-upgrade", "dup", "patch"}
)


def _is_tool(cmd: Command, tool: str) -> bool:
    return cmd.basename == tool or (tool == "dnf" and cmd.basename in _DNF_FAMILY)


def _installs(cmd: Command, tool: str) -> bool:
    if not _is_tool(cmd, tool):
        return False
    pos = cmd.positional(_VALUE_OPTIONS)
    if not pos:
        return False
    if pos[0] == "module":
        return len(pos) > 1 and pos[1] == "install"
    return pos[0] in _INSTALLS


def _packages(cmd: Command) -> tuple[list[str], bool]:
    pos = list(cmd.positional(_VALUE_OPTIONS))
    if pos and pos[0] == "module":
        return pos[2:], True
    return pos[1:], False


# -- non-interactive -------------------------------------------------------------------


def _yes_rule(rule_id: str, tool: str, code: str) -> Rule:
    def check(ctx: RuleContext) -> Iterator[Hit]:
        for _ins, cmd in ctx.dockerfile.commands():
            if _installs(cmd, tool) and not cmd.has_flag(*_YES):
                yield at_command(
                    cmd,
                    f"{tool} {_action(cmd)} without -y stops at the confirmation prompt",
                    fix=f"Add `-y`: `{tool} install -y <packages>`"
                    + (" (or `zypper --non-interactive install`)." if tool == "zypper" else "."),
                )

    return Rule(
        id=rule_id,
        name=f"{tool}-install-without-yes",
        title=f"{tool} install without -y",
        severity=Severity.MEDIUM,
        practice=Practice.BUILD,
        explanation=(
            f"Without `-y`, {tool} asks for confirmation; with no terminal the build aborts"
            " or hangs."
        ),
        fix=f"Add `-y` to `{tool} install`.",
        check=check,
        hadolint=(code,),
    )


YUM_YES = _yes_rule("HC3012", "yum", "DL3030")
DNF_YES = _yes_rule("HC3013", "dnf", "DL3038")
ZYPPER_YES = _yes_rule("HC3014", "zypper", "DL3034")


# -- caches ------------------------------------------------------------------------------


def _fills_cache(cmd: Command, tool: str) -> bool:
    return _installs(cmd, tool) or (_is_tool(cmd, tool) and _action(cmd) in _FILLS_CACHE)


def _is_clean(cmd: Command, tools: tuple[str, ...]) -> bool:
    """``yum clean all``, ``dnf clean all``, ``zypper clean``/``cc``: not ``yum clean
    metadata`` (downloaded packages and the rpmdb cache stay)."""
    if not any(_is_tool(cmd, t) for t in tools) or _action(cmd) not in ("clean", "cc"):
        return False
    what = cmd.positional(_VALUE_OPTIONS)[1:]
    return cmd.basename == "zypper" or not what or "all" in what


def _cleans_after(
    ins: Instruction, tools: tuple[str, ...], cache_dirs: tuple[str, ...], last: int
) -> bool:
    """Whether the cache is emptied after the last command that fills it (a clean before
    an install, or one followed by a second install, leaves the cache behind)."""
    if has_cache_mount(ins, *cache_dirs):
        return True
    for index, cmd in enumerate(ins.commands()):
        if index <= last:
            continue
        if _is_clean(cmd, tools):
            return True
        if cmd.basename in ("rm", "find", "rmdir") and any(
            a.startswith(cache_dirs) for a in cmd.args
        ):
            return True
    return False


def _clean_rule(
    rule_id: str,
    tools: tuple[str, ...],
    code: str,
    cache_dirs: tuple[str, ...],
    clean: str,
    *,
    former: str,
) -> Rule:
    main = tools[0]

    def check(ctx: RuleContext) -> Iterator[Hit]:
        df = ctx.dockerfile
        chain = final_chain(df)
        for ins in df.runs():
            if not ships(ins, chain):
                continue
            commands = ins.commands()
            fills = [i for i, c in enumerate(commands) if any(_fills_cache(c, t) for t in tools)]
            if fills and not _cleans_after(ins, tools, cache_dirs, fills[-1]):
                first = commands[fills[0]]
                cache = next((d for d in cache_dirs if first.basename in d), cache_dirs[0])
                yield at_command(
                    first,
                    f"{first.basename} {_action(first)} leaves its metadata and package cache"
                    f" ({cache}) in this layer",
                    fix=f"End the same RUN with `&& {clean}`.",
                )

    return Rule(
        id=rule_id,
        name=f"{main}-cache-left",
        title=f"{main} cache left in the image",
        severity=Severity.LOW,
        practice=Practice.LAYER_HYGIENE,
        explanation=(
            f"{main} keeps repository metadata and downloaded packages under {cache_dirs[0]};"
            " unless removed in the same RUN they ship in the image."
        ),
        fix=(
            f"End the same RUN with `&& {clean}`, or use"
            f" `RUN --mount=type=cache,target={cache_dirs[0]} ...`."
        ),
        check=check,
        hadolint=(code,),
        aliases=(former,),  # the id it had before ids were grouped by practice
    )


YUM_CLEAN = _clean_rule(
    "HC4013",
    ("yum",),
    "DL3032",
    ("/var/cache/yum",),
    "yum clean all && rm -rf /var/cache/yum",
    former="HC3015",
)
DNF_CLEAN = _clean_rule(
    "HC4014",
    ("dnf",),
    "DL3040",
    ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5", "/var/cache/tdnf"),
    "dnf clean all",
    former="HC3016",
)
ZYPPER_CLEAN = _clean_rule(
    "HC4015", ("zypper",), "DL3036", ("/var/cache/zypp",), "zypper clean --all", former="HC3017"
)


# -- pins -------------------------------------------------------------------------------

_RPM_VERSION = re.compile(r"-\d")


def _rpm_pinned(pkg: str, module: bool) -> bool:
    if module:
        return ":" in pkg or "$" in pkg
    return bool(_RPM_VERSION.search(pkg)) or pkg.endswith(".rpm") or any(c in pkg for c in "$*/@")


def _zypper_pinned(pkg: str, module: bool) -> bool:
    return any(c in pkg for c in "=<>$*/") or pkg.endswith(".rpm")


def _pin_rule(rule_id: str, tool: str, code: str, example: str) -> Rule:
    pinned = _zypper_pinned if tool == "zypper" else _rpm_pinned

    def check(ctx: RuleContext) -> Iterator[Hit]:
        df = ctx.dockerfile
        for ins, cmd in df.commands():
            if not _installs(cmd, tool):
                continue
            packages, module = _packages(cmd)
            loose = [p for p in packages if not pinned(p, module) or stray_variables(df, ins, p)]
            if loose:
                shown = ", ".join(loose[:4]) + (" ..." if len(loose) > 4 else "")
                yield at_command(cmd, f"{tool} install of unpinned packages: {shown}")

    return Rule(
        id=rule_id,
        name=f"{tool}-unpinned-packages",
        title=f"{tool} install without pinned versions",
        severity=Severity.LOW,
        practice=Practice.BUILD,
        explanation=(
            f"Unpinned packages install whatever the {tool} repositories serve at build time,"
            " so two builds of one commit differ."
        ),
        fix=f"Pin each package: `{example}`.",
        check=check,
        hadolint=(code,),
    )


YUM_PIN = _pin_rule("HC3018", "yum", "DL3033", "yum install -y httpd-2.4.57")
DNF_PIN = _pin_rule("HC3019", "dnf", "DL3041", "dnf install -y httpd-2.4.57")
ZYPPER_PIN = _pin_rule("HC3020", "zypper", "DL3037", "zypper install -y httpd=2.4.57")

RULES = (
    YUM_YES,
    DNF_YES,
    ZYPPER_YES,
    YUM_CLEAN,
    DNF_CLEAN,
    ZYPPER_CLEAN,
    YUM_PIN,
    DNF_PIN,
    ZYPPER_PIN,
)
