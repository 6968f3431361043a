"""Installs that ignore the project's lockfile: ``npm install``, ``yarn``/``pnpm install``
without their frozen flag, ``composer update``, and ``cargo install`` without ``--locked``.

A lockfile is what makes two builds of one commit install the same dependency tree; an
install that may re-resolve (and rewrite the lock) builds whatever the registry serves
that day, the supply-chain gap ``npm ci`` and ``--frozen-lockfile`` exist to close.
Installing named packages (``npm install left-pad@1.3.0``) is HC3023's business, not
this family's: only the bare install of a project's own dependencies is judged here.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.rules.common import NODE_VALUE_OPTIONS, prints_only

# yarn 1 spells it --frozen-lockfile, yarn 2+ --immutable; pnpm --frozen-lockfile
_FROZEN = ("--frozen-lockfile", "--immutable", "--pure-lockfile")


def _loose_node_install(cmd: Command) -> str | None:
    """What to run instead, when ``cmd`` installs a project's dependencies loosely."""
    pos = cmd.positional(NODE_VALUE_OPTIONS)
    if cmd.basename == "npm":
        if pos in (("install",), ("i",)):
            return "npm ci"
    elif cmd.basename in ("yarn", "pnpm") and pos in ((), ("install",), ("i",)):
        if not pos and (cmd.basename == "pnpm" or prints_only(cmd)):
            return None  # bare `pnpm` prints its help; `yarn --version` installs nothing
        if not cmd.has_flag(*_FROZEN):
            return f"{cmd.basename} install --frozen-lockfile"
    elif cmd.basename == "composer" and cmd.positional(("-d", "--working-dir")) in (
        ("update",),
        ("u",),
    ):
        return "composer install"
    return None


def _check_node(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        instead = _loose_node_install(cmd)
        if instead is not None:
            shown = " ".join(cmd.argv[:3])
            yield at_command(
                cmd,
                f"`{shown}` may re-resolve dependencies and rewrite the lockfile",
                fix=f"Install exactly what the lockfile says: `{instead}`.",
            )


LOCKFILE = Rule(
    id="HC3027",
    name="install-ignores-lockfile",
    title="Dependencies installed without enforcing the lockfile",
    severity=Severity.MEDIUM,
    practice=Practice.BUILD,
    explanation=(
        "`npm install`, `yarn install` and `pnpm install` without `--frozen-lockfile`, and"
        " `composer update`, resolve version ranges again and may rewrite the lockfile, so"
        " the image gets whatever versions the registry serves at build time (a compromised"
        " release included) instead of the reviewed tree in the lockfile; and when the lock"
        " is out of date the build silently goes on instead of failing."
    ),
    fix=(
        "Use `npm ci`, `yarn install --frozen-lockfile` (yarn 2+: `--immutable`),"
        " `pnpm install --frozen-lockfile` or `composer install`."
    ),
    check=_check_node,
)


def _check_cargo(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename != "cargo" or cmd.subcommand(("--root", "--version", "--git")) != "install":
            continue
        if cmd.has_flag("--locked", "--frozen"):
            continue
        yield at_command(
            cmd,
            "`cargo install` without `--locked` ignores the crate's Cargo.lock",
            fix="Add `--locked`: `cargo install --locked ...`.",
        )


CARGO = Rule(
    id="HC3028",
    name="cargo-install-without-locked",
    title="cargo install without --locked",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Unlike `cargo build`, `cargo install` ignores the Cargo.lock a crate ships and"
        " resolves the newest semver-compatible dependencies at build time, so the same"
        " Dockerfile builds different (sometimes broken or compromised) dependency trees."
    ),
    fix="Add `--locked` (and pin the crate: `cargo install --locked ripgrep@14.1.1`).",
    check=_check_cargo,
)

RULES = (LOCKFILE, CARGO)
