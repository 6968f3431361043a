"""Instruction-level correctness: things BuildKit rejects or silently does differently.

WORKDIR, EXPOSE, COPY destinations and ``--from``, stage names, exec-form CMD, ENV
self-references, label keys, duplicated CMD/ENTRYPOINT/HEALTHCHECK, FROM --platform.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.words import split_words, unquote
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_line
from hullcheck.rules.common import (
    ADD_UNPACKS,
    GIT_SOURCE,
    URL_SOURCE,
    add_sources,
    final_chain,
)


def _is_windows_abs(path: str) -> bool:
    return len(path) >= 2 and path[0].isalpha() and path[1] == ":"


def _abs_or_var(path: str) -> bool:
    path = path.strip("\"'")
    return path.startswith(("/", "$", "\\")) or _is_windows_abs(path)


# -- HC3040 relative WORKDIR -------------------------------------------------------------


def _check_workdir(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("WORKDIR"):
        if not _abs_or_var(ins.args):
            yield at_line(
                ins,
                f"WORKDIR {ins.args} is relative: it depends on every WORKDIR before it",
                fix=f"Use an absolute path: `WORKDIR /{ins.args.strip(chr(34) + chr(39))}`.",
            )


RELATIVE_WORKDIR = Rule(
    id="HC3040",
    name="relative-workdir",
    title="Relative WORKDIR",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "A relative WORKDIR is resolved against the previous one, possibly set by the base"
        " image; the directory the build runs in changes when the base image does."
    ),
    fix="Use an absolute path (`WORKDIR /app`).",
    check=_check_workdir,
    hadolint=("DL3000",),
    aliases=("HC0002", "CKV_DOCKER_10", "DS009"),
)


# -- HC0003 invalid EXPOSE port ----------------------------------------------------------

_PORT = re.compile(r"^(\d+)(?:-(\d+))?(?:/([A-Za-z]+))?$")


def _bad_port(word: str) -> str | None:
    if "$" in word:
        return None
    spec = word.rsplit(":", 1)[-1]  # `EXPOSE 127.0.0.1:80:80` is accepted as the last part
    match = _PORT.match(spec)
    if match is None:
        return f"{word} is not a port"
    low, high, proto = match.groups()
    for num in (low, high):
        if num is not None and not 0 <= int(num) <= 65535:
            return f"port {num} is outside 0-65535"
    if proto is not None and proto.lower() not in ("tcp", "udp", "sctp"):
        return f"protocol {proto} is not tcp, udp or sctp"
    return None


def _check_expose(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("EXPOSE"):
        for word in ins.arg_list:
            problem = _bad_port(unquote(word))
            if problem:
                yield at_line(ins, f"EXPOSE {problem}: the build fails")


INVALID_PORT = Rule(
    id="HC0003",
    name="invalid-expose-port",
    title="Invalid EXPOSE port",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation="BuildKit rejects ports outside 0-65535 and unknown protocols.",
    fix="Use a port number 0-65535, optionally with `/tcp`, `/udp` or `/sctp`.",
    check=_check_expose,
    hadolint=("DL3011",),
    aliases=("DS008",),
)


# -- HC3041 CMD/ENTRYPOINT/HEALTHCHECK given twice in a stage ----------------------------

_ONCE = {"CMD": "DL4003", "ENTRYPOINT": "DL4004", "HEALTHCHECK": "DL3012"}


def _check_twice(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        seen: dict[str, Instruction] = {}
        for ins in stage.instructions:
            code = _ONCE.get(ins.keyword)
            if code is None:
                continue
            first = seen.get(ins.keyword)
            if first is not None:
                yield Hit(
                    ins.line,
                    ins.line,
                    f"second {ins.keyword} in this stage: the one on line {first.line} has no"
                    " effect",
                    extra={"hadolint": code},
                )
            else:
                seen[ins.keyword] = ins


REPEATED = Rule(
    id="HC3041",
    name="repeated-cmd-entrypoint-healthcheck",
    title="CMD, ENTRYPOINT or HEALTHCHECK repeated in a stage",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; an earlier one"
        " is dead code that misleads readers about what the image runs."
    ),
    fix="Keep one CMD, ENTRYPOINT and HEALTHCHECK per stage.",
    check=_check_twice,
    hadolint=("DL4003", "DL4004", "DL3012"),
    aliases=("HC0004", "DS007", "DS016", "DS023"),
)


# -- HC0005 COPY of several sources to a non-directory -----------------------------------


def _check_copy_dest(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("COPY", "ADD"):
        args = ins.arg_list
        if len(args) <= 2:
            continue
        dest = unquote(args[-1])
        if dest.endswith(("/", "\\")) or "$" in dest:
            continue
        yield at_line(
            ins,
            f"{ins.keyword} of {len(args) - 1} sources into {dest}, which does not end with /:"
            " the build fails",
            fix=f"End the destination with a slash: `{dest}/`.",
        )


MULTI_SOURCE_DEST = Rule(
    id="HC0005",
    name="copy-multiple-sources-without-slash",
    title="COPY of several sources to a destination without a trailing slash",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation=(
        "With more than one source, BuildKit requires the destination to be a directory"
        " written with a trailing `/`, and fails the build otherwise."
    ),
    fix="End the destination with `/`.",
    check=_check_copy_dest,
    hadolint=("DL3021",),
    aliases=("DS011",),
)


# -- HC3042 / HC0007 COPY --from ---------------------------------------------------------

_IMAGE_LIKE = re.compile(r"[:/@.]")


def _stage_index(dockerfile: Dockerfile, name: str) -> int | None:
    low = name.lower()
    for stage in dockerfile.stages:
        if stage.name == low:
            return stage.index
    return int(low) if low.isdigit() else None


def _check_from_ref(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for stage in df.stages:
        for ins in stage.find("COPY"):
            src = ins.flag("from")
            if not src or "$" in src:
                continue
            index = _stage_index(df, src)
            if index is None:
                if _IMAGE_LIKE.search(src):
                    continue  # a deliberate external image (`--from=nginx:1.27`)
                yield at_line(
                    ins,
                    f"--from={src} names no stage of this file: unless the build passes"
                    f" `--build-context {src}=...`, BuildKit pulls the image"
                    f" docker.io/library/{src.lower()}:latest",
                    fix="Fix the stage name, or write the image reference in full with a tag"
                    f" (`--from=docker.io/library/{src.lower()}:<tag>`).",
                )
            elif index > stage.index:
                yield at_line(
                    ins,
                    f"--from={src} refers to a stage defined later in the file",
                    fix="Move the stage above the one that copies from it.",
                )


FROM_UNKNOWN = Rule(
    id="HC3042",
    name="copy-from-unknown-stage",
    title="COPY --from names no earlier stage",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "A `--from` name that matches no stage (and no `--build-context` given to the build)"
        " is taken as an image name and pulled from Docker Hub: a typo turns into a"
        " dependency on whatever image has that name, at its `latest` tag."
    ),
    fix="Reference a stage defined above (`FROM ... AS build`, `COPY --from=build`).",
    check=_check_from_ref,
    hadolint=("DL3022",),
    aliases=("HC0006",),
)


def _check_self_ref(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for stage in df.stages:
        for ins in stage.find("COPY"):
            src = ins.flag("from")
            if src and _stage_index(df, src) == stage.index:
                yield at_line(ins, f"--from={src} is the stage this COPY is in: the build fails")


FROM_SELF = Rule(
    id="HC0007",
    name="copy-from-own-stage",
    title="COPY --from its own stage",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation="A stage cannot copy from itself; BuildKit reports a circular dependency.",
    fix="Copy from an earlier stage, or use a plain COPY from the build context.",
    check=_check_self_ref,
    hadolint=("DL3023",),
    aliases=("DS006",),
)


# -- HC0008 duplicate stage names --------------------------------------------------------


def _check_dup_stage(ctx: RuleContext) -> Iterator[Hit]:
    seen: dict[str, Stage] = {}
    for stage in ctx.dockerfile.stages:
        if stage.name is None:
            continue
        first = seen.get(stage.name)
        if first is not None:
            yield at_line(
                stage.from_,
                f"stage name {stage.name} is already used on line {first.from_.line}",
            )
        else:
            seen[stage.name] = stage


DUP_STAGE = Rule(
    id="HC0008",
    name="duplicate-stage-name",
    title="Duplicate stage name",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation="BuildKit refuses a Dockerfile in which two stages share an `AS` name.",
    fix="Give each stage a unique name.",
    check=_check_dup_stage,
    hadolint=("DL3024",),
    aliases=("CKV_DOCKER_11", "DS012"),
)


# -- HC3043 shell-form CMD/ENTRYPOINT ----------------------------------------------------


def _check_shell_form(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for stage in df.stages:
        if stage.index not in chain or stage.windows:
            continue
        for ins in stage.find("CMD", "ENTRYPOINT"):
            if ins.json is None and ins.args:
                yield at_line(
                    ins,
                    f"shell-form {ins.keyword}: the process runs under /bin/sh -c and does not"
                    " get SIGTERM on `docker stop`",
                    fix=f"Use exec form: `{ins.keyword} {_as_json(ins.args)}`"
                    " (or `exec` the program from a script).",
                )


def _as_json(args: str) -> str:
    words = [unquote(w) for w in split_words(args)]
    if any(c in args for c in "|&;<>$`*"):
        return '["sh", "-c", "exec ' + args.replace('"', '\\"') + '"]'
    return "[" + ", ".join('"' + w.replace('"', '\\"') + '"' for w in words) + "]"


SHELL_FORM = Rule(
    id="HC3043",
    name="shell-form-cmd-entrypoint",
    title="CMD or ENTRYPOINT in shell form",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "In shell form the container's PID 1 is `/bin/sh -c`, which does not forward"
        " signals: `docker stop` waits out its timeout and then kills the app uncleanly."
    ),
    fix='Use the JSON exec form: `CMD ["gunicorn", "app:app"]`.',
    check=_check_shell_form,
    hadolint=("DL3025",),
    aliases=("HC0009",),
)


# -- HC0010 instruction before the first FROM --------------------------------------------


def _check_before_from(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.instructions:
        if ins.keyword == "FROM":
            return
        if ins.keyword != "ARG":
            yield at_line(ins, f"{ins.keyword} before the first FROM: the build fails")


BEFORE_FROM = Rule(
    id="HC0010",
    name="instruction-before-from",
    title="Instruction before the first FROM",
    severity=Severity.HIGH,
    practice=Practice.SYNTAX,
    explanation="Only ARG (and comments or parser directives) may come before the first FROM.",
    fix="Start the Dockerfile with FROM (global ARGs may precede it).",
    check=_check_before_from,
    hadolint=("DL3061",),
)


# -- HC3044 ENV referring to a variable set in the same instruction ----------------------

_REF = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


def _check_env_self(ctx: RuleContext) -> Iterator[Hit]:
    known: set[str] = set()
    for ins in ctx.dockerfile.instructions:
        if ins.keyword == "ARG":
            for word in split_words(ins.args):
                known.add(word.partition("=")[0])
            continue
        if ins.keyword != "ENV":
            continue
        pairs = _raw_pairs(ins.args)
        names = [k for k, _ in pairs]
        for i, (_key, value) in enumerate(pairs):
            if value.startswith("'"):
                continue  # single quotes: BuildKit does not expand
            used = {a or b for a, b in _REF.findall(value)}
            bad = [n for j, n in enumerate(names) if j < i and n in used and n not in known]
            if bad:
                yield at_line(
                    ins,
                    f"${bad[0]} is set in this same ENV: it expands to its previous (here"
                    " empty) value, not the one set here",
                    fix=f"Set {bad[0]} in an ENV of its own above this one.",
                )
                break
        known.update(names)


def _raw_pairs(args: str) -> list[tuple[str, str]]:
    words = split_words(args)
    if not words or "=" not in words[0]:
        return []
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words]


ENV_SELF = Rule(
    id="HC3044",
    name="env-self-reference",
    title="ENV uses a variable it defines itself",
    severity=Severity.MEDIUM,
    practice=Practice.BUILD,
    explanation=(
        "All values of one ENV instruction are expanded before any is set, so `ENV A=1"
        " B=$A` sets B to the old value of A (usually empty)."
    ),
    fix="Split it: `ENV A=1` then `ENV B=$A`.",
    check=_check_env_self,
    hadolint=("DL3044",),
    aliases=("HC0011",),
)


# -- HC3045 COPY to a relative destination without WORKDIR -------------------------------


def _check_relative_dest(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    has_workdir: dict[int, bool] = {}
    for stage in df.stages:
        current = has_workdir.get(stage.parent, False) if stage.parent is not None else False
        for ins in stage.instructions:
            if ins.keyword == "WORKDIR":
                current = True
            elif ins.keyword == "COPY" and not current:
                dest = unquote(ins.arg_list[-1]) if ins.arg_list else "/"
                if not _abs_or_var(dest):
                    yield at_line(
                        ins,
                        f"COPY to relative {dest} with no WORKDIR set: it lands wherever the"
                        " base image's working directory is",
                        fix="Set `WORKDIR /app` first, or use an absolute destination.",
                    )
        has_workdir[stage.index] = current


RELATIVE_DEST = Rule(
    id="HC3045",
    name="copy-relative-without-workdir",
    title="COPY to a relative path without WORKDIR",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "A relative destination is resolved against the working directory inherited from the"
        " base image (often `/`), which can change when the base image does."
    ),
    fix="Set an explicit `WORKDIR` before the COPY, or copy to an absolute path.",
    check=_check_relative_dest,
    hadolint=("DL3045",),
    aliases=("HC0012",),
)


# -- HC7004 invalid label keys -----------------------------------------------------------

_LABEL_KEY = re.compile(r"^[a-z]([a-z0-9.-]*[a-z0-9])?$")
_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")


def _check_label_keys(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("LABEL"):
        words = split_words(ins.args)
        keys = [unquote(w.partition("=")[0]) for w in words] if "=" in ins.args else words[:1]
        for key in keys:
            if "$" in key:
                continue
            if not _LABEL_KEY.match(key) or ".." in key or "--" in key or key.startswith(_RESERVED):
                yield at_line(
                    ins,
                    f"label key {key!r} does not follow the reverse-DNS convention"
                    " (lower case, digits, `.` and `-`; not com.docker.*)",
                )
                break


LABEL_KEY = Rule(
    id="HC7004",
    name="invalid-label-key",
    title="Invalid label key",
    severity=Severity.INFO,
    practice=Practice.AUDIT,
    explanation=(
        "Docker's label convention is reverse-DNS keys in lower case (`org.opencontainers."
        "image.source`); other keys collide with tools' labels and Docker reserves its own"
        " namespaces."
    ),
    fix="Use a reverse-DNS key such as `org.opencontainers.image.title`.",
    check=_check_label_keys,
    hadolint=("DL3048",),
    aliases=("HC0013",),
)


# -- HC3046 FROM --platform --------------------------------------------------------------


def _check_platform(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.dockerfile.stages:
        platform = stage.from_.flag("platform")
        if not platform:
            continue
        if platform in ("$TARGETPLATFORM", "${TARGETPLATFORM}"):
            yield Hit(
                stage.from_.line,
                stage.from_.line,
                "--platform=$TARGETPLATFORM is already the default",
                extra={"hadolint": "DL3065"},
            )
        elif "$" not in platform:
            yield Hit(
                stage.from_.line,
                stage.from_.line,
                f"--platform={platform} pins this stage to one architecture: builds for other"
                " platforms get a mismatched stage (emulated or wrong binaries)",
                extra={"hadolint": "DL3029"},
            )


PLATFORM = Rule(
    id="HC3046",
    name="fixed-from-platform",
    title="FROM with a fixed --platform",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "A constant `--platform` defeats multi-platform builds; `$BUILDPLATFORM` (for"
        " cross-compiling stages) and `$TARGETPLATFORM` are the portable values."
    ),
    fix=(
        "Drop `--platform`, or use `--platform=$BUILDPLATFORM` for a cross-compiling build stage."
    ),
    check=_check_platform,
    hadolint=("DL3029", "DL3065"),
    aliases=("HC0014",),
)

# -- HC2012 WORKDIR or VOLUME on a kernel filesystem -------------------------------------

# what the runtime mounts from the host kernel (Trivy DS030 adds /boot; Dockle DKL-DI-0002)
_SYSTEM_DIRS = ("/proc", "/sys", "/dev", "/boot")


def _system_dir(path: str) -> str | None:
    clean = "/" + path.strip("\"'").strip("/")
    clean = posixpath.normpath(clean)
    for top in _SYSTEM_DIRS:
        if clean == top or clean.startswith(top + "/"):
            return top
    return None


def _check_system_dirs(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("WORKDIR", "VOLUME"):
        eff = ins.effective
        paths = eff.arg_list if eff.keyword == "VOLUME" else (eff.args.strip(),)
        for path in paths:
            if "$" in path:
                continue  # a variable is judged when it has a value, not here
            top = _system_dir(path)
            if top is not None:
                yield at_line(
                    ins,
                    f"{eff.keyword} {path} is under {top}, which the container runtime mounts"
                    " from the host kernel",
                )
                break


SYSTEM_DIR = Rule(
    id="HC2012",
    name="workdir-volume-on-system-path",
    title="WORKDIR or VOLUME on /proc, /sys, /dev or /boot",
    severity=Severity.HIGH,
    practice=Practice.PRIVILEGES,
    explanation=(
        "The runtime mounts /proc, /sys and /dev from the host kernel: a VOLUME there asks"
        " for a host-backed mount over them, and a WORKDIR there makes the build and the"
        " process write into kernel interfaces, a classic container-escape path."
    ),
    fix="Use an application directory (`WORKDIR /app`, `VOLUME /data`).",
    check=_check_system_dirs,
    aliases=("HC0015", "DS030", "DKL-DI-0002"),
)

# -- HC3047 ADD for local files ----------------------------------------------------------


def _check_add_local(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.find("ADD"):
        srcs = add_sources(ins)
        if not srcs or ins.heredocs:
            continue
        if any(
            URL_SOURCE.match(s) or GIT_SOURCE.match(s) or s.lower().endswith(ADD_UNPACKS)
            for s in srcs
        ):
            continue
        if any("$" in s for s in srcs):
            continue
        yield at_line(
            ins,
            "ADD of local files: COPY does the same without ADD's implicit archive"
            " extraction and URL fetching"
            + (
                " (ADD does not unpack a .zip: it copies it as it is)"
                if any(s.lower().endswith(".zip") for s in srcs)
                else ""
            ),
            fix="Replace `ADD` with `COPY`.",
        )


ADD_LOCAL = Rule(
    id="HC3047",
    name="add-for-local-files",
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
    aliases=("HC0016", "HC5003", "CKV_DOCKER_4", "DS005", "CIS-DI-0009"),
)


RULES = (
    RELATIVE_WORKDIR,
    INVALID_PORT,
    REPEATED,
    MULTI_SOURCE_DEST,
    FROM_UNKNOWN,
    FROM_SELF,
    DUP_STAGE,
    SHELL_FORM,
    BEFORE_FROM,
    ENV_SELF,
    RELATIVE_DEST,
    LABEL_KEY,
    PLATFORM,
    SYSTEM_DIR,
    ADD_LOCAL,
)
