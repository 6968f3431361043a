"""HC6001/HC6002: credentials written into the Dockerfile, and secret files copied into the image.

The judging is the secrets engine's (``hullcheck.secrets``): vendor token formats,
passwords in URLs, ``--password`` flags, and context mode for ``ENV``/``ARG``/``LABEL``
values (``ENV DB_PASSWORD=hunter2x9`` is a finding; ``ARG TOKEN`` with no value,
``ENV PASSWORD_FILE=/run/secrets/x`` and ``${REFERENCES}`` are not).  On top of the
engine's own view of the text, this module feeds it what only a Dockerfile reader sees
line by line in RUN bodies (heredocs included): shell assignments (``export
API_TOKEN=...``), short password flags (``docker login -p``, ``mysql -pX``, ``sshpass
-p``) and ``.netrc`` lines written with echo.  ``RUN --mount=type=secret`` is the right
way to use a secret and is never reported by itself.

With the build context on disk (``RuleContext.build_context``), a COPY/ADD that takes a
directory, a glob or the whole context is checked against the files it would copy
(``.dockerignore`` applied): HC6002 names key files, ``.env`` files, credential stores
and a ``.git`` directory among them, HC6003 reports secrets inside them; both on the
COPY line, naming the context file.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator

from hullcheck.dockerfile.buildcontext import BuildContext, ContextFile, context_sources
from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.dockerfile.words import unquote
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.secrets.dockerfile import scan_dockerfile
from hullcheck.secrets.filenames import SensitiveFile, sensitive_file
from hullcheck.secrets.findings import to_finding
from hullcheck.secrets.scanner import SecretMatch, SecretScanner

_ENGINE: list[SecretScanner] = []
_LAST: list[tuple[Dockerfile, SecretScanner, list[Finding]]] = []

_ASSIGN = re.compile(
    r"(?:^|[\s;&|(])(?:export\s+|local\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)="
    r"(\"[^\"]*\"|'[^']*'|[^\s;&|)]+)"
)
_SHORT_PASSWORD = re.compile(
    r"(?:^|[\s;&|(])(?:(?:docker|podman|buildah|skopeo|helm|oras|nerdctl)\s[^;&|\n]*?\blogin\s"
    r"[^;&|\n]*?(?<![\w-])-p\s*|sshpass\s+-p\s*|mysql(?:dump|admin)?\s[^;&|\n]*?(?<=\s)-p(?=[^\s-]))"
    r"(\"[^\"]*\"|'[^']*'|[^\s;&|)]+)"
)
# the engine's context mode only judges names ending in a secret word; skip the rest early
_SECRET_NAME = re.compile(
    r"(?i)(pass|passwd|password|pwd|passphrase|secret|token|apikey|api_key|credentials?"
    r"|auth|pat|key)$"
)
_NETRC = re.compile(r"\bmachine\s+\S+.*?\bpassword\s+(\"[^\"]*\"|'[^']*'|[^\s;&|)'\"]+)")


def _engine() -> SecretScanner:
    """The built-in secrets engine, built once on first use (not at import)."""
    if not _ENGINE:
        _ENGINE.append(SecretScanner())
    return _ENGINE[0]


def secret_findings(dockerfile: Dockerfile, engine: SecretScanner | None = None) -> list[Finding]:
    """The engine's findings for one Dockerfile plus the RUN-body extras; cached per file
    (HC6001 and HC6002 both ask).  ``engine``: the config's scanner, else the built-in one."""
    engine = engine if engine is not None else _engine()
    if _LAST and _LAST[0][0] is dockerfile and _LAST[0][1] is engine:
        return _LAST[0][2]
    path = dockerfile.path
    text = "\n".join(dockerfile.lines) + "\n"
    found = scan_dockerfile(engine, path, text)
    seen = {f.location.line for f in found}
    for line, key, value in _run_candidates(dockerfile):
        if line in seen or not value or "$" in value:
            continue
        for match in engine.scan_text(value, path=path, line=line, key=key):
            seen.add(line)
            found.append(to_finding(_at(match, line)))
    _LAST[:] = [(dockerfile, engine, found)]
    return found


def _at(match: SecretMatch, line: int) -> SecretMatch:
    return SecretMatch(
        match.rule, match.path, line, line, match.start, match.end, match.secret, match.key
    )


def _run_candidates(dockerfile: Dockerfile) -> Iterator[tuple[int, str, str]]:
    """(line, variable name, literal value) worth judging in RUN bodies."""
    lines = dockerfile.lines
    for ins in dockerfile.runs():
        for number in range(ins.line, min(ins.end_line, len(lines)) + 1):
            text = lines[number - 1]
            if "=" in text:
                for match in _ASSIGN.finditer(text):
                    if _SECRET_NAME.search(match.group(1)):
                        yield number, match.group(1), unquote(match.group(2))
            if "-p" in text:
                for match in _SHORT_PASSWORD.finditer(text):
                    yield number, "password", unquote(match.group(1))
            if "machine" in text:
                for match in _NETRC.finditer(text):
                    yield number, "password", unquote(match.group(1))


def _hits(ctx: RuleContext, files: bool) -> Iterator[Hit]:
    for finding in secret_findings(ctx.dockerfile, ctx.secrets):
        is_file = finding.extra.get("provider") == "file"
        if is_file != files:
            continue
        extra: dict[str, JSONValue] = dict(finding.extra)
        extra["secret_rule"] = finding.rule
        line = finding.location.line or 1
        end = finding.location.end_line or line
        if files:
            ins = ctx.dockerfile.instruction_at(line)
            what = " ".join(ins.arg_list[:-1]) if ins is not None else "a file"
            message = f"{finding.title}: {what} is copied into the image"
        else:
            key = finding.extra.get("key")
            shown = finding.extra.get("secret")
            if key:
                message = f"{key} is set to a literal credential ({shown})"
            else:
                message = f"{finding.title} ({shown})"
        yield Hit(line, end, message, fix=finding.fix, extra=extra)


def _check_values(ctx: RuleContext) -> Iterator[Hit]:
    return _hits(ctx, files=False)


def _check_files(ctx: RuleContext) -> Iterator[Hit]:
    yield from _hits(ctx, files=True)
    for ins, src, files, context in _copied_context(ctx):
        named = _clean(src)
        git = False
        for file in files:
            if file.path.startswith(".git/"):
                git = True
            hint = _named_secret(file)
            if hint is None or (file.path == named and sensitive_file(src) is not None):
                continue  # the source itself names it: reported above from the text
            extra: dict[str, JSONValue] = {
                "secret_rule": hint.rule_id,
                "provider": "file",
                "context_file": file.path,
                "fingerprint": f"{file.path}:{hint.rule_id}",
            }
            message = f"{hint.title}: context file {file.path} is copied into the image ({src})"
            yield Hit(ins.line, ins.end_line, message, extra=extra)
        if git and not named.startswith(".git"):
            message = (
                f"the context's .git directory (history, remotes, maybe credentials) is copied"
                f" into the image ({src}); add .git to {_ignore_name(context)}"
            )
            extra = {"context_file": ".git", "provider": "file"}
            fix = "Add `.git` to .dockerignore, or COPY explicit paths."
            yield Hit(ins.line, ins.end_line, message, fix=fix, extra=extra)


MAX_CONTEXT_HITS = 50
"""HC6003 findings listed per COPY line; the rest are counted in one last finding."""


def _check_context_contents(ctx: RuleContext) -> Iterator[Hit]:
    engine = ctx.secrets if ctx.secrets is not None else _engine()
    itself = _self_path(ctx)
    for ins, src, files, context in _copied_context(ctx):
        shown = more = 0
        for file in files:
            if file.path == itself or _named_secret(file) is not None:
                continue  # the Dockerfile's own lines are HC6001's; named files HC6002's
            if file.path.startswith(".git/") and file.path != ".git/config":
                continue  # compressed objects: HC6002 reports the directory; spare the budget
            for match in _scan_file(context, engine, file):
                if shown >= MAX_CONTEXT_HITS:
                    more += 1
                    continue
                shown += 1
                finding = to_finding(match)
                extra: dict[str, JSONValue] = dict(finding.extra)
                extra["secret_rule"] = match.rule.id
                extra["context_file"] = file.path
                extra["context_line"] = match.line
                message = (
                    f"{match.rule.title} in context file {file.path}:{match.line}"
                    f" ({match.redacted}), copied into the image ({src})"
                )
                yield Hit(ins.line, ins.end_line, message, fix=finding.fix, extra=extra)
        if more:
            message = f"{more} more secrets in context files copied by this line ({src})"
            yield Hit(ins.line, ins.end_line, message, extra={"more": more})


def _copied_context(
    ctx: RuleContext,
) -> Iterator[tuple[Instruction, str, list[ContextFile], BuildContext]]:
    """(COPY/ADD, source, context files it takes, context) for every context source:
    the whole context, a directory, a glob or one file."""
    context = ctx.build_context
    if context is None:
        return
    for ins in ctx.dockerfile.find("COPY", "ADD"):
        for src in context_sources(ins):
            files = context.covered(src)
            if not files:
                continue
            yield ins, src, files, context


def _clean(src: str) -> str:
    return posixpath.normpath("/" + src).lstrip("/")


def _named_secret(file: ContextFile) -> SensitiveFile | None:
    hint = sensitive_file(file.path)
    return hint if hint is not None and not hint.needs_content else None


def _scan_file(
    context: BuildContext, engine: SecretScanner, file: ContextFile
) -> list[SecretMatch]:
    """The engine's matches in one context file, read and scanned once per run."""
    key = ("secrets", id(engine), file.path)
    cached = context.cache.get(key)
    if isinstance(cached, tuple) and cached[0] is engine:
        found: list[SecretMatch] = cached[1]
        return found
    matches: list[SecretMatch] = []
    if engine.skip_reason(file.path, file.size) is None:
        data = context.read(file)
        if data is not None:
            matches = engine.scan(data, path=file.path)
    context.cache[key] = (engine, matches)
    return matches


def _self_path(ctx: RuleContext) -> str | None:
    context = ctx.build_context
    if context is None:
        return None
    try:
        rel = os.path.relpath(os.path.abspath(ctx.dockerfile.path), os.path.abspath(context.root))
    except ValueError:
        return None
    return rel.replace(os.sep, "/")


def _ignore_name(context: BuildContext) -> str:
    return os.path.basename(context.ignore.source) if context.ignore.source else ".dockerignore"


SECRET_VALUE = Rule(
    id="HC6001",
    name="credential-in-dockerfile",
    title="Credential written in the Dockerfile",
    severity=Severity.HIGH,
    practice=Practice.SECRETS,
    explanation=(
        "ENV, LABEL and ARG defaults are stored in the image configuration and RUN command"
        " lines in its history: anyone who can pull the image (or read the repository) gets"
        " the credential, and rotating it means rebuilding every image."
    ),
    fix=(
        "Pass secrets at build time with `RUN --mount=type=secret,id=token ...` (and"
        " `docker build --secret id=token,...`), and at run time through the orchestrator's"
        " secret store; then rotate the exposed credential."
    ),
    check=_check_values,
    hadolint=("DL3064",),
    aliases=("CKV_DOCKER_1005",),
)

SECRET_FILE = Rule(
    id="HC6002",
    name="secret-file-copied",
    title="Secret file copied into the image",
    severity=Severity.HIGH,
    practice=Practice.SECRETS,
    explanation=(
        "Private keys, .env files and credential stores copied into a layer stay in the"
        " image even if a later instruction deletes them."
    ),
    fix=(
        "Do not COPY secret files: mount them for the one RUN that needs them"
        " (`RUN --mount=type=secret,id=key,target=/root/.ssh/id_ed25519 ...`), and list them"
        " in .dockerignore."
    ),
    check=_check_files,
)

SECRET_IN_CONTEXT = Rule(
    id="HC6003",
    name="secret-in-context-file",
    title="Secret in a build-context file copied into the image",
    severity=Severity.HIGH,
    practice=Practice.SECRETS,
    explanation=(
        "`COPY . .` (or a directory or glob) copies every context file that .dockerignore"
        " does not exclude: a config file or script holding a token or password ends up in"
        " a layer, readable by anyone who can pull the image."
    ),
    fix=(
        "Exclude the file in .dockerignore or COPY only the paths the image needs, remove"
        " the secret from the file (read it at run time or from a BuildKit secret mount),"
        " and rotate it."
    ),
    check=_check_context_contents,
)

# -- HC6006 passwords set in the build ---------------------------------------------------


def _check_passwords(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        name = cmd.basename
        if name == "chpasswd":
            yield at_command(cmd, "chpasswd sets an account password inside the image")
        elif name == "passwd":
            if cmd.has_flag("-l", "--lock", "-S", "--status", "-e", "--expire"):
                continue
            if cmd.has_flag("-d", "--delete"):
                yield at_command(cmd, "passwd -d leaves an account with an empty password")
            elif cmd.has_flag("--stdin") or cmd.pipeline is not None or _fed(cmd):
                yield at_command(cmd, "passwd is fed a password inside the image build")
        elif name in ("useradd", "usermod", "adduser"):
            value = cmd.flag_value("-p", "--password")
            if value and value not in ("*", "!", "!!", "x", "''", '""'):
                yield at_command(cmd, f"{name} -p sets an account password inside the image")


def _fed(cmd: Command) -> bool:
    return any(r.lstrip().startswith(("<", "0<")) for r in cmd.redirects)


PASSWORDS = Rule(
    id="HC6006",
    name="password-set-in-image",
    title="Account password set in the image",
    severity=Severity.HIGH,
    practice=Practice.SECRETS,
    explanation=(
        "A password set during the build is in the image's history and its hash in"
        " /etc/shadow of every container: anyone who can pull the image can read or crack"
        " it, and every container shares it."
    ),
    fix=(
        "Do not give accounts passwords in images; lock them (`passwd -l`), use key-based"
        " access provisioned at run time, or a secret mounted at run time."
    ),
    check=_check_passwords,
    aliases=("HC2007", "CKV2_DOCKER_17"),
)


RULES = (SECRET_VALUE, SECRET_FILE, SECRET_IN_CONTEXT, PASSWORDS)
