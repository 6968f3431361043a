"""Layer hygiene: toolchains shipped, split RUNs, archives copied then unpacked, build context.

Only stages that ship (the final stage and the stages it builds FROM) matter for what
the image carries.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.words import unquote
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command, at_line
from hullcheck.rules.common import ARCHIVE_SUFFIXES, apt_action, final_chain, ships
from hullcheck.rules.privileges import installed_packages

# -- HC4001 build toolchain in the final image -------------------------------------------

_TOOLS = frozenset(
    {
        "gcc", "g++", "clang", "make", "cmake", "build-essential", "build-base", "golang",
        "golang-go", "go", "rustc", "cargo", "autoconf", "automake", "libtool", "gfortran",
        "cpp", "musl-dev", "libc6-dev", "libc-dev", "gcc-c++", "ninja-build", "meson",
        "maven", "gradle", "default-jdk", "openjdk-17-jdk", "openjdk-21-jdk", "nodejs-dev",
        "python3-dev", "python-dev", "linux-headers", "kernel-devel",
    }
)  # fmt: skip
_REMOVERS = {"apt-get": ("purge", "remove", "autoremove"), "apk": ("del",), "yum": ("remove",),
             "dnf": ("remove",), "zypper": ("remove", "rm")}  # fmt: skip


def _is_tool(pkg: str) -> bool:
    return pkg in _TOOLS or pkg.endswith(("-dev", "-devel")) or bool(re.match(r"^gcc-\d", pkg))


def _removed_later(ins: Instruction, pkg: str, virtual: str | None) -> bool:
    for cmd in ins.commands():
        actions = _REMOVERS.get(cmd.basename)
        if actions is None:
            continue
        pos = cmd.positional(("-o",))
        if pos and pos[0] in actions and (pkg in pos[1:] or (virtual and virtual in pos[1:])):
            return True
    return False


def _purges_build_deps(ins: Instruction) -> bool:
    """docker-library's pattern: ``apt-mark auto '.*'; apt-mark manual $saved;`` then
    ``apt-get purge --auto-remove`` drops everything installed in this RUN."""
    cmds = ins.commands()
    marks = any(c.basename == "apt-mark" and c.args[:1] == ("auto",) for c in cmds)
    purge = any(
        apt_action(c) in ("purge", "remove", "autoremove")
        and (c.has_flag("--auto-remove") or apt_action(c) == "autoremove")
        for c in cmds
    )
    return marks and purge


def _check_toolchain(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for ins in df.runs():
        if not ships(ins, chain) or _purges_build_deps(ins):
            continue
        for cmd in ins.commands():
            pkgs = installed_packages(cmd)
            if not pkgs:
                continue
            virtual = cmd.flag_value("-t", "--virtual") if cmd.basename == "apk" else None
            tools = [p for p in pkgs if _is_tool(p) and not _removed_later(ins, p, virtual)]
            if tools:
                shown = ", ".join(tools[:4]) + (" ..." if len(tools) > 4 else "")
                yield at_command(
                    cmd,
                    f"build tools installed in the final image: {shown}",
                )


TOOLCHAIN = Rule(
    id="HC4001",
    name="build-toolchain-left",
    title="Build toolchain left in the final image",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Compilers, headers and build systems are needed to build, not to run: in the final"
        " image they add hundreds of MB and hand an attacker a ready toolchain."
    ),
    fix=(
        "Use a multi-stage build: compile in a `FROM ... AS build` stage and COPY only the"
        " artifacts into a slim final stage (or remove the packages in the same RUN, e.g."
        " `apk add --virtual .build-deps ... && apk del .build-deps`)."
    ),
    check=_check_toolchain,
    aliases=("CIS-DI-0003",),
)


# -- HC4002 consecutive RUNs -------------------------------------------------------------


def _short(ins: Instruction) -> bool:
    """One command: a RUN of `a && b` is usually a deliberate unit, not a stray layer."""
    return ins.script is not None and len([c for c in ins.commands() if c.wrapper is None]) <= 1


def _check_consecutive(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for stage in df.stages:
        if stage.index not in chain:
            continue  # a builder stage's layers never ship
        prev: Instruction | None = None
        for ins in stage.instructions:
            if ins.keyword != "RUN":
                prev = None
                continue
            if (
                prev is not None
                and prev.flags == ins.flags
                and _short(prev)
                and _short(ins)
                and not ins.heredocs
                and not prev.heredocs
            ):
                yield at_line(ins, f"RUN right after the RUN on line {prev.line} adds a layer")
            prev = ins


CONSECUTIVE = Rule(
    id="HC4002",
    name="consecutive-run-instructions",
    title="Consecutive single-command RUN instructions",
    severity=Severity.INFO,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Each RUN is a layer; short consecutive RUNs in the shipped stages add layers (and"
        " keep files deleted only in a later one). Builder stages are not reported: their"
        " layers never ship."
    ),
    fix="Join them with `&&` (or a heredoc `RUN <<EOF`).",
    check=_check_consecutive,
    hadolint=("DL3059",),
)


# -- HC3048 apt-get update in its own RUN ------------------------------------------------


def _check_update_alone(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        cmds = ins.commands()
        actions = [apt_action(c) for c in cmds if c.basename in ("apt-get", "apt")]
        if "update" in actions and "install" not in actions and "upgrade" not in actions:
            if any(c.basename in ("add-apt-repository",) for c in cmds):
                continue
            update = next(c for c in cmds if apt_action(c) == "update")
            yield at_command(
                update,
                "apt-get update alone in a RUN: its cached layer keeps old package lists, so"
                " a later `apt-get install` fails or installs stale versions",
                fix="Run `apt-get update && apt-get install -y ...` in the same RUN.",
            )


UPDATE_ALONE = Rule(
    id="HC3048",
    name="separate-apt-update",
    title="apt-get update in a separate RUN",
    severity=Severity.MEDIUM,
    practice=Practice.BUILD,
    explanation=(
        "Docker caches each RUN: a separate `apt-get update` layer is reused for months"
        " while the install RUN is rebuilt, so it asks for package versions the mirror has"
        " deleted (404) or misses security updates."
    ),
    fix="Combine: `RUN apt-get update && apt-get install -y ... && rm -rf /var/lib/apt/lists/*`.",
    check=_check_update_alone,
    aliases=("HC4003", "CKV_DOCKER_5", "DS017", "CIS-DI-0007"),
)


# -- HC4004 archive COPYed then unpacked -------------------------------------------------


_UNPACKERS = frozenset({"unzip", "gunzip", "bunzip2", "unxz", "unlzma", "zcat"})


def _basename(path: str) -> str:
    return unquote(path).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _check_copy_extract(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for stage in df.stages:
        archives: dict[str, Instruction] = {}
        for ins in stage.instructions:
            if ins.keyword == "COPY" and ins.flag("from") is None and len(ins.arg_list) >= 2:
                srcs = ins.arg_list[:-1]
                dest = ins.arg_list[-1]
                names = (
                    [_basename(dest)]
                    if dest.lower().endswith(ARCHIVE_SUFFIXES)
                    else [_basename(s) for s in srcs if s.lower().endswith(ARCHIVE_SUFFIXES)]
                )
                for name in names:
                    archives[name] = ins
            elif ins.keyword == "RUN" and archives:
                for cmd in ins.commands():
                    extracts = cmd.basename in _UNPACKERS or (
                        cmd.basename == "tar" and _tar_extracts(cmd.args)
                    )
                    if not extracts:
                        continue
                    for arg in cmd.args:
                        copy = archives.pop(_basename(arg), None)
                        if copy is not None:
                            yield at_line(
                                copy,
                                f"{_basename(arg)} is copied here and unpacked on line"
                                f" {cmd.line}: the archive stays in this layer",
                            )


def _tar_extracts(args: tuple[str, ...]) -> bool:
    for arg in args:
        if arg in ("--extract", "--get"):
            return True
        if not arg.startswith("--") and "x" in arg.lstrip("-") and arg[:1] == "-":
            return True
        if arg == args[0] and not arg.startswith("-") and "x" in arg and arg.isalpha():
            return True
    return False


COPY_EXTRACT = Rule(
    id="HC4004",
    name="archive-unpacked-later",
    title="Archive copied, then unpacked in a later RUN",
    severity=Severity.INFO,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "The COPY layer keeps the archive even if the RUN deletes it after unpacking, so"
        " the image carries it twice (packed and unpacked)."
    ),
    fix=(
        "Use `ADD archive.tar.gz /dest/` (ADD unpacks local tars), or"
        " `RUN --mount=type=bind,source=archive.tgz,target=/tmp/a.tgz tar -xzf /tmp/a.tgz`."
    ),
    check=_check_copy_extract,
    hadolint=("DL3010",),
)


# -- HC4005 COPY of the whole context without .dockerignore ------------------------------


def _has_dockerignore(path: str) -> bool:
    """A .dockerignore next to the Dockerfile, or BuildKit's ``<Dockerfile>.dockerignore``."""
    folder = os.path.dirname(path) or "."
    return os.path.exists(os.path.join(folder, ".dockerignore")) or os.path.exists(
        path + ".dockerignore"
    )


def _check_context(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    whole = [
        ins
        for ins in df.find("COPY", "ADD")
        if ins.flag("from") is None
        and any(unquote(s) in (".", "./", "*") for s in ins.arg_list[:-1])
    ]
    if whole and not _has_dockerignore(df.path):
        yield at_line(
            whole[0],
            "copies the whole build context and no .dockerignore sits next to this"
            " Dockerfile: .git, .env files, keys and local builds can end up in the image",
            fix="Add a .dockerignore (`.git`, `.env*`, `*.pem`, `node_modules`, build output),"
            " or copy only what the image needs.",
        )


CONTEXT = Rule(
    id="HC4005",
    name="context-without-dockerignore",
    title="Whole build context copied without a .dockerignore",
    severity=Severity.INFO,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "`COPY . .` takes everything in the context directory; without a .dockerignore that"
        " includes VCS history, credentials files and artifacts, which then ship in a layer."
    ),
    fix="Add a .dockerignore next to the Dockerfile, or COPY explicit paths.",
    check=_check_context,
)

# -- HC4006 the whole filesystem of another stage copied


def _scratch_based(dockerfile: Dockerfile, index: int) -> bool:
    stage: Stage | None = dockerfile.stages[index]
    while stage is not None and stage.parent is not None:
        stage = dockerfile.stages[stage.parent]
    return stage is not None and stage.is_scratch


def _check_copy_root(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for stage in df.stages:
        for ins in stage.find("COPY"):
            src = ins.flag("from")
            args = [unquote(a) for a in ins.arg_list]
            if not src or len(args) < 2 or not any(a in ("/", "/.", "/*") for a in args[:-1]):
                continue
            named = df.stage_named(src)
            if named is not None and (
                named.index >= stage.index or _scratch_based(df, named.index)
            ):
                continue  # an export stage built FROM scratch holds only artifacts
            yield at_line(
                ins,
                f"copies the whole filesystem of {src}: its OS, package database and caches"
                " come along",
                fix="Copy only the paths the image needs (`COPY --from=build /app/bin/ /app/`).",
            )


COPY_ROOT = Rule(
    id="HC4006",
    name="whole-filesystem-copied",
    title="Whole filesystem copied from another stage",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "`COPY --from=stage / /` duplicates a full OS into the image (one more copy of every"
        " library and tool, invisible to package scanners since the package database is"
        " overwritten or mixed)."
    ),
    fix="Copy only the build artifacts, or build the stage FROM scratch as an export stage.",
    check=_check_copy_root,
    hadolint=("DL3067",),
)

RULES = (TOOLCHAIN, CONSECUTIVE, UPDATE_ALONE, COPY_EXTRACT, CONTEXT, COPY_ROOT)
