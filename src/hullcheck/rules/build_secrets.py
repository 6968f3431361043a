"""HC6004/HC6005: secrets handed to the build the wrong way, whatever their value.

HC6001 reports a credential *value* written in the Dockerfile.  These two report the
*channel*, which leaks even when the value comes from outside:

- HC6004: an ``ARG`` or ``ENV`` whose name says it holds a secret (``ARG GITHUB_TOKEN``,
  ``ENV DB_PASSWORD=...``).  Build-argument values are recorded in the image history and
  in provenance attestations; ``ENV`` values sit in the image config.  The name is judged
  on its last word (``hullcheck.secrets.keys``), so ``PASSWORD_FILE``, ``GPG_KEY`` and
  ``TOKEN_URL`` are not secrets; a name with ``public`` in it, an empty ``ENV``, a path and
  an on/off setting (``MYSQL_ALLOW_EMPTY_PASSWORD=yes``) are not either.
- HC6005: a RUN command that sets up a credential from a build variable, a copied key
  file or a plain-text store: ``echo "//r/:_authToken=$NPM_TOKEN" > ~/.npmrc``, ``npm
  config set //r/:_authToken $T``, ``docker login -p $PW``, ``echo $PW | docker login
  --password-stdin``, ``curl -u user:$PW``, ``git clone https://$TOKEN@host/...``, ``git
  config credential.helper store``, ``gcloud auth activate-service-account
  --key-file=key.json``, ``aws configure set aws_secret_access_key $K``, any
  ``--password``/``--token`` flag fed by a variable.  A variable is only judged when an
  ``ARG`` or ``ENV`` declares it (else it is the script's own).  A secret mount is the
  right way (``RUN --mount=type=secret,id=t,env=T``; a file under ``/run/secrets`` or a
  mount's ``target``), but a credential file written from it and left in the layer is
  still reported.  Literal values are HC6001's and are not repeated here.

Messages name the variable, file or command, never a value.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext
from hullcheck.secrets.keys import is_secret_key, words
from hullcheck.secrets.values import is_path

_SETTING_VALUE = re.compile(r"(?i)^(?:yes|no|true|false|on|off|y|n|0|1|enabled?|disabled?)$")
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_URL_VAR_CREDENTIAL = re.compile(r"://[^/@\s]*\$\{?([A-Za-z_][A-Za-z0-9_]*)[^/@\s]*@")
_CREDENTIAL_FILES = re.compile(
    r"(?:^|/)(?:\.npmrc|\.netrc|_netrc|\.pypirc|\.git-credentials|config\.json|settings\.xml"
    r"|\.pgpass|\.my\.cnf|nuget\.config|\.yarnrc(?:\.yml)?|pip\.conf|pip\.ini|credentials"
    r"|\.gem/credentials|\.s3cfg|\.boto|\.composer/auth\.json|auth\.json|\.docker/config\.json)$",
    re.IGNORECASE,
)
_SECRET_FLAGS = (
    "--password",
    "--passwd",
    "--pass",
    "--token",
    "--api-key",
    "--apikey",
    "--secret",
    "--client-secret",
    "--auth-token",
    "--access-token",
    "--http-password",
    "--ftp-password",
    "--registry-password",
)
_LOGIN_TOOLS = frozenset(
    {"docker", "podman", "buildah", "skopeo", "helm", "oras", "nerdctl", "crane", "regctl"}
)
_NPM_AUTH_KEY = re.compile(r"(?i)(?:^|:)_(?:authtoken|auth|password)$|^npmauth(?:token|ident)$")
_AWS_SECRET_KEYS = frozenset({"aws_secret_access_key", "aws_session_token", "aws_access_key_id"})


# -- HC6004 ------------------------------------------------------------------------------


def _check_names(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("ARG", "ENV"):
        for key, value in ins.key_values:
            if not _secret_named(key, value, ins.keyword):
                continue
            how = (
                "its value is stored in the image config and history"
                if ins.keyword == "ENV"
                else "build-argument values are recorded in the image history and provenance"
            )
            message = f"{ins.keyword} {key} passes a secret through the build: {how}"
            yield Hit(ins.line, ins.end_line, message, extra={"key": key, "hadolint": "DL3064"})


def _secret_named(key: str, value: str | None, keyword: str) -> bool:
    # an access key id is half of a credential pair (AWS_ACCESS_KEY_ID), unlike other ids
    named = is_secret_key(key) or words(key)[-3:] == ["access", "key", "id"]
    if not named or "public" in key.lower():
        return False
    if value is None:
        return keyword == "ARG"
    value = value.strip()
    if not value:
        return keyword == "ARG"  # ENV X= clears it; ARG X= still takes --build-arg
    return not (_SETTING_VALUE.match(value) or is_path(value))


# -- HC6005 ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Setup:
    """What one command does with a credential: ``source`` is a variable, a file or ''."""

    what: str
    kind: str  # "variable", "file" or "store"
    source: str = ""
    written: str = ""
    """A credential file the command writes (``~/.npmrc``), if any."""


@dataclass(frozen=True, slots=True)
class _Run:
    """What one RUN offers a credential: declared build variables, its secret mounts,
    its text and the files it removes."""

    known: set[str]
    mounted_env: set[str]
    mounted_files: set[str]
    script: str
    removed: set[str]


def _check_setup(ctx: RuleContext) -> Iterator[Hit]:
    declared = _declared(ctx.dockerfile)
    for ins in ctx.dockerfile.runs():
        mounted_env, mounted_files = _secret_mounts(ins)
        run = _Run(
            declared.get(ins.stage, set()) | declared.get(None, set()),
            mounted_env,
            mounted_files,
            "\n".join([ins.args, *(h.content for h in ins.heredocs)]),
            _removed_files(ins),
        )
        for cmd in ins.commands():
            for setup in _setups(ins, cmd):
                message = _judge(setup, run)
                if message is not None:
                    extra = {"command": cmd.basename, "kind": setup.kind}
                    yield Hit(cmd.line, cmd.end_line, message, extra=extra)
                    break  # one finding per command


def _judge(setup: _Setup, run: _Run) -> str | None:
    """The finding's message for one credential set-up, or None when it is safe."""
    left = bool(setup.written) and posixpath.basename(setup.written) not in run.removed
    if setup.kind == "variable":
        mounted = setup.source in run.mounted_env or _from_secret_file(
            setup.source, run.script, run.mounted_files
        )
        if mounted:
            if not left:
                return None
            return (
                f"{setup.what} writes the mounted secret {setup.source} into"
                f" {setup.written}, which is left in the layer"
            )
        if setup.source not in run.known:
            return None  # the script's own variable, or one no build step sets
        tail = f", and {setup.written} is left in the layer" if left else ""
        return (
            f"{setup.what} takes the credential from build variable {setup.source}: its"
            f" value is recorded in the image history{tail}"
        )
    if setup.kind == "file":
        if _is_secret_file(setup.source, run.mounted_files):
            return None
        return (
            f"{setup.what} reads key file {setup.source} from the image's filesystem: it was"
            " put into a layer"
        )
    return f"{setup.what} stores credentials in plain text in the image"


def _declared(dockerfile: Dockerfile) -> dict[int | None, set[str]]:
    """Names an ARG or ENV declares, per stage (None: before the first FROM), with the
    ENV of each stage's parents (a stage built FROM another inherits its ENV)."""
    out: dict[int | None, set[str]] = {}
    for ins in dockerfile.find("ARG", "ENV"):
        out.setdefault(ins.stage, set()).update(k for k, _ in ins.key_values)
    for stage in dockerfile.stages:
        parent = stage.parent
        seen = 0
        while parent is not None and seen < len(dockerfile.stages):
            out.setdefault(stage.index, set()).update(out.get(parent, set()))
            parent = dockerfile.stages[parent].parent
            seen += 1
    return out


def _secret_mounts(ins: Instruction) -> tuple[set[str], set[str]]:
    envs: set[str] = set()
    files: set[str] = set()
    for mount in ins.mounts:
        if mount.get("type") != "secret":
            continue
        if mount.get("env"):
            envs.add(mount["env"])
        target = mount.get("target") or mount.get("dst") or mount.get("destination")
        if target:
            files.add(target)
        elif mount.get("id"):
            files.add("/run/secrets/" + mount["id"])
    return envs, files


def _is_secret_file(path: str, mounted: set[str]) -> bool:
    return path.startswith(("/run/secrets/", "$")) or path in mounted


def _from_secret_file(name: str, script: str, mounted: set[str]) -> bool:
    """``T=$(cat /run/secrets/t)`` or ``read T < /run/secrets/t`` in the same RUN."""
    for match in re.finditer(rf"(?:\b{name}=|read\s+(?:-\w+\s+)*{name}\b)([^\n;&|]*)", script):
        tail = match.group(1)
        if "/run/secrets/" in tail or any(m in tail for m in mounted):
            return True
    return False


def _removed_files(ins: Instruction) -> set[str]:
    out: set[str] = set()
    for cmd in ins.commands():
        if cmd.basename in ("rm", "shred", "unlink"):
            out.update(posixpath.basename(a) for a in cmd.args if not a.startswith("-"))
    return out


def _variable(word: str) -> str | None:
    """The variable a word's value comes from (``$T``, ``${T}``, ``user:$T``), else None."""
    match = _VAR.search(word)
    return match.group(1) if match else None


def _setups(ins: Instruction, cmd: Command) -> Iterator[_Setup]:
    name = cmd.basename
    yield from _url_credentials(cmd)
    yield from _credential_writes(ins, cmd)
    if name in _LOGIN_TOOLS or (name == "az" and "login" in cmd.args):
        yield from _login(ins, cmd)
    elif name in ("npm", "pnpm", "yarn"):
        yield from _npm_config(cmd)
    elif name == "git":
        yield from _git_config(cmd)
    elif name in ("curl", "wget"):
        yield from _curl_user(cmd)
    elif name == "gcloud":
        yield from _gcloud(cmd)
    elif name == "aws":
        pos = cmd.positional()
        if pos[:2] == ("configure", "set") and len(pos) >= 4 and pos[2] in _AWS_SECRET_KEYS:
            var = _variable(pos[3])
            if var:
                yield _Setup(f"aws configure set {pos[2]}", "variable", var)
    for flag in _SECRET_FLAGS:
        if name == "curl" or (name in _LOGIN_TOOLS and flag == "--password"):
            break  # judged above with the command's own meaning
        value = cmd.flag_value(flag)
        if value:
            var = _variable(value)
            if var:
                yield _Setup(f"{name} {flag}", "variable", var)


def _url_credentials(cmd: Command) -> Iterator[_Setup]:
    for arg in cmd.args:
        match = _URL_VAR_CREDENTIAL.search(arg)
        if match:
            yield _Setup(f"{cmd.basename}: a URL with credentials", "variable", match.group(1))
            return


def _credential_writes(ins: Instruction, cmd: Command) -> Iterator[_Setup]:
    """``echo ...$T... > ~/.npmrc`` and ``... | tee ~/.npmrc``."""
    targets: list[str] = []
    if cmd.basename in ("echo", "printf", "cat"):
        targets = [r.lstrip("0123456789>&| ").strip() for r in cmd.redirects if ">" in r]
    elif cmd.basename == "tee":
        targets = [a for a in cmd.args if not a.startswith("-")]
    for target in targets:
        if not _CREDENTIAL_FILES.search(target.strip("\"'")):
            continue
        text = " ".join(cmd.args) if cmd.basename != "tee" else _piped_text(ins, cmd)
        var = _variable(text)
        if var is None:
            continue  # a literal: HC6001 judges it
        yield _Setup(f"{cmd.basename} > {target}", "variable", var, target)


def _piped_text(ins: Instruction, cmd: Command) -> str:
    if cmd.pipeline is None:
        return ""
    return " ".join(
        " ".join(c.args)
        for c in ins.commands()
        if c.pipeline == cmd.pipeline and c is not cmd and c.line <= cmd.line
    )


def _login(ins: Instruction, cmd: Command) -> Iterator[_Setup]:
    what = f"{cmd.basename} login"
    value = cmd.flag_value("--password", "-p")
    if value:
        var = _variable(value)
        if var:
            yield _Setup(what, "variable", var)
        return
    if cmd.has_flag("--password-stdin") and cmd.pipeline is not None:
        var = _variable(_piped_text(ins, cmd))
        if var:
            yield _Setup(f"{what} --password-stdin", "variable", var)


def _npm_config(cmd: Command) -> Iterator[_Setup]:
    pos = cmd.positional()
    if pos[:2] == ("config", "set"):
        rest = pos[2:]
    elif pos[:1] == ("set",):
        rest = pos[1:]
    else:
        return
    if not rest:
        return
    key, eq, value = rest[0].partition("=")
    if not eq:
        value = rest[1] if len(rest) > 1 else ""
    var = _variable(value) if _NPM_AUTH_KEY.search(key) else None
    if var:
        yield _Setup(f"{cmd.basename} config set {key.rsplit(':', 1)[-1]}", "variable", var)


def _git_config(cmd: Command) -> Iterator[_Setup]:
    pos = cmd.positional(("-c", "-C", "--file", "-f"))
    if not pos or pos[0] != "config":
        return
    if len(pos) >= 3 and pos[1].lower() == "credential.helper" and pos[2].startswith("store"):
        yield _Setup("git config credential.helper store", "store")


def _curl_user(cmd: Command) -> Iterator[_Setup]:
    if cmd.basename == "curl":
        value = cmd.flag_value("--user", "-u", "--proxy-user", "-U")
        if value and ":" in value:
            var = _variable(value.partition(":")[2])
            if var:
                yield _Setup("curl -u user:password", "variable", var)
        elif value and value.startswith("$"):
            var = _variable(value)
            if var:
                yield _Setup("curl -u", "variable", var)
    else:
        value = cmd.flag_value("--password", "--http-password", "--ftp-password")
        var = _variable(value) if value else None
        if var:
            yield _Setup("wget --password", "variable", var)


def _gcloud(cmd: Command) -> Iterator[_Setup]:
    pos = cmd.positional(("--key-file", "--cred-file", "--project"))
    if pos[:1] != ("auth",):
        return
    path = cmd.flag_value("--key-file", "--cred-file")
    if path:
        yield _Setup(f"gcloud auth {pos[1] if len(pos) > 1 else ''}".strip(), "file", path)


SECRET_BUILD_VARIABLE = Rule(
    id="HC6004",
    name="secret-in-build-variable",
    title="Secret passed through a build argument or ENV",
    severity=Severity.MEDIUM,
    practice=Practice.SECRETS,
    explanation=(
        "A build argument's value is recorded in the image history (`docker history`"
        " shows it for every RUN that uses it) and in provenance attestations, and an ENV"
        " value is stored in the image config: whoever can pull the image reads the"
        " secret, even when it was passed with `--build-arg` and never written in the"
        " Dockerfile."
    ),
    fix=(
        "Use a secret mount for the one RUN that needs it: `RUN"
        " --mount=type=secret,id=token,env=TOKEN ...` with `docker build --secret"
        " id=token,env=TOKEN`; give the running container its secrets at run time."
    ),
    check=_check_names,
    hadolint=("DL3064",),
)

CREDENTIAL_SETUP = Rule(
    id="HC6005",
    name="credential-setup-without-secret-mount",
    title="Credential set up at build time without a secret mount",
    severity=Severity.HIGH,
    practice=Practice.SECRETS,
    explanation=(
        "A registry login, an .npmrc or .netrc written with a token, a URL with a"
        " password, or a key file for a cloud CLI: when the credential comes from a build"
        " argument it is in the image history, when it is written to a file or a"
        " credential store that stays in the layer it is in the image itself, and a key"
        " file COPYed in is in a layer for good."
    ),
    fix=(
        "Mount the credential for the one RUN that needs it (`RUN"
        " --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci`, or `env=TOKEN`), and"
        " delete any file it writes in the same RUN; never `credential.helper store`."
    ),
    check=_check_setup,
)

RULES = (SECRET_BUILD_VARIABLE, CREDENTIAL_SETUP)
