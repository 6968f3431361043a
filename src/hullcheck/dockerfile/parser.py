"""Parse Dockerfile text into ``hullcheck.dockerfile.model`` objects, the way BuildKit reads it.

Mirrors BuildKit's line scanner (``frontend/dockerfile/parser``): parser directives
only before anything else; comment lines dropped everywhere, also inside continuations;
an escape character at the end of a line continues it unless it is itself escaped
(``\\\\`` ends the instruction); heredocs on RUN/COPY/ADD read whole lines up to the
terminator, after which the next line is a new instruction.  On top of that it
applies the instruction-level checks BuildKit makes before building (unknown
instruction, FROM shape, ENV/LABEL form, JSON arrays of strings...), since those make
``docker build`` fail just the same.

Everything that cannot be read raises ``DockerfileError`` with the offending lines.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence

from hullcheck.dockerfile.imageref import parse_image_ref
from hullcheck.dockerfile.model import Comment, Dockerfile, Heredoc, Instruction, Stage
from hullcheck.dockerfile.shell import SHELLS, Command, Script, parse_script
from hullcheck.dockerfile.words import (
    expand,
    split_flags,
    split_words,
    split_ws,
    unquote,
    unresolved,
)
from hullcheck.errors import DockerfileError

MAX_LINE = 65535
"""BuildKit's longest physical line (bufio.MaxScanTokenSize - 1)."""

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_HEREDOC = re.compile(r"^(\d*)<<(-?)([^<]*)$")
_HEREDOC_WORD = re.compile(r"\d*<<-?\s*(['\"]?)[A-Za-z0-9_]+\1")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9\-_.]*$")
_VALID_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
_KEYWORDS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip
_NEEDS_ARGS = frozenset(
    {
        "ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "MAINTAINER", "ONBUILD",
        "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    }
)  # fmt: skip
_VALUE_FLAGS = {
    "ADD": frozenset({"chown", "chmod", "from", "checksum", "exclude"}),
    "COPY": frozenset({"chown", "chmod", "from", "exclude"}),
    "RUN": frozenset({"mount", "network", "security"}),
    "FROM": frozenset({"platform"}),
}
_JSON_KEYWORDS = frozenset({"RUN", "CMD", "ENTRYPOINT", "SHELL"})
_JSON_LIST_KEYWORDS = frozenset({"ADD", "COPY", "VOLUME"})
_WINDOWS_IMAGE = re.compile(
    r"mcr\.microsoft\.com/(windows|dotnet/framework)|nanoserver|servercore|windows"
    r"|:ltsc20\d\d|-ltsc20\d\d",
    re.IGNORECASE,
)
_SHELL_PRAGMA = re.compile(r"^(hadolint|hullcheck)\s+shell\s*=\s*(\S+)", re.IGNORECASE)
_CROSS_IMAGE = re.compile(r"dockcross/|mingw|cross", re.IGNORECASE)
"""Linux images that build *for* Windows (dockcross/windows-static-x64...)."""
_POSIX_DEFAULT = ("/bin/sh", "-c")
_WINDOWS_DEFAULT = ("cmd", "/S", "/C")


class _Line:
    """One logical instruction line: its text and where each piece came from."""

    __slots__ = ("comments", "end", "pieces", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start
        self.pieces: list[tuple[str, int]] = []
        self.comments: list[Comment] = []

    @property
    def text(self) -> str:
        return "".join(p for p, _ in self.pieces)


def parse(text: str, path: str = "Dockerfile") -> Dockerfile:
    """Parse Dockerfile ``text``; ``path`` is only recorded.  Raises ``DockerfileError``."""
    return _Parser(text, path).run()


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        if text.startswith("\ufeff"):
            text = text[1:]
        self.path = path
        raw_lines = text.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        self.raw = raw_lines
        self.lines = [ln.rstrip("\r") for ln in raw_lines]
        self.escape = "\\"
        self.cont = _continuation_regex("\\")
        self.directives: dict[str, str] = {}
        self.directives_done = False
        self.comments: list[Comment] = []
        self.instructions: list[Instruction] = []
        self.stages: list[Stage] = []
        self.global_args: dict[str, str | None] = {}
        self.stage_shell: list[tuple[str, ...]] = []
        self.stage_shell_set: list[bool] = []
        # `# hadolint shell=powershell`: the file's RUNs are in that shell from here on
        self.shell_pragma: tuple[str, ...] | None = None

    # -- line scanning -------------------------------------------------------------

    def run(self) -> Dockerfile:
        lines = self.lines
        n = len(lines)
        i = 0
        pending: list[Comment] = []
        if lines and max(map(len, lines)) > MAX_LINE:
            idx = next(k for k, ln in enumerate(lines) if len(ln) > MAX_LINE)
            raise DockerfileError(
                f"line longer than BuildKit's limit of {MAX_LINE} characters", idx + 1
            )
        while i < n:
            raw = lines[i]
            stripped = raw.lstrip()
            lineno = i + 1
            self._directive(stripped, lineno)
            i += 1
            if stripped.startswith("#"):
                comment = Comment(lineno, stripped[1:].strip())
                self.comments.append(comment)
                pending.append(comment)
                shell_pragma = _SHELL_PRAGMA.match(comment.text)
                if shell_pragma:
                    self.shell_pragma = (shell_pragma.group(2),)
                continue
            body, ends = self._trim_continuation(stripped)
            if ends and not body.strip():
                continue
            logical = _Line(lineno)
            logical.pieces.append((body, lineno))
            while not ends and i < n:
                nxt = lines[i]
                i += 1
                lead = nxt.lstrip()
                if lead.startswith("#"):
                    comment = Comment(i, lead[1:].strip())
                    self.comments.append(comment)
                    logical.comments.append(comment)
                    continue
                if not lead:
                    continue
                body, ends = self._trim_continuation(nxt)
                logical.pieces.append((body, i))
            logical.end = i
            if not split_ws(logical.text):
                continue  # only continuation characters and blanks: nothing to run
            i = self._instruction(logical, pending, i)
            pending = []
        if not self.instructions:
            raise DockerfileError("file with no instructions", max(n, 1))
        return Dockerfile(
            path=self.path,
            lines=lines,
            instructions=self.instructions,
            stages=self.stages,
            comments=self.comments,
            directives=self.directives,
            escape=self.escape,
            global_args=self.global_args,
        )

    def _directive(self, stripped: str, lineno: int) -> None:
        if self.directives_done:
            return
        match = _DIRECTIVE.match(stripped)
        if match is None:
            self.directives_done = True
            return
        key = match.group(1).lower()
        if key not in _VALID_DIRECTIVES:
            self.directives_done = True
            return
        if key in self.directives:
            raise DockerfileError(f"only one {key} parser directive can be used", lineno)
        value = match.group(2)
        self.directives[key] = value
        if key == "escape":
            if value not in ("\\", "`"):
                raise DockerfileError(
                    f"invalid escape token {value!r} does not match ` or \\", lineno
                )
            self.escape = value
            self.cont = _continuation_regex(value)

    def _trim_continuation(self, line: str) -> tuple[str, bool]:
        match = self.cont.search(line)
        if match is None:
            return line, True
        return line[: match.start()] + (match.group(1) or ""), False

    # -- one instruction -----------------------------------------------------------

    def _instruction(self, logical: _Line, comments: list[Comment], next_index: int) -> int:
        line = logical.text
        start = logical.start
        ins = self._make(line, logical, start)
        trigger = ins.onbuild
        target = trigger if trigger is not None else ins
        raw_bodies: list[tuple[str, list[tuple[str, int]]]] = []
        if target.keyword in _HEREDOC_KEYWORDS and target.json is None:
            docs = []
            for fd, chomp, name, expand_body in _heredocs_in(line):
                body_lines: list[tuple[str, int]] = []
                terminated = False
                while next_index < len(self.lines):
                    candidate = self.lines[next_index]
                    next_index += 1
                    check = candidate.lstrip("\t") if chomp else candidate
                    if check == name:
                        terminated = True
                        break
                    body_lines.append((self.raw[next_index - 1], next_index))
                if not terminated:
                    raise DockerfileError(
                        f"unterminated heredoc {name!r}", start, max(next_index, start)
                    )
                content = "".join(text + "\n" for text, _ in body_lines)
                if chomp:
                    content = re.sub(r"(?m)^\t+", "", content)
                first = body_lines[0][1] if body_lines else next_index
                docs.append(Heredoc(name, content, first, next_index, chomp, expand_body, fd))
                raw_bodies.append((self.lines[next_index - 1], body_lines))
            target.heredocs = tuple(docs)
        end = max(logical.end, next_index) if target.heredocs else logical.end
        ins.end_line = end
        target.end_line = end
        ins.comments = tuple(comments)
        ins.inner_comments = tuple(logical.comments)
        self._place(ins)
        if target.keyword == "RUN":
            if self.shell_pragma is not None and not self._explicit_shell():
                target.shell = self.shell_pragma
            target.script = self._script(target, logical, raw_bodies)
        return next_index

    def _make(self, line: str, logical: _Line, start: int) -> Instruction:
        parts = split_ws(line, 1)
        keyword = parts[0].upper() if parts else ""
        rest = parts[1] if len(parts) > 1 else ""
        if keyword not in _KEYWORDS:
            raise DockerfileError(f"unknown instruction: {parts[0][:40]}", start, logical.end)
        flags, args = split_flags(rest)
        args = args.strip()
        for flag in flags:
            if (
                flag.partition("=")[0][2:].lower() in _VALUE_FLAGS.get(keyword, ())
                and "=" not in flag
            ):
                raise DockerfileError(f"missing a value on flag: {flag[:40]}", start, logical.end)
        ins = Instruction(
            keyword, args, start, logical.end, tuple(flags), original=line, escape=self.escape
        )
        if keyword == "ONBUILD":
            if not rest.strip():
                raise DockerfileError("ONBUILD requires at least one argument", start)
            trigger = self._make(rest, logical, start)
            if trigger.keyword in ("ONBUILD", "FROM", "MAINTAINER"):
                raise DockerfileError(
                    f"{trigger.keyword} isn't allowed as an ONBUILD trigger", start
                )
            ins.onbuild = trigger
            ins.args = rest.strip()
            ins.flags = ()
            return ins
        if keyword in _NEEDS_ARGS and not args:
            raise DockerfileError(f"{keyword} requires at least one argument", start, logical.end)
        if keyword in _JSON_KEYWORDS or keyword in _JSON_LIST_KEYWORDS:
            ins.json = _maybe_json(args, start)
        if keyword == "SHELL" and ins.json is None:
            raise DockerfileError("SHELL requires the arguments to be in JSON form", start)
        if keyword in ("ENV", "LABEL"):
            _check_name_values(keyword, args, self.escape, start)
        if keyword in ("COPY", "ADD") and len(ins.arg_list) < 2:
            raise DockerfileError(f"{keyword} requires at least two arguments", start)
        if keyword == "HEALTHCHECK" and args:
            kind, _, cmd = args.partition(" ")
            if kind.upper() == "CMD":
                ins.json = _maybe_json(cmd.strip(), start)
        return ins

    # -- stages, ARGs, shells ------------------------------------------------------

    def _place(self, ins: Instruction) -> None:
        if ins.keyword == "FROM":
            self._from(ins)
            return
        if not self.stages:
            # only ARG belongs here; anything else BuildKit's line parser still reads, and
            # rules report it (stage None), so the rest of the file is still checked
            if ins.keyword == "ARG":
                for word in split_words(ins.args, self.escape):
                    name, sep, value = word.partition("=")
                    self.global_args[name] = unquote(value, self.escape) if sep else None
            eff = ins.effective
            if eff.keyword == "RUN":
                eff.shell = _POSIX_DEFAULT
            self.instructions.append(ins)
            return
        stage = self.stages[-1]
        ins.stage = stage.index
        eff = ins.effective
        eff.stage = stage.index
        if ins.keyword == "SHELL" and ins.json:
            self.stage_shell[-1] = ins.json
            self.stage_shell_set[-1] = True
        eff.shell = self.stage_shell[-1]
        stage.instructions.append(ins)
        self.instructions.append(ins)

    def _explicit_shell(self) -> bool:
        return bool(self.stage_shell_set) and self.stage_shell_set[-1]

    def _from(self, ins: Instruction) -> None:
        words = split_ws(ins.args)
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].lower() != "as"):
            raise DockerfileError(
                "FROM requires either one or three arguments (FROM image [AS name])",
                ins.line,
                ins.end_line,
            )
        env = self.global_args
        image = expand(words[0], env, self.escape)
        name: str | None = None
        if len(words) == 3:
            name = expand(words[2], env, self.escape).lower()
            if not _STAGE_NAME.match(name):
                raise DockerfileError(f"invalid name for build stage: {words[2]!r}", ins.line)
        index = len(self.stages)
        parent: int | None = None
        low = image.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name == low:
                parent = stage.index
        ref = None if parent is not None or low == "scratch" else parse_image_ref(image)
        if ref is not None and unresolved(words[0], env):
            # a build arg without default: the real image is only known at build time
            ref = dataclasses.replace(ref, has_variables=True)
        platform = ins.flag("platform")
        windows = self.escape == "`" or (
            bool(_WINDOWS_IMAGE.search(image)) and not _CROSS_IMAGE.search(image)
        )
        shell: tuple[str, ...] = _WINDOWS_DEFAULT if windows else _POSIX_DEFAULT
        shell_set = False
        if parent is not None:
            windows = windows or self.stages[parent].windows
            if self.stage_shell_set[parent]:
                shell, shell_set = self.stage_shell[parent], True
            elif windows:
                shell = _WINDOWS_DEFAULT
        ins.stage = index
        ins.shell = shell
        stage = Stage(
            index=index,
            from_=ins,
            image=image,
            ref=ref,
            name=name,
            parent=parent,
            platform=platform,
            windows=windows,
            instructions=[ins],
        )
        self.stages.append(stage)
        self.stage_shell.append(shell)
        self.stage_shell_set.append(shell_set)
        self.instructions.append(ins)

    def _script(
        self,
        ins: Instruction,
        logical: _Line,
        raw_bodies: list[tuple[str, list[tuple[str, int]]]],
    ) -> Script | None:
        if not _is_posix(ins.shell):
            return None
        if ins.json is not None:
            return _exec_script(ins)
        # the RUN text after keyword and flags, with each piece's Dockerfile line
        full = logical.text.rstrip()
        if not full.endswith(ins.args):
            return parse_script(ins.args, [0], [ins.line])
        skip = len(full) - len(ins.args)
        pieces: list[tuple[str, int]] = []
        for text, lineno in logical.pieces:
            if skip >= len(text):
                skip -= len(text)
                continue
            pieces.append((text[skip:], lineno))
            skip = 0
        script_docs = [_runs_as_script(ins.args, doc, len(ins.heredocs)) for doc in ins.heredocs]
        chunks: list[str] = []
        starts: list[int] = []
        lines: list[int] = []
        offset = 0
        blank_heredocs = any(script_docs)
        for piece, lineno in pieces:
            text = piece
            if blank_heredocs:
                # `RUN bash <<EOF`: the body is parsed as the script below; blank the
                # redirect (same length, offsets kept) so the grammar sees only `bash`
                text = _HEREDOC_WORD.sub(lambda m: " " * len(m.group(0)), text)
            starts.append(offset)
            lines.append(lineno)
            data = text.encode("utf-8", "surrogateescape")
            chunks.append(text)
            offset += len(data)
        chunks.append("\n")
        offset += 1
        for (terminator, body), as_script in zip(raw_bodies, script_docs, strict=True):
            if as_script:
                continue
            for text, lineno in body:
                starts.append(offset)
                lines.append(lineno)
                chunks.append(text + "\n")
                offset += len(text.encode("utf-8", "surrogateescape")) + 1
            chunks.append(terminator + "\n")
            offset += len(terminator.encode("utf-8", "surrogateescape")) + 1
        # a RUN of bare heredocs: BuildKit runs each body itself (shell bodies parsed below)
        only_heredocs = all(_HEREDOC.match(w) for w in ins.args.split())
        script = Script() if only_heredocs else parse_script("".join(chunks), starts, lines)
        for doc, as_script in zip(ins.heredocs, script_docs, strict=True):
            if as_script:
                body_starts, body_lines = _row_offsets(doc.content, doc.line)
                script = script.merged(parse_script(doc.content, body_starts, body_lines))
        return script


def _continuation_regex(escape: str) -> re.Pattern[str]:
    e = re.escape(escape)
    return re.compile(rf"([^{e}]){e}[ \t]*$|^{e}[ \t]*$")


def _heredocs_in(line: str) -> list[tuple[int, bool, str, bool]]:
    """Heredoc words of an instruction line: (fd, chomp, name, expand), as BuildKit finds them."""
    if "<<" not in line:
        return []
    out: list[tuple[int, bool, str, bool]] = []
    for word in split_words(line, "\\"):
        match = _HEREDOC.match(word)
        if match is None or not match.group(3):
            continue
        rest = match.group(3)
        words = split_words(rest, "\\")
        if len(words) != 1:
            continue
        name = unquote(words[0], "\\")
        expand_body = not any(q in rest for q in "'\"")
        out.append((int(match.group(1) or 0), match.group(2) == "-", name, expand_body))
    return out


def _maybe_json(args: str, line: int) -> tuple[str, ...] | None:
    if not args.startswith("["):
        return None
    try:
        value = json.loads(args)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise DockerfileError(
            "when using JSON array syntax, arrays must be comprised of strings only", line
        )
    return tuple(value)


def _check_name_values(keyword: str, args: str, escape: str, line: int) -> None:
    words = split_words(args, escape)
    if not words:
        raise DockerfileError(f"{keyword} requires at least one argument", line)
    if "=" not in words[0]:
        if len(split_ws(args, 1)) < 2:
            raise DockerfileError(f"{keyword} must have two arguments", line)
        return
    for word in words:
        if "=" not in word:
            raise DockerfileError(
                f"syntax error - can't find = in {word[:40]!r}; must be of the form name=value",
                line,
            )
        quote = _open_quote(word, escape)
        if quote:
            raise DockerfileError(
                f"unterminated {quote} quote in {keyword} value {word[:40]!r}", line
            )


def _open_quote(word: str, escape: str) -> str:
    """The quote left open at the end of ``word`` under shell lexing, else ``""``."""
    quote = ""
    pos = 0
    while pos < len(word):
        ch = word[pos]
        if quote == "'":
            if ch == "'":
                quote = ""
        elif ch == escape:
            pos += 1
        elif quote == '"':
            if ch == '"':
                quote = ""
        elif ch in "'\"":
            quote = ch
        pos += 1
    return {"'": "single", '"': "double"}.get(quote, "")


def _is_posix(shell: Sequence[str]) -> bool:
    if not shell:
        return False
    name = shell[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    name = name.removesuffix(".exe")
    return name in SHELLS


def _exec_script(ins: Instruction) -> Script:
    argv = ins.json or ()
    if not argv:
        return Script()
    cmd = Command(argv[0], tuple(argv[1:]), ins.line, ins.end_line, " ".join(argv))
    script = Script((cmd,), (), (), 1)
    if _is_posix(argv) and "-c" in argv[1:-1]:
        body = argv[argv.index("-c", 1) + 1]
        script = script.merged(parse_script(body, [0], [ins.line]))
    return script


def _runs_as_script(args: str, doc: Heredoc, count: int) -> bool:
    """Whether a RUN heredoc body is itself the shell script (not data fed to a program)."""
    first = doc.content.split("\n", 1)[0]
    if first.startswith("#!"):
        interp = first[2:].split()
        if not interp:
            return False
        prog = interp[0].rsplit("/", 1)[-1]
        if prog == "env" and len(interp) > 1:
            prog = interp[1].rsplit("/", 1)[-1]
        if prog not in SHELLS:
            return False
    words = args.split()
    programs = [w for w in words if not _HEREDOC.match(w)]
    if not programs:
        return True
    # `RUN bash <<EOF`, `RUN <<EOF sh -e`: the body is the interpreter's script
    head = programs[0].rsplit("/", 1)[-1]
    return count == 1 and head in SHELLS and "-c" not in programs


def _row_offsets(text: str, first_line: int) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    lines: list[int] = []
    offset = 0
    for row, part in enumerate(text.split("\n")):
        starts.append(offset)
        lines.append(first_line + row)
        offset += len(part.encode("utf-8", "surrogateescape")) + 1
    return starts, lines
