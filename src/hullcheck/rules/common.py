"""Shared helpers of the rule modules (no rules here): stages that ship, cache mounts, apt words.

Registered as framework, like ``base``: ``tests/lint/test_registry.py`` does not expect
it in ``registry.MODULES``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.imageref import ImageRef
from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.shell import Command
from hullcheck.dockerfile.words import unquote

URL_SOURCE = re.compile(r"^(https?|ftp)://", re.IGNORECASE)
GIT_SOURCE = re.compile(r"^(git@|git://|https?://[^ ]+\.git([#?]|$)|ssh://)", re.IGNORECASE)
ARCHIVE_SUFFIXES = (
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
    ".tar.lz", ".tar.lzma", ".tlz", ".gz", ".bz2", ".xz", ".zst", ".lz", ".lzma", ".zip",
)  # fmt: skip
ADD_UNPACKS = tuple(s for s in ARCHIVE_SUFFIXES if s != ".zip")
"""What ADD extracts: tar archives, plain or compressed; a .zip is copied as it is."""


def add_sources(ins: Instruction) -> list[str]:
    """The sources of an ADD or COPY (every argument but the destination), unquoted;
    heredoc sources (``<<EOF``) left out."""
    args = [unquote(a) for a in ins.arg_list]
    return [a for a in args[:-1] if not a.startswith("<<")]


def prints_only(cmd: Command) -> bool:
    """``--version`` or ``--help`` (``-v``, ``-h``): the tool prints and installs nothing
    (``yarn --version`` in the official node images is a smoke test, not an install)."""
    return cmd.has_flag("--version", "-v", "--help", "-h")


NODE_VALUE_OPTIONS = (
    "--prefix",
    "--registry",
    "--cache",
    "--userconfig",
    "-C",
    "-w",
    "--workspace",
    "--loglevel",
    "--omit",
    "--include",
    "--install-strategy",
    "--before",
    "--tag",
    "--dir",
    "--filter",
    "--cwd",
    "--modules-folder",
    "--network-timeout",
    "--mutex",
    "--cache-folder",
    "--global-folder",
)
"""Options of npm, yarn and pnpm that take a value (the next word is not a subcommand or a
package)."""


APT_VALUE_OPTIONS = (
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
)


APT_TOOLS = ("apt-get", "apt", "aptitude")


def apt_action(cmd: Command) -> str | None:
    """``install`` for ``apt-get -q install x``; None when not apt-get, apt or aptitude."""
    if cmd.basename not in APT_TOOLS:
        return None
    return cmd.subcommand(APT_VALUE_OPTIONS)


def apt_packages(cmd: Command) -> tuple[str, ...]:
    """The package words after the action (options and their values dropped)."""
    return cmd.positional(APT_VALUE_OPTIONS)[1:]


def final_chain(dockerfile: Dockerfile) -> set[int]:
    """Indices of the stages whose files can ship: build targets and the stages they build FROM.

    A target is the final stage or any stage no other stage uses (by FROM, COPY --from
    or RUN --mount from=): those are what ``docker build --target`` makes.  A stage
    only copied from is a builder; its layers are thrown away.
    """
    if _CHAIN and _CHAIN[0][0] is dockerfile:
        return _CHAIN[0][1]
    chain = _shipped(dockerfile)
    _CHAIN[:] = [(dockerfile, chain)]
    return chain


_CHAIN: list[tuple[Dockerfile, set[int]]] = []
"""One-entry cache: every ship-aware rule asks for the same file in turn."""


def _shipped(dockerfile: Dockerfile) -> set[int]:
    stages = dockerfile.stages
    if not stages:
        return set()
    used: set[int] = set()
    for stage in stages:
        if stage.parent is not None:
            used.add(stage.parent)
        for ins in stage.instructions:
            refs = [ins.flag("from")] if ins.keyword in ("COPY", "ADD") else []
            if ins.keyword == "RUN":
                refs.extend(m.get("from") for m in ins.mounts)
            for ref in refs:
                if ref:
                    named = dockerfile.stage_named(ref)
                    if named is not None and named.index != stage.index:
                        used.add(named.index)
    out: set[int] = set()
    for leaf in [s for s in stages if s.index not in used] + [stages[-1]]:
        current: Stage | None = leaf
        while current is not None and current.index not in out:
            out.add(current.index)
            current = stages[current.parent] if current.parent is not None else None
    return out


def ships(ins: Instruction, chain: set[int]) -> bool:
    """Whether ``ins`` leaves its files in the final image (ONBUILD triggers count)."""
    return ins.stage is None or ins.stage in chain


def has_cache_mount(ins: Instruction, *prefixes: str) -> bool:
    """A ``--mount=type=cache|tmpfs`` whose target lies under one of ``prefixes``."""
    for mount in ins.mounts:
        if mount.get("type") in ("cache", "tmpfs"):
            target = mount.get("target") or mount.get("dst") or mount.get("destination") or ""
            if any(target.rstrip("/").startswith(p.rstrip("/")) for p in prefixes):
                return True
    return False


def removes(ins: Instruction, prefix: str) -> bool:
    """Whether the RUN deletes something under ``prefix`` (``rm -rf /var/lib/apt/lists/*``)."""
    for cmd in ins.commands():
        if cmd.basename in ("rm", "find", "rmdir") and any(a.startswith(prefix) for a in cmd.args):
            return True
    return False


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


def _declared(ins: Instruction) -> list[str]:
    return [name for name, _ in ins.key_values] if ins.keyword in ("ARG", "ENV") else []


def stray_variables(df: Dockerfile, ins: Instruction, word: str) -> list[str]:
    """Variables ``word`` uses that the Dockerfile declares (ARG or ENV) but not where
    ``ins`` runs: in another stage, or an ARG before FROM that the stage never redeclared.
    Build-time they expand to nothing, so ``curl=${CURL_VERSION}`` pins nothing.  A
    variable declared nowhere may come from the base image's ENV and is not judged; a
    shell assignment in the same RUN (``V=1 && ...``, ``export V=1``) counts as declared."""
    used = {a or b for a, b in _VARIABLE.findall(word)}
    if not used or ins.stage is None:
        return []
    everywhere = set(df.global_args)
    for other in df.instructions:
        everywhere.update(_declared(other))
    suspects = used & everywhere
    if not suspects:
        return []
    in_scope: set[str] = set()
    own, *parents = df.lineage(df.stages[ins.stage])
    for other in own.instructions:
        if other.line >= ins.line:
            break
        if other.keyword in ("ARG", "ENV"):
            in_scope.update(_declared(other))
    for parent in parents:  # an ARG does not outlive its stage; ENV is inherited through FROM
        for other in parent.find("ENV"):
            in_scope.update(_declared(other))
    script = ins.args
    assigned = {n for n in suspects if re.search(rf"(?:^|[\s;&|(]){n}=", script)}
    return sorted(suspects - in_scope - assigned)


_LOOKS_LIKE_IMAGE = re.compile(r"[:/@.]")


def external_images(df: Dockerfile) -> Iterator[tuple[Instruction, str, ImageRef]]:
    """Each (instruction, how it names the image, the image) of COPY --from and mounts."""
    for stage in df.stages:
        for ins in stage.find("COPY", "RUN"):
            names = [ins.flag("from") or ""] if ins.keyword == "COPY" else []
            names += [m.get("from", "") for m in ins.mounts if ins.keyword == "RUN"]
            for name in names:
                if "$" in name or not _LOOKS_LIKE_IMAGE.search(name):
                    continue
                found = df.from_reference(name, before=stage.index)
                if isinstance(found, ImageRef):
                    how = "COPY --from" if ins.keyword == "COPY" else "RUN --mount=from"
                    yield ins, f"{how}={name}", found
