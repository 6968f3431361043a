"""Shared helpers of the rule modules (no rules here): stages that ship, cache mounts, apt words.

Registered as framework, like ``base``: ``tests/lint/test_registry.py`` does not expect
it in ``registry.MODULES``.
"""

from __future__ import annotations

from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.shell import Command

APT_VALUE_OPTIONS = (
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
)


def apt_action(cmd: Command) -> str | None:
    """``install`` for ``apt-get -q install x``; None when not apt-get/apt."""
    if cmd.basename not in ("apt-get", "apt"):
        return None
    return cmd.subcommand(APT_VALUE_OPTIONS)


def apt_packages(cmd: Command) -> tuple[str, ...]:
    """The package words after the action (options and their values dropped)."""
    return cmd.positional(APT_VALUE_OPTIONS)[1:]


def final_chain(dockerfile: Dockerfile) -> set[int]:
    """Indices of the final stage and the stages it builds FROM (what ships)."""
    out: set[int] = set()
    stage = dockerfile.final_stage
    while stage is not None and stage.index not in out:
        out.add(stage.index)
        stage = dockerfile.stages[stage.parent] if stage.parent is not None else None
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
