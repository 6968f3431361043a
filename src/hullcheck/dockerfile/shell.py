"""RUN bodies as shell: commands with argv and exact lines, pipelines, ``&&`` chains.

Parsing uses tree-sitter-bash (a real, error-tolerant bash grammar in C: it never
raises on odd input, keeps byte positions for line numbers, and parses a whole RUN in
microseconds).  bashlex was the alternative; it raises on much real-world shell
(``[[ ]]``, arrays, ``case`` inside ``$( )``) and is pure Python, so far slower.

Rules never see the tree: they get ``Script.commands``, flat ``Command`` values whose
``args`` are unquoted words (expansions kept as written, e.g. ``$VERSION``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import tree_sitter
import tree_sitter_bash

from hullcheck.dockerfile.words import unquote

_LANGUAGE = tree_sitter.Language(tree_sitter_bash.language())
_PARSER = tree_sitter.Parser(_LANGUAGE)

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh", "busybox"})
"""Interpreters whose scripts we analyse (``busybox sh`` included)."""

WRAPPERS = frozenset(
    {
        "sudo", "env", "nice", "nohup", "time", "exec", "command", "xargs", "su-exec",
        "gosu", "doas", "chroot", "timeout", "stdbuf", "ionice", "eatmydata", "tini",
        "dumb-init",
    }
)  # fmt: skip
"""Commands that run another command given as their arguments."""

_VALUE_OPTIONS = {
    "sudo": frozenset({"-u", "-g", "-C", "-p", "-U", "-h", "-r", "-t", "-D"}),
    "doas": frozenset({"-u", "-C"}),
    "xargs": frozenset({"-I", "-L", "-n", "-P", "-s", "-d", "-E", "-a"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "nice": frozenset({"-n"}),
    "ionice": frozenset({"-c", "-n"}),
    "env": frozenset({"-u", "-C", "--unset", "--chdir"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
}
"""Options of wrappers that take a separate value word."""

_WRAPPER_SKIP_ONE = {"gosu": 1, "su-exec": 1, "chroot": 1, "timeout": 1}
"""Wrappers whose first positional argument is not the command (user, root dir, duration)."""


@dataclass(frozen=True, slots=True)
class Command:
    """One simple command: ``name`` and ``args`` (unquoted), where it is, how it is joined.

    ``line``/``end_line`` are Dockerfile lines.  ``pipeline`` is the index in
    ``Script.pipelines`` when the command is part of a ``|`` pipeline, else ``None``.
    ``statement`` numbers the top-level ``;``/newline-separated statements of the
    script: commands joined by ``&&``, ``||`` or ``|`` share one.  ``wrapper`` names
    the command that ran this one (``sudo apt-get ...`` yields ``sudo`` and, with
    ``wrapper="sudo"``, ``apt-get``).  ``text`` is the source as written.
    """

    name: str
    args: tuple[str, ...]
    line: int
    end_line: int
    text: str = ""
    statement: int = 0
    pipeline: int | None = None
    wrapper: str | None = None
    assignments: tuple[str, ...] = ()
    redirects: tuple[str, ...] = ()
    in_substitution: bool = False
    negated_or_guarded: bool = False
    basename: str = field(init=False, repr=False, compare=False)
    """``/usr/bin/apt-get`` -> ``apt-get`` (a field: rules read it millions of times)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "basename", self.name.rsplit("/", 1)[-1])

    @property
    def argv(self) -> tuple[str, ...]:
        return (self.name, *self.args)

    def has_flag(self, *flags: str) -> bool:
        """True when any of ``flags`` is given, before a ``--`` end-of-options marker.

        A one-letter flag such as ``-y`` also matches inside a cluster (``-qy``);
        a long flag such as ``--yes`` also matches ``--yes=...``.
        """
        for arg in self.args:
            if arg == "--":
                return False
            if not arg.startswith("-") or arg == "-":
                continue
            for flag in flags:
                if arg == flag:
                    return True
                if flag.startswith("--"):
                    if arg.startswith(flag + "="):
                        return True
                elif (
                    len(flag) == 2
                    and not arg.startswith("--")
                    and arg[1:].isalpha()
                    and flag[1] in arg[1:]
                ):
                    return True
        return False

    def flag_value(self, *flags: str) -> str | None:
        """Value of the first of ``flags`` given (``-o x``, ``-ox``, ``--opt=x``, ``--opt x``)."""
        args = self.args
        for i, arg in enumerate(args):
            if arg == "--":
                return None
            for flag in flags:
                if arg == flag:
                    return args[i + 1] if i + 1 < len(args) else ""
                if flag.startswith("--") and arg.startswith(flag + "="):
                    return arg[len(flag) + 1 :]
                if len(flag) == 2 and not flag.startswith("--") and arg.startswith(flag):
                    return arg[2:]
        return None

    def positional(self, takes_value: Sequence[str] = ()) -> tuple[str, ...]:
        """Arguments that are not options; ``takes_value`` lists options that eat the next word."""
        out: list[str] = []
        skip = False
        ended = False
        for arg in self.args:
            if skip:
                skip = False
                continue
            if ended:
                out.append(arg)
            elif arg == "--":
                ended = True
            elif arg.startswith("-") and arg != "-":
                if arg in takes_value:
                    skip = True
            else:
                out.append(arg)
        return tuple(out)

    def subcommand(self, takes_value: Sequence[str] = ()) -> str | None:
        """The first positional argument (``install`` in ``apt-get -q install x``)."""
        pos = self.positional(takes_value)
        return pos[0] if pos else None


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Commands joined by ``|`` in order; ``line`` is where the pipeline starts."""

    commands: tuple[Command, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed RUN body.  ``errors`` lists lines where the shell grammar failed."""

    commands: tuple[Command, ...] = ()
    pipelines: tuple[Pipeline, ...] = ()
    errors: tuple[int, ...] = ()
    statements: int = 0

    def find(self, *names: str) -> Iterator[Command]:
        """Commands whose basename is one of ``names``."""
        wanted = set(names)
        return (c for c in self.commands if c.basename in wanted)

    def pipeline_of(self, command: Command) -> Pipeline | None:
        return None if command.pipeline is None else self.pipelines[command.pipeline]

    def same_statement(self, command: Command) -> tuple[Command, ...]:
        """Commands chained with ``command`` by ``&&``, ``||`` or ``|``."""
        return tuple(c for c in self.commands if c.statement == command.statement)

    def merged(self, other: Script) -> Script:
        """This script followed by ``other`` (e.g. a heredoc body), renumbering indices."""
        shift_p = len(self.pipelines)
        shift_s = self.statements
        cmds = tuple(_replace(c, shift_s, shift_p) for c in other.commands)
        pipes = tuple(
            Pipeline(tuple(_replace(c, shift_s, shift_p) for c in p.commands), p.line)
            for p in other.pipelines
        )
        return Script(
            self.commands + cmds,
            self.pipelines + pipes,
            self.errors + other.errors,
            self.statements + other.statements,
        )


def _replace(c: Command, shift_s: int, shift_p: int) -> Command:
    return Command(
        c.name,
        c.args,
        c.line,
        c.end_line,
        c.text,
        c.statement + shift_s,
        None if c.pipeline is None else c.pipeline + shift_p,
        c.wrapper,
        c.assignments,
        c.redirects,
        c.in_substitution,
        c.negated_or_guarded,
    )


EMPTY = Script()
_NESTING = re.compile(rb"\$\(|`|[<>]\(")
MAX_WORD = 64 << 10
"""Longest text kept for one word or command (a longer one is cut)."""
MAX_COMMANDS = 20_000
"""Commands one script may yield before analysis stops (no real RUN comes close)."""
TEXT_BUDGET = 32 << 20
"""Bytes of command text one script may copy before analysis stops (hostile nesting)."""


def parse_script(text: str, starts: Sequence[int], lines: Sequence[int]) -> Script:
    """Parse shell ``text``; bytes from offset ``starts[k]`` on are on Dockerfile line ``lines[k]``.

    ``starts`` is sorted; a single ``[0]``/``[line]`` pair puts everything on one line.
    """
    data = text.encode("utf-8", "surrogateescape")
    tree = _PARSER.parse(data)
    builder = _Builder(data, starts, lines)
    builder.walk_program(tree.root_node)
    return Script(
        tuple(builder.commands),
        tuple(Pipeline(tuple(p), p[0].line) for p in builder.pipelines if p),
        tuple(sorted(set(builder.errors))),
        builder.statement,
    )


_COMMAND_TYPES = frozenset({"command"})
_WORDLIKE = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "concatenation",
        "simple_expansion",
        "expansion",
        "number",
        "command_substitution",
        "ansi_c_string",
        "translated_string",
        "arithmetic_expansion",
        "process_substitution",
        "brace_expression",
    }
)


_PIPELINE_TRANSPARENT = frozenset({"negated_command", "compound_statement", "subshell"})
"""Nodes whose commands belong to the pipeline they stand in."""


class _Builder:
    """Walks a tree-sitter tree once, emitting Commands in source order."""

    def __init__(self, data: bytes, starts: Sequence[int], lines: Sequence[int]) -> None:
        self.data = data
        self.starts = starts
        self.lines = lines
        self.commands: list[Command] = []
        self.pipelines: list[list[Command]] = []
        self.errors: list[int] = []
        self.statement = 0
        # nested commands each copy their enclosing text: bound the total so that
        # hostile nesting ($( thousands deep) stays linear instead of quadratic
        self.budget = TEXT_BUDGET
        self.pending_redirects: dict[int, tuple[str, ...]] = {}
        # where a command can hide inside a word: $( ` <( >( ; most words have none,
        # and skipping them is most of the walk's time
        self.marks = [m.start() for m in _NESTING.finditer(data)]

    def nests(self, node: Any) -> bool:
        """Whether ``node``'s text holds a ``$(``, backquote or process substitution."""
        marks = self.marks
        if not marks:
            return False
        i = bisect.bisect_left(marks, node.start_byte)
        return i < len(marks) and marks[i] < node.end_byte

    def line_of(self, offset: int) -> int:
        """The Dockerfile line of byte ``offset``."""
        if len(self.starts) == 1:
            return self.lines[0]
        return self.lines[max(bisect.bisect_right(self.starts, offset) - 1, 0)]

    def text(self, node: Any) -> str:
        start, end = node.start_byte, node.end_byte
        if end - start > MAX_WORD:
            end = start + MAX_WORD
        self.budget -= end - start
        raw: bytes = self.data[start:end]
        return raw.decode("utf-8", "surrogateescape")

    def walk_program(self, root: Any) -> None:
        for child in root.named_children:
            if child.type == "comment":
                continue
            self.walk(child, pipeline=None, subst=False, guarded=False)
            self.statement += 1
        if root.has_error:
            self._collect_errors(root)

    def _collect_errors(self, node: Any) -> None:
        stack = [node]
        while stack:
            cur = stack.pop()
            if cur.type == "ERROR" or cur.is_missing:
                self.errors.append(self.line_of(cur.start_byte))
                continue
            if cur.has_error:
                stack.extend(cur.children)

    def walk(self, node: Any, pipeline: int | None, subst: bool, guarded: bool) -> None:
        """Depth-first, in source order, with an explicit stack: hostile nesting such as
        ``$($($(...)))`` thousands deep must not hit Python's recursion limit."""
        # (node, pipeline, in substitution, guarded, words-only)
        stack: list[tuple[Any, int | None, bool, bool, bool]] = [
            (node, pipeline, subst, guarded, False)
        ]
        while stack:
            if self.budget < 0 or len(self.commands) > MAX_COMMANDS:
                self.errors.append(self.line_of(node.start_byte))
                return
            cur, pipe, sub, guard, words = stack.pop()
            kind = cur.type
            if kind in ("command_substitution", "process_substitution"):
                stack.extend(
                    (child, None, True, guard if not words else False, False)
                    for child in reversed(cur.named_children)
                )
                continue
            if words:
                # only looking for $(...) nested in a word
                stack.extend(
                    (child, None, sub, False, True)
                    for child in reversed(cur.named_children)
                    if self.nests(child)
                )
                continue
            if kind == "command":
                self.emit(cur, pipe, sub, guard)
                if self.nests(cur):
                    stack.extend(
                        (child, None, sub, False, True)
                        for child in reversed(cur.named_children)
                        if self.nests(child)
                    )
                continue
            if kind == "declaration_command":
                # `export A=1`, `declare -x A=1`: a command named by its keyword
                self.emit_declaration(cur, pipe, sub, guard)
                stack.extend(
                    (child, None, sub, False, True)
                    for child in reversed(cur.named_children)
                    if self.nests(child)
                )
                continue
            if kind == "pipeline":
                index = len(self.pipelines)
                self.pipelines.append([])
                stack.extend(
                    (child, index, sub, guard, False) for child in reversed(cur.named_children)
                )
                continue
            if kind == "list":
                # `a || b`: b is a fallback; `a && b || c` likewise marks c
                children = cur.children
                todo = []
                for i, child in enumerate(children):
                    if child.is_named:
                        prev_op = children[i - 1].type if i > 0 else ""
                        todo.append((child, pipe, sub, guard or prev_op == "||", False))
                stack.extend(reversed(todo))
                continue
            if kind in ("heredoc_body", "string", "concatenation", "expansion", "simple_expansion"):
                stack.extend(
                    (child, None, sub, False, True)
                    for child in reversed(cur.named_children)
                    if self.nests(child)
                )
                continue
            if kind == "redirected_statement":
                # the redirects belong to the command in the body (no node.parent
                # lookups later: they walk from the root, quadratic on deep trees)
                children = cur.named_children
                outer = tuple(
                    self.text(c).split("\n", 1)[0] for c in children if c.type.endswith("redirect")
                )
                for child in reversed(children):
                    if child.type == "command":
                        self.pending_redirects[child.id] = outer
                    stack.append((child, pipe, sub, guard, False))
                continue
            # `! a | b` and `{ a; b; } | tee`: what stands left of the pipe is still in it
            keep = pipe if kind in _PIPELINE_TRANSPARENT else None
            stack.extend((child, keep, sub, guard, False) for child in reversed(cur.named_children))

    def emit_declaration(self, node: Any, pipeline: int | None, subst: bool, guarded: bool) -> None:
        keyword = node.children[0].type if node.children else ""
        args = tuple(self.text(c) for c in node.named_children if c.type != "comment")
        line = self.line_of(node.start_byte)
        end_line = self.line_of(max(node.end_byte - 1, node.start_byte))
        self._add(
            Command(
                keyword,
                args,
                line,
                end_line,
                self.text(node),
                self.statement,
                pipeline,
                None,
                (),
                (),
                subst,
                guarded,
            )
        )

    def emit(self, node: Any, pipeline: int | None, subst: bool, guarded: bool) -> None:
        name = ""
        args: list[str] = []
        assigns: list[str] = []
        redirects: list[str] = []
        for child in node.named_children:
            kind = child.type
            if kind == "command_name":
                name = word_value(self.text(child))
            elif kind == "variable_assignment":
                assigns.append(self.text(child))
            elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                redirects.append(self.text(child))
            elif kind == "comment":
                continue
            elif name:
                args.append(word_value(self.text(child)))
        if not name:
            return
        redirects.extend(self.pending_redirects.pop(node.id, ()))
        line = self.line_of(node.start_byte)
        end_line = self.line_of(max(node.end_byte - 1, node.start_byte))
        cmd = Command(
            name,
            tuple(args),
            line,
            end_line,
            self.text(node),
            self.statement,
            pipeline,
            None,
            tuple(assigns),
            tuple(redirects),
            subst,
            guarded,
        )
        self._add(cmd)
        # `sudo apt-get install x` also yields the wrapped `apt-get` command
        wrapper = cmd.basename
        depth = 0
        while wrapper in WRAPPERS and depth < 4:
            inner = _unwrap(cmd)
            if inner is None:
                break
            inner_name, inner_args = inner
            cmd = Command(
                inner_name,
                inner_args,
                line,
                end_line,
                cmd.text,
                self.statement,
                pipeline,
                wrapper,
                (),
                tuple(redirects),
                subst,
                guarded,
            )
            self._add(cmd)
            wrapper = cmd.basename
            depth += 1

    def _add(self, cmd: Command) -> None:
        self.commands.append(cmd)
        if cmd.pipeline is not None and cmd.wrapper is None:
            self.pipelines[cmd.pipeline].append(cmd)


def _unwrap(cmd: Command) -> tuple[str, tuple[str, ...]] | None:
    """The command a wrapper runs: skip its options, ``VAR=x`` words and fixed operands."""
    args = cmd.args
    skip_positional = _WRAPPER_SKIP_ONE.get(cmd.basename, 0)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("-") and arg != "-":
            # `sudo -u user cmd`, `timeout -s KILL 5 cmd`: options with a value
            if arg in _VALUE_OPTIONS.get(cmd.basename, ()):
                i += 1
            i += 1
            continue
        if cmd.basename == "env" and "=" in arg:
            i += 1
            continue
        if skip_positional:
            skip_positional -= 1
            i += 1
            continue
        break
    if i >= len(args):
        return None
    return args[i], args[i + 1 :]


def word_value(text: str) -> str:
    """A shell word as the command sees it, quotes removed, expansions kept as written."""
    if "\\\n" in text:
        text = text.replace("\\\n", "")
    return unquote(text, "\\", dollar_quotes=True)
