"""Provenance: what enters the image and whether anything checked it.

Downloads piped straight into a shell, ADD of URLs without ``--checksum``, downloads
never verified, TLS or package-signature checks switched off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.dockerfile.shell import SHELLS, Command
from hullcheck.dockerfile.tlsenv import TLS_OFF_ENV
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command, at_line
from hullcheck.rules.common import GIT_SOURCE, URL_SOURCE, add_sources
from hullcheck.rules.langpkgs import pip_args

# -- HC5002 ADD <url> without --checksum -------------------------------------------------


def _check_add_url(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.instructions:
        eff = ins.effective
        if eff.keyword != "ADD" or eff.flag("checksum"):
            continue
        for src in add_sources(eff):
            if GIT_SOURCE.match(src):
                if "checksum=" in src or "commit=" in src or re.search(r"#[0-9a-f]{40}", src):
                    continue
                yield at_line(
                    ins,
                    f"ADD {src}: a git ref that can move, fetched without a pinned commit",
                    fix="Pin the commit: `ADD --checksum=<commit sha> <repo>.git#<ref> /src`"
                    " (or `#<commit sha>`).",
                )
            elif URL_SOURCE.match(src):
                yield at_line(
                    ins,
                    f"ADD {src} without --checksum: whatever the server returns goes into"
                    " the image unverified",
                    fix=f"Add the digest: `ADD --checksum=sha256:<hex> {src} <dest>`.",
                )


ADD_URL = Rule(
    id="HC5002",
    name="add-url-without-checksum",
    title="ADD of a URL without --checksum",
    severity=Severity.MEDIUM,
    practice=Practice.PROVENANCE,
    explanation=(
        "A remote file fetched at build time is trusted blindly: a compromised server, a"
        " replaced release asset or a man in the middle changes the image without any"
        " change to the Dockerfile."
    ),
    fix="Use `ADD --checksum=sha256:<hex> <url> <dest>` (BuildKit 1.6+).",
    check=_check_add_url,
)


# -- HC5004 downloads without verification -----------------------------------------------

_VERIFIERS = frozenset(
    {
        "sha256sum", "sha512sum", "sha384sum", "sha1sum", "shasum", "md5sum", "b2sum",
        "gpg", "gpgv", "cosign", "minisign", "signify", "rpm", "sigstore", "slsa-verifier",
        "gh",
    }
)  # fmt: skip
_EXTRACTORS = frozenset({"tar", "unzip", "bsdtar", "gunzip", "xz", "bzip2", "zstd", "dpkg", "rpm"})


def _downloads(ins: Instruction, cmd: Command) -> bool:
    """Whether ``cmd`` saves a download (to a file, or streamed into an unpacker)."""
    if cmd.basename == "curl":
        if cmd.has_flag("-o", "--output", "-O", "--remote-name", "--remote-name-all"):
            return True
        if any(r.lstrip().startswith(">") for r in cmd.redirects):
            return True
        return _piped_into_unpacker(ins, cmd)
    if cmd.basename == "wget":
        if cmd.has_flag("--spider"):
            return False
        out = cmd.flag_value("-O", "--output-document")
        if out == "-" or any(a.startswith("-") and a.endswith("O-") for a in cmd.args):
            return _piped_into_unpacker(ins, cmd)  # `| sh` is HC5001's
        return out != "/dev/null"
    return False


def _piped_into_unpacker(ins: Instruction, cmd: Command) -> bool:
    script = ins.script
    if script is None or cmd.pipeline is None:
        return False
    return any(c.basename in _EXTRACTORS for c in script.pipelines[cmd.pipeline].commands)


def _verifies(ins: Instruction) -> bool:
    for cmd in ins.commands():
        if cmd.basename in _VERIFIERS:
            return True
        if cmd.basename == "openssl" and cmd.args[:1] in (("dgst",), ("sha256",)):
            return True
        if cmd.basename in ("curl", "wget") and any(
            "checksum" in a or ".sha256" in a for a in cmd.args
        ):
            return True
    return False


def _check_download(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        if ins.script is None:
            continue
        fetches = [c for c in ins.commands() if _downloads(ins, c)]
        if not fetches or _verifies(ins):
            continue
        urls = [a for a in fetches[0].args if URL_SOURCE.match(a)]
        shown = urls[0] if urls else "a file"
        yield at_command(
            fetches[0],
            f"{fetches[0].basename} downloads {shown} and nothing in this RUN checks its"
            " checksum or signature",
        )


DOWNLOAD_UNVERIFIED = Rule(
    id="HC5004",
    name="download-without-verification",
    title="Download used without checksum or signature check",
    severity=Severity.LOW,
    practice=Practice.PROVENANCE,
    explanation=(
        "A file downloaded during the build and used unchecked is as trustworthy as the"
        " server, its CDN and the network path that day."
    ),
    fix=(
        'Verify it in the same RUN: `echo "<sha256>  file.tgz" | sha256sum -c -` (or `gpg'
        " --verify`), or use `ADD --checksum=sha256:<hex> <url>`."
    ),
    check=_check_download,
)


# -- HC5005 TLS or signature verification disabled ---------------------------------------

_ENV_OFF = TLS_OFF_ENV


def _insecure_command(cmd: Command) -> str | None:
    """Why ``cmd`` turns off a TLS, signature or checksum check, or ``None``; the steps
    run in this order, so a command that does several is named by the first."""
    return _downloader_off(cmd) or _installer_off(cmd) or _source_off(cmd)


def _downloader_off(cmd: Command) -> str | None:
    """Downloaders and language package managers told to skip TLS checks."""
    name = cmd.basename
    args = cmd.args
    if name == "curl" and cmd.has_flag("-k", "--insecure"):
        return "curl -k/--insecure skips TLS certificate checks"
    if name == "wget" and cmd.has_flag("--no-check-certificate"):
        return "wget --no-check-certificate skips TLS certificate checks"
    pip = pip_args(cmd)
    if pip is not None and any(
        a == "--trusted-host" or a.startswith("--trusted-host=") for a in pip
    ):
        return "pip --trusted-host accepts that host over plain HTTP or a bad certificate"
    if name in ("npm", "yarn", "pnpm") and "strict-ssl" in args:
        value = (
            args[args.index("strict-ssl") + 1] if args.index("strict-ssl") + 1 < len(args) else ""
        )
        if value.lower() == "false":
            return f"{name} strict-ssl false skips TLS certificate checks"
    if name in ("npm", "yarn", "pnpm") and any(a.startswith("--strict-ssl=false") for a in args):
        return f"{name} --strict-ssl=false skips TLS certificate checks"
    if name == "git" and any(_GIT_SSLVERIFY.match(a) for a in args):
        joined = " ".join(args).lower()
        if "false" in joined or "=0" in joined:
            return "git http.sslVerify=false skips TLS certificate checks"
    return None


def _installer_off(cmd: Command) -> str | None:
    """System package managers told to skip signatures, by flag, setting or variable."""
    name = cmd.basename
    args = cmd.args
    if name in ("apt-get", "apt", "aptitude") and (
        cmd.has_flag("--allow-unauthenticated", "--allow-insecure-repositories", "--force-yes")
        or any("AllowUnauthenticated" in a or "Verify-Peer=false" in a for a in args)
    ):
        return f"{name} installs packages whose signatures it does not check"
    if name in ("yum", "dnf", "dnf5", "microdnf", "tdnf", "zypper", "rpm") and cmd.has_flag(
        "--nogpgcheck", "--no-gpg-checks", "--nosignature", "--nodigest"
    ):
        return f"{name} installs packages whose signatures it does not check"
    if name == "rpm" and cmd.has_flag("--noverify"):
        return "rpm --noverify skips the package's digest and signature checks"
    if _config_manager(cmd):
        for arg in args:
            low_arg = arg.lower()
            if _SSL_OFF.search(low_arg) or _GPG_OFF.search(low_arg):
                return f"{name} writes a repository setting that turns off TLS or signature checks"
    for assignment in _assignments(cmd):
        key, _, value = assignment.partition("=")
        test = _ENV_OFF.get(key.upper())
        if test is not None and test(_unquote(value)):
            return f"{key} set before the command turns off TLS or checksum verification"
    return None


def _source_off(cmd: Command) -> str | None:
    """Unsigned packages and repositories declared without their checks."""
    name = cmd.basename
    args = cmd.args
    if name == "apk" and cmd.has_flag("--allow-untrusted"):
        return "apk --allow-untrusted installs unsigned packages"
    if name == "go" and cmd.has_flag("-insecure"):
        return "go -insecure fetches modules over plain HTTP"
    low = " ".join((*args, *cmd.redirects)).lower()
    if "trusted=yes" in low:
        return "an apt source marked [trusted=yes] is used without signature checks"
    if "gpgcheck" in low and _GPG_OFF.search(low):
        return "a repository with gpgcheck=0 is used without signature checks"
    if "sslverify" in low and _writes_file(cmd) and _SSL_OFF.search(low):
        return "a repository with sslverify=false skips TLS certificate checks"
    return None


def _writes_file(cmd: Command) -> bool:
    """Whether text this command prints lands in a file (an echo to the terminal does not)."""
    if cmd.basename in ("echo", "printf", "cat"):
        return bool(cmd.redirects)
    if cmd.basename == "sed":
        return any(a == "-i" or a.startswith("-i") or a == "--in-place" for a in cmd.args)
    return cmd.basename == "tee"


def _config_manager(cmd: Command) -> bool:
    if cmd.basename == "yum-config-manager":
        return True
    return cmd.basename in ("dnf", "dnf5", "yum") and "config-manager" in cmd.args


def _assignments(cmd: Command) -> list[str]:
    """``NAME=value`` set for this command, or exported by ``export``/``declare -x``."""
    out = list(cmd.assignments)
    if cmd.basename in ("export", "declare", "typeset"):
        out += [a for a in cmd.args if "=" in a and not a.startswith("-")]
    return out


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


_GPG_OFF = re.compile(r"gpgcheck\s*=\s*0")
_SSL_OFF = re.compile(r"sslverify\s*=\s*(false|0)")
_GIT_SSLVERIFY = re.compile(r"(?i)^http\.(\S+\.)?sslverify(=|$)")


def _check_insecure(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for ins in df.instructions:
        eff = ins.effective
        if eff.keyword in ("ENV", "ARG"):
            for key, value in eff.key_values:
                test = _ENV_OFF.get(key.upper())
                if test is not None and value is not None and test(value):
                    yield at_line(
                        ins,
                        f"{eff.keyword} {key}={value} turns off TLS or checksum verification"
                        " for every later download",
                    )
                    break
    for _ins, cmd in df.commands():
        problem = _insecure_command(cmd)
        if problem:
            yield at_command(cmd, problem)


INSECURE = Rule(
    id="HC5005",
    name="tls-verification-disabled",
    title="TLS or signature verification disabled",
    severity=Severity.HIGH,
    practice=Practice.PROVENANCE,
    explanation=(
        "Without certificate or signature checks, anyone on the network path (a proxy, a"
        " hijacked mirror or DNS) can substitute what the build downloads and installs."
    ),
    fix=(
        "Keep verification on: install the missing CA certificate (`ca-certificates`, or COPY"
        " your corporate CA and run `update-ca-certificates`) instead of `-k`,"
        " `--no-check-certificate`, `--trusted-host` or `strict-ssl false`."
    ),
    check=_check_insecure,
    aliases=(
        "CKV2_DOCKER_2",
        "CKV2_DOCKER_3",
        "CKV2_DOCKER_4",
        "CKV2_DOCKER_5",
        "CKV2_DOCKER_6",
        "CKV2_DOCKER_7",
        "CKV2_DOCKER_8",
        "CKV2_DOCKER_9",
        "CKV2_DOCKER_10",
        "CKV2_DOCKER_11",
        "CKV2_DOCKER_12",
        "CKV2_DOCKER_13",
        "CKV2_DOCKER_14",
        "CKV2_DOCKER_15",
        "CKV2_DOCKER_16",
        "CKV2_DOCKER_18",
        "CIS-DI-0011",
    ),
)


# -- HC5001 download piped into a shell --------------------------------------------------

_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c"})
_INTERPRETERS = SHELLS | {"python", "python3", "perl", "ruby", "node", "php"}


def _check_pipe(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        script = ins.script
        if script is None:
            continue
        for pipeline in script.pipelines:
            cmds = pipeline.commands
            for i, cmd in enumerate(cmds[:-1]):
                if cmd.basename not in _DOWNLOADERS:
                    continue
                for later in cmds[i + 1 :]:
                    runner = later
                    # `| sudo sh`: the wrapped command is the one that runs the script
                    if later.basename in ("sudo", "env", "doas"):
                        inner = [
                            c
                            for c in script.commands
                            if c.wrapper == later.basename and c.line == later.line
                        ]
                        runner = inner[0] if inner else later
                    if runner.basename in _INTERPRETERS:
                        yield at_command(
                            cmd,
                            f"{cmd.basename} output is piped into {runner.basename}: the"
                            " script runs unverified",
                        )
                        break


PIPE_TO_SHELL = Rule(
    id="HC5001",
    name="pipe-to-shell",
    title="Remote script piped into a shell",
    severity=Severity.HIGH,
    practice=Practice.PROVENANCE,
    explanation=(
        "Whatever the server (or anyone on the path) returns is executed as root during the"
        " build, with no checksum or signature check and no record of what ran."
    ),
    fix=(
        "Download to a file, verify it against a pinned checksum"
        ' (`echo "<sha256>  install.sh" | sha256sum -c -`), then run it; or use a'
        " package from the distribution."
    ),
    check=_check_pipe,
)


RULES = (
    PIPE_TO_SHELL,
    ADD_URL,
    DOWNLOAD_UNVERIFIED,
    INSECURE,
)
