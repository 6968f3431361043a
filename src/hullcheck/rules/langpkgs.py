"""Language package managers: pip, npm, gem, go install, yarn (pins and caches).

``python3 -m pip install`` is read as pip; ``pipx``/``pipenv`` are not pip.  Cache
rules only look at stages that ship (the final stage and its FROM parents): a pip cache
in a builder stage that is only copied from is thrown away with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.rules.common import (
    NODE_VALUE_OPTIONS,
    final_chain,
    has_cache_mount,
    prints_only,
    removes,
    ships,
    stray_variables,
)

_PIP_NAME = re.compile(r"^pip(\d+(\.\d+)?)?$")
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?$")
_PIP_VALUE_OPTIONS = (
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
    "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
    "--src", "--platform", "--python-version", "--implementation", "--abi", "--trusted-host",
    "--proxy", "--progress-bar", "--upgrade-strategy", "--no-binary", "--only-binary", "-b",
    "--build", "--cache-dir", "--log", "--timeout", "--retries", "--config-settings",
    "-C", "--global-option", "--report", "--root-user-action", "--python", "--exists-action",
    "--log-file", "--cert", "--client-cert", "--index", "--keyring-provider", "--use-feature",
    "--use-deprecated", "--pip-args",
)  # fmt: skip
# pip reads PIP_NO_CACHE_DIR with strtobool and, for backwards compatibility, turns the
# cache off for false values too: any value it accepts disables the cache
_STRTOBOOL = frozenset({"1", "true", "yes", "y", "t", "on", "0", "false", "no", "n", "f", "off"})


def pip_args(cmd: Command) -> tuple[str, ...] | None:
    """The arguments given to pip (``install x``), for ``pip``/``pip3``/``python -m pip``."""
    if _PIP_NAME.match(cmd.basename):
        return cmd.args
    if _PYTHON_NAME.match(cmd.basename):
        args = cmd.args
        for i, arg in enumerate(args[:-1]):
            if arg == "-m":
                return args[i + 2 :] if args[i + 1] == "pip" else None
            if not arg.startswith("-"):
                return None
    return None


def _pip_install(cmd: Command) -> Command | None:
    args = pip_args(cmd)
    if args is None:
        return None
    view = Command("pip", args, cmd.line, cmd.end_line)
    return view if view.subcommand(_PIP_VALUE_OPTIONS) == "install" else None


_VCS = ("git+", "hg+", "svn+", "bzr+")


def _pip_pinned(pkg: str) -> bool:
    if pkg.startswith(_VCS):
        return "@" in pkg.rsplit("/", 1)[-1]  # `git+https://host/x/y.git@v1.2`
    if any(op in pkg for op in ("==", ">=", "<=", "!=", "~=", "<", ">", "@", "$")):
        return True
    return pkg.endswith((".whl", ".tar.gz", ".zip", ".tgz")) or "/" in pkg or pkg.startswith(".")


def _pipx_install(cmd: Command) -> Command | None:
    if cmd.basename != "pipx":
        return None
    return cmd if cmd.subcommand(_PIP_VALUE_OPTIONS) == "install" else None


def _check_pip_pin(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for ins, cmd in df.commands():
        pip = _pip_install(cmd) or _pipx_install(cmd)
        if pip is None:
            continue
        if pip.has_flag("-r", "--requirement", "-c", "--constraint"):
            continue
        words = pip.positional(_PIP_VALUE_OPTIONS)[1:]
        loose = [p for p in words if not _pip_pinned(p) or stray_variables(df, ins, p)]
        if loose:
            shown = ", ".join(loose[:4]) + (" ..." if len(loose) > 4 else "")
            yield at_command(
                cmd,
                f"{pip.basename} install of unpinned packages: {shown}",
                fix=f"Pin versions (`{pip.basename} install {loose[0]}==<version>`) or install"
                " from a requirements file with hashes (`pip install --require-hashes -r r.txt`).",
            )


PIP_PIN = Rule(
    id="HC3021",
    name="pip-unpinned-packages",
    title="pip install without pinned versions",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Unpinned packages resolve to whatever PyPI serves at build time, including a"
        " just-published malicious or broken release."
    ),
    fix="Pin with `==` or use `pip install --require-hashes -r requirements.txt`.",
    check=_check_pip_pin,
    hadolint=("DL3013",),
)


def _env_true(dockerfile: Dockerfile, chain: set[int], name: str) -> set[int]:
    """Stages (in ``chain``) where ENV sets ``name`` to a truthy value, inherited by children."""
    out: set[int] = set()
    for stage in dockerfile.stages:
        if stage.parent is not None and stage.parent in out:
            out.add(stage.index)
        for ins in stage.find("ENV"):
            for key, value in ins.key_values:
                if key == name:
                    if (value or "").lower() in _STRTOBOOL:
                        out.add(stage.index)
                    else:
                        out.discard(stage.index)
    return out & chain


def _pip_cache_cleared(ins: Instruction) -> bool:
    if has_cache_mount(ins, "/root/.cache") or any(
        ".cache/pip" in (m.get("target") or "") for m in ins.mounts
    ):
        return True
    if removes(ins, "/root/.cache") or removes(ins, "~/.cache") or removes(ins, "$HOME/.cache"):
        return True
    for cmd in ins.commands():
        args = pip_args(cmd)
        if args and args[:2] == ("cache", "purge"):
            return True
        if any(a.startswith("PIP_NO_CACHE_DIR=") for a in (*cmd.assignments, *cmd.args)):
            return True  # inline, or `export PIP_NO_CACHE_DIR=1 && pip install`
    return False


def _check_pip_cache(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    env_set = _env_true(df, chain, "PIP_NO_CACHE_DIR")
    for ins in df.runs():
        if not ships(ins, chain) or ins.stage in env_set:
            continue
        for cmd in ins.commands():
            pip = _pip_install(cmd)
            if pip is None or pip.has_flag("--no-cache-dir", "--no-cache"):
                continue
            if _pip_cache_cleared(ins):
                break
            yield at_command(
                cmd,
                "pip install keeps its download and wheel cache (~/.cache/pip) in this layer",
            )
            break


PIP_CACHE = Rule(
    id="HC4016",
    name="pip-without-no-cache-dir",
    title="pip install without --no-cache-dir",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "pip caches every downloaded archive and built wheel under ~/.cache/pip; in an image"
        " that cache is never used again and often doubles the size of the installed packages."
    ),
    fix=(
        "Use `pip install --no-cache-dir ...`, set `ENV PIP_NO_CACHE_DIR=1`, or use"
        " `RUN --mount=type=cache,target=/root/.cache/pip ...`."
    ),
    check=_check_pip_cache,
    hadolint=("DL3042",),
    aliases=("HC3022",),
)


# -- npm ---------------------------------------------------------------------------------

_MOVING_TAGS = frozenset({"latest", "next", "canary", "beta", "alpha", "rc", "nightly", "*"})


def _npm_pinned(pkg: str) -> bool:
    if pkg.startswith(("git://", "git+ssh://", "git+http://", "git+https://", "github:")):
        return "#" in pkg
    if pkg.endswith((".tar", ".tar.gz", ".tgz")) or pkg.startswith(("/", "./", "../", "~/")):
        return True
    if "$" in pkg or pkg.startswith(("http://", "https://", "file:")):
        return True
    body = pkg[1:] if pkg.startswith("@") else pkg
    if "@" not in body:
        return False
    return body.rsplit("@", 1)[1] not in _MOVING_TAGS


def _node_packages(cmd: Command) -> tuple[str, ...] | None:
    """Package words of ``npm install/i/add``, ``pnpm add/install``, ``yarn add`` and
    ``yarn global add`` (``yarn install`` and ``pnpm install`` alone read the lockfile)."""
    pos = cmd.positional(NODE_VALUE_OPTIONS)
    if cmd.basename == "npm":
        if pos and pos[0] in ("install", "i", "add", "isntall", "in"):
            return pos[1:]
    elif cmd.basename == "pnpm":
        if pos and pos[0] in ("add", "install", "i"):
            return pos[1:]
    elif cmd.basename == "yarn":
        if pos[:2] == ("global", "add"):
            return pos[2:]
        if pos[:1] == ("add",):
            return pos[1:]
    return None


def _check_npm_pin(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for ins, cmd in df.commands():
        packages = _node_packages(cmd)
        if packages is None:
            continue
        loose = [p for p in packages if not _npm_pinned(p) or stray_variables(df, ins, p)]
        if loose:
            shown = ", ".join(loose[:4]) + (" ..." if len(loose) > 4 else "")
            yield at_command(
                cmd,
                f"{cmd.basename} install of unpinned packages: {shown}",
                fix=f"Pin versions: `{cmd.basename} add {loose[0].split('@')[0] or loose[0]}@<v>`"
                " (a dist-tag such as `@latest` is not a pin).",
            )


NPM_PIN = Rule(
    id="HC3023",
    name="npm-unpinned-packages",
    title="npm install without pinned versions",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "An unpinned package (or a moving dist-tag like `@latest`) resolves to whatever the"
        " registry serves at build time, including a just-published compromised release."
    ),
    fix="Pin exact versions (`npm install -g pnpm@9.12.1`) or install from a lockfile (`npm ci`).",
    check=_check_npm_pin,
    hadolint=("DL3016",),
)


# -- gem ---------------------------------------------------------------------------------

_GEM_VALUE_OPTIONS = (
    "-v", "--version", "-i", "--install-dir", "-n", "--bindir", "--source", "-s", "-P",
    "--trust-policy", "--platform", "--build-root", "-g", "--file",
)  # fmt: skip


def _check_gem_pin(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename != "gem" or cmd.subcommand(_GEM_VALUE_OPTIONS) not in ("install", "i"):
            continue
        if cmd.has_flag("-v", "--version"):
            continue
        before = cmd.args[: cmd.args.index("--")] if "--" in cmd.args else cmd.args
        view = Command(cmd.name, before, cmd.line, cmd.end_line)  # after --: build flags
        gems = view.positional(_GEM_VALUE_OPTIONS)[1:]
        loose = [g for g in gems if ":" not in g and "$" not in g and not g.endswith(".gem")]
        if loose:
            yield at_command(
                cmd,
                f"gem install of unpinned gems: {', '.join(loose[:4])}",
                fix=f"Pin versions: `gem install {loose[0]}:<version>` or `-v <version>`.",
            )


GEM_PIN = Rule(
    id="HC3024",
    name="gem-unpinned-packages",
    title="gem install without pinned versions",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation="Unpinned gems resolve to whatever rubygems.org serves at build time.",
    fix="Pin versions: `gem install bundler:2.5.6` or `gem install bundler -v 2.5.6`.",
    check=_check_gem_pin,
    hadolint=("DL3028",),
)


# -- go install --------------------------------------------------------------------------


def _check_go_pin(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        sub = cmd.subcommand(("-o", "-C", "-tags", "-ldflags")) if cmd.basename == "go" else None
        if sub not in ("install", "get", "run"):
            continue
        pos = cmd.positional(("-o", "-C", "-tags", "-ldflags", "-gcflags", "-p", "-mod"))[1:]
        remote = [
            p
            for p in pos
            if "." in p.split("/", 1)[0] and not p.startswith(".") and not p.endswith(".go")
        ]
        loose = [
            p for p in remote if "@" not in p or p.rsplit("@", 1)[1] in ("latest", "master", "main")
        ]
        if loose:
            yield at_command(
                cmd,
                f"go {sub} of an unpinned module: {loose[0]}",
                fix=f"Pin a version: `go {sub} {loose[0].split('@')[0]}@v<version>`.",
            )


GO_PIN = Rule(
    id="HC3025",
    name="go-install-unpinned",
    title="go install or go get without a pinned version",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "`go install module@latest` (or without a version) builds whatever the module proxy"
        " serves today; a pinned version is checked against the checksum database."
    ),
    fix="Pin a version: `go install golang.org/x/tools/gopls@v0.16.2`.",
    check=_check_go_pin,
    hadolint=("DL3062",),
)


# -- yarn --------------------------------------------------------------------------------


def _yarn(cmd: Command, words: Sequence[str]) -> bool:
    return cmd.basename == "yarn" and cmd.positional(NODE_VALUE_OPTIONS)[: len(words)] == tuple(
        words
    )


def _bare_yarn_install(cmd: Command) -> bool:
    """``yarn`` alone installs; ``yarn --version`` or ``yarn --help`` only prints."""
    return (
        cmd.basename == "yarn" and not cmd.positional(NODE_VALUE_OPTIONS) and not prints_only(cmd)
    )


def _check_yarn_cache(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for ins in df.runs():
        if not ships(ins, chain):
            continue
        cmds = ins.commands()
        installs = [c for c in cmds if _yarn(c, ("install",)) or _bare_yarn_install(c)]
        if not installs:
            continue
        if any(_yarn(c, ("cache", "clean")) for c in cmds):
            continue
        if any("yarn" in (m.get("target") or "") for m in ins.mounts) or removes(
            ins, "/usr/local/share/.cache/yarn"
        ):
            continue
        yield at_command(installs[0], "yarn install keeps its package cache in this layer")


YARN_CACHE = Rule(
    id="HC4017",
    name="yarn-cache-left",
    title="yarn cache left in the image",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Yarn (v1) copies every package tarball into its global cache; in an image the cache"
        " is never used again."
    ),
    fix=(
        "End the same RUN with `&& yarn cache clean`, or use"
        " `RUN --mount=type=cache,target=/usr/local/share/.cache/yarn ...`."
    ),
    check=_check_yarn_cache,
    hadolint=("DL3060",),
    aliases=("HC3026",),
)

RULES = (PIP_PIN, PIP_CACHE, NPM_PIN, GEM_PIN, GO_PIN, YARN_CACHE)
