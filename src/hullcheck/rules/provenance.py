"""Provenance: what enters the image and whether anything checked it.

ADD of URLs without ``--checksum``, downloads never verified, TLS or package-signature
checks switched off, and ADD used where COPY says what happens.  HC5001 (download piped
into a shell) lives in ``pipe_to_shell``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from hullcheck.dockerfile.model import Instruction
from hullcheck.dockerfile.shell import Command
from hullcheck.dockerfile.words import unquote
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command, at_line
from hullcheck.rules.langpkgs import pip_args

_URL = re.compile(r"^(https?|ftp)://", re.IGNORECASE)
_GIT = re.compile(r"^(git@|git://|https?://[^ ]+\.git([#?]|$)|ssh://)", re.IGNORECASE)
ARCHIVE_SUFFIXES = (
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz", ".tar.zst",
    ".tar.lz", ".tar.lzma", ".tlz", ".gz", ".bz2", ".xz", ".zst", ".lz", ".lzma", ".zip",
)  # fmt: skip


def _sources(ins: Instruction) -> list[str]:
    args = [unquote(a) for a in ins.arg_list]
    return [a for a in args[:-1] if not a.startswith("<<")]


# -- HC5002 ADD <url> without --checksum -------------------------------------------------


def _check_add_url(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.instructions:
        eff = ins.effective
        if eff.keyword != "ADD" or eff.flag("checksum"):
            continue
        for src in _sources(eff):
            if _GIT.match(src):
                if "checksum=" in src or "commit=" in src or re.search(r"#[0-9a-f]{40}", src):
                    continue
                yield at_line(
                    ins,
                    f"ADD {src}: a git ref that can move, fetched without a pinned commit",
                    fix="Pin the commit: `ADD --checksum=<commit sha> <repo>.git#<ref> /src`"
                    " (or `#<commit sha>`).",
                )
            elif _URL.match(src):
                yield at_line(
                    ins,
                    f"ADD {src} without --checksum: whatever the server returns goes into"
                    " the image unverified",
                    fix=f"Add the digest: `ADD --checksum=sha256:<hex> {src} <dest>`.",
                )


ADD_URL = Rule(
    id="HC5002",
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


# -- HC5003 ADD for local files ----------------------------------------------------------


def _check_add_local(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("ADD"):
        srcs = _sources(ins)
        if not srcs or ins.heredocs:
            continue
        if any(
            _URL.match(s) or _GIT.match(s) or s.lower().endswith(ARCHIVE_SUFFIXES) for s in srcs
        ):
            continue
        if any("$" in s for s in srcs):
            continue
        yield at_line(
            ins,
            "ADD of local files: COPY does the same without ADD's implicit archive"
            " extraction and URL fetching",
            fix="Replace `ADD` with `COPY`.",
        )


ADD_LOCAL = Rule(
    id="HC5003",
    title="ADD used for local files",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "ADD unpacks local tar archives and fetches URLs; for plain files COPY is explicit"
        " about what ends up in the image, so a later archive in the context cannot change"
        " the result silently."
    ),
    fix="Use COPY for files and folders; keep ADD for remote files with --checksum.",
    check=_check_add_local,
    hadolint=("DL3020",),
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
        urls = [a for a in fetches[0].args if _URL.match(a)]
        shown = urls[0] if urls else "a file"
        yield at_command(
            fetches[0],
            f"{fetches[0].basename} downloads {shown} and nothing in this RUN checks its"
            " checksum or signature",
        )


DOWNLOAD_UNVERIFIED = Rule(
    id="HC5004",
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

_ENV_OFF: dict[str, Callable[[str], bool]] = {
    # git tests only whether the variable is set: "false" and "" turn checks off too
    "GIT_SSL_NO_VERIFY": lambda v: True,
    "NODE_TLS_REJECT_UNAUTHORIZED": lambda v: v == "0",
    "PYTHONHTTPSVERIFY": lambda v: v == "0",
    "PIP_TRUSTED_HOST": bool,
    "NPM_CONFIG_STRICT_SSL": lambda v: v.lower() == "false",
    "CURL_INSECURE": bool,
    "GOINSECURE": bool,
    "GONOSUMDB": bool,
    "GONOSUMCHECK": bool,
    "GOFLAGS": lambda v: "-insecure" in v,
    "GOSUMDB": lambda v: v == "off",
}


def _insecure_command(cmd: Command) -> str | None:
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
)

RULES = (ADD_URL, ADD_LOCAL, DOWNLOAD_UNVERIFIED, INSECURE)
