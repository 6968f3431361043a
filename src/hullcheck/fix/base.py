"""What a fixer is: a rule it answers, and a plan of text edits over the raw Dockerfile.

Edits are byte ranges of the original text (``str`` offsets), so everything outside
them (comments, continuation style, indentation, heredocs) stays exactly as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.shell import Command
from hullcheck.model import Finding
from hullcheck.provenance.pin import Resolver


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (``start == end``: an insertion)."""

    start: int
    end: int
    new: str


@dataclass(frozen=True, slots=True)
class Change:
    """One fix at one place: the edits making it and what it does.

    ``key`` identifies the change across re-parses (a fixer id and the instruction's
    text), so a change that failed verification is not proposed again.  ``added`` is
    how many instructions the edits create (SHELL, LABEL, USER lines).
    """

    fixer: str
    line: int
    message: str
    edits: tuple[Edit, ...]
    key: str
    added: int = 0
    unsafe: str | None = None


@dataclass(slots=True)
class FixContext:
    """The text being fixed, its parse, the findings to act on and what the fixers need."""

    text: str
    dockerfile: Dockerfile
    findings: Sequence[Finding]
    resolver: Resolver | None = None
    starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.starts = [0]
        for match in re.finditer("\n", self.text):
            self.starts.append(match.end())

    def hits(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def hit_lines(self, rule: str) -> set[int]:
        return {f.location.line for f in self.hits(rule) if f.location.line is not None}

    def line_start(self, line: int) -> int:
        """Offset of 1-based ``line``'s first character."""
        return self.starts[min(line, len(self.starts)) - 1]

    def line_end(self, line: int) -> int:
        """Offset of 1-based ``line``'s end (before its newline and any ``\\r``)."""
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        if end > 0 and self.text[end - 1 : end] == "\r":
            end -= 1
        return end

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def stage_of(self, ins: Instruction) -> Stage | None:
        if ins.stage is None:
            return None
        return self.dockerfile.stages[ins.stage]

    def command_word(self, ins: Instruction, cmd: Command) -> int | None:
        """Offset of ``cmd``'s name in the raw text, or None when it cannot be told apart
        from another word on the same lines (the fix is then not attempted)."""
        if ins.heredocs and cmd.line <= ins.line:
            return None  # a heredoc RUN's opening line holds only the redirection
        start, end = self.line_start(cmd.line), self.line_end(cmd.end_line)
        region = self.text[start:end]
        word = re.compile(r"(?<![^\s;&|(`\\])" + re.escape(cmd.name) + r"(?=[\s;&|)`\\]|$)")
        found = [m.start() for m in word.finditer(region) if not _in_comment(region, m.start())]
        peers = [c for c in ins.commands() if c.line == cmd.line and c.name == cmd.name]
        if len(found) != len(peers) or cmd not in peers:
            return None
        return start + found[peers.index(cmd)]

    def word_after(self, offset: int, end_line: int, word: str) -> int | None:
        """End offset of the first shell word ``word`` after ``offset`` (before the end of
        ``end_line``); None if there is none or a command separator comes first."""
        end = self.line_end(end_line)
        pattern = re.compile(r"(?<![^\s\\])" + re.escape(word) + r"(?=$|[\s;&|)\\])")
        match = pattern.search(self.text, offset, end)
        if match is None:
            return None
        between = self.text[offset : match.start()]
        if any(sep in between for sep in (";", "&", "|", "(", ")")):
            return None
        return match.end()


def _in_comment(region: str, pos: int) -> bool:
    line_start = region.rfind("\n", 0, pos) + 1
    return region[line_start:pos].lstrip().startswith("#")


Plan = Callable[[FixContext], Iterator[Change]]


@dataclass(frozen=True, slots=True)
class Fixer:
    """A family of rewrites.

    ``rule`` is the lint rule whose findings it removes (None: a fixer that detects its
    own targets, such as the OCI labels skeleton).  ``unsafe`` says why a human must
    review the rewrite; such fixers only run with ``--unsafe``.  ``needs_resolver``:
    only runs when registry access is given (digest pinning).
    """

    id: str
    title: str
    plan: Plan
    rule: str | None = None
    unsafe: str | None = None
    needs_resolver: bool = False


def continuation(ctx: FixContext, ins: Instruction) -> str:
    """How to start one more ``&& command`` at the end of ``ins``: on a new continued line
    indented like the instruction's others when it spans lines, else on the same line."""
    esc = ctx.dockerfile.escape
    if ins.end_line > ins.line:
        indent = "    "
        for line in range(ins.line + 1, ins.end_line + 1):
            text = ctx.line_text(line)
            if text.strip() and not text.lstrip().startswith("#"):
                indent = text[: len(text) - len(text.lstrip())]
                break
        stripped = ctx.line_text(ins.end_line).lstrip()
        ops = stripped.startswith(("&&", "||", ";"))
        if ops:  # `    && cmd` style: keep the operator first
            return f" {esc}{ctx.newline()}{indent}&& "
        return f" && {esc}{ctx.newline()}{indent}"
    return " && "


def append_to_run(ctx: FixContext, ins: Instruction, command: str) -> Edit | None:
    """An edit adding ``&& command`` at the end of a shell-form RUN (None when that is not
    a plain append: exec form, heredocs, a trailing comment or operator)."""
    if ins.json is not None or ins.heredocs or ins.keyword != "RUN":
        return None
    last = ctx.line_text(ins.end_line).rstrip()
    if not last or last.endswith((ctx.dockerfile.escape, "&&", "||", "|", ";", "&")):
        return None
    if "#" in last and not ins.json:
        # a `#` could start a shell comment: appending after it would be commented out
        return None
    end = ctx.line_start(ins.end_line) + len(last)
    return Edit(end, end, continuation(ctx, ins) + command)


def insert_line_before(ctx: FixContext, line: int, text: str) -> Edit:
    start = ctx.line_start(line)
    return Edit(start, start, text + ctx.newline())


def insert_line_after(ctx: FixContext, line: int, text: str) -> Edit:
    end = ctx.line_end(line)
    return Edit(end, end, ctx.newline() + text)


def instruction_at(ctx: FixContext, line: int) -> Instruction | None:
    return ctx.dockerfile.instruction_at(line)


def commands_at(ctx: FixContext, line: int) -> Iterator[tuple[Instruction, Command]]:
    for ins, cmd in ctx.dockerfile.commands():
        if cmd.line == line:
            yield ins, cmd
