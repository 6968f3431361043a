"""What a parsed Dockerfile is: directives, instructions with line spans, stages.

Plain data built by ``hullcheck.dockerfile.parser``; rules read it, nothing here
parses or does I/O.  Line numbers are 1-based and inclusive, as BuildKit reports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from hullcheck.dockerfile.imageref import ImageRef, parse_image_ref
from hullcheck.dockerfile.shell import Command, Script
from hullcheck.dockerfile.words import (
    expand,
    parse_flag,
    parse_kv_list,
    split_words,
    split_ws,
    unquote,
)


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``#`` comment line; ``text`` is what follows the ``#``, stripped."""

    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A here-document of RUN/COPY/ADD.

    ``content`` is the body as BuildKit passes it (tabs already stripped for ``<<-``);
    ``line`` is the first body line, ``end_line`` the terminator's line.  ``expand`` is
    False when the delimiter was quoted (no variable expansion in the body).
    """

    name: str
    content: str
    line: int
    end_line: int
    chomp: bool = False
    expand: bool = True
    fd: int = 0


@dataclass(slots=True)
class Instruction:
    """One instruction, e.g. ``RUN --mount=type=cache,target=/x apt-get update``.

    ``keyword`` is upper-case.  ``flags`` are the leading ``--name[=value]`` words, as
    written minus quotes.  ``args`` is the rest of the logical line (continuations
    joined, comment lines dropped).  ``json`` holds the exec form (``["a", "b"]``) when
    the arguments are a JSON string array.  ``words`` is a BuildKit-style split of
    ``args`` (quotes kept).  ``script`` is the parsed shell of a RUN (None when the
    stage's shell is not a POSIX shell, e.g. PowerShell, or for exec form).
    ``onbuild`` is the trigger instruction of an ``ONBUILD``.
    """

    keyword: str
    args: str
    line: int
    end_line: int
    flags: tuple[str, ...] = ()
    json: tuple[str, ...] | None = None
    heredocs: tuple[Heredoc, ...] = ()
    comments: tuple[Comment, ...] = ()
    inner_comments: tuple[Comment, ...] = ()
    stage: int | None = None
    onbuild: Instruction | None = None
    script: Script | None = None
    shell: tuple[str, ...] = ()
    original: str = ""
    escape: str = "\\"

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (``""`` for a bare ``--name``), else None; last one wins."""
        found: str | None = None
        for raw in self.flags:
            key, value = parse_flag(raw)
            if key == name:
                found = value if value is not None else ""
        return found

    def flag_values(self, name: str) -> list[str]:
        """Every value of a repeatable flag (``--mount`` may appear several times)."""
        out: list[str] = []
        for raw in self.flags:
            key, value = parse_flag(raw)
            if key == name:
                out.append(value or "")
        return out

    def has_flag(self, name: str) -> bool:
        return any(parse_flag(raw)[0] == name for raw in self.flags)

    @property
    def mounts(self) -> list[dict[str, str]]:
        """``RUN --mount=...`` options as dicts (``{"type": "cache", "target": "/x"}``)."""
        return [parse_kv_list(v) for v in self.flag_values("mount")]

    @property
    def key_values(self) -> list[tuple[str, str | None]]:
        """ENV/LABEL/ARG pairs, values unquoted (``None``: an ARG without default).

        ``ENV a=1 b="x y"`` -> ``[("a", "1"), ("b", "x y")]``; the legacy ``ENV key some
        value`` -> ``[("key", "some value")]``.
        """
        if self.keyword not in ("ENV", "LABEL", "ARG"):
            return []
        words = split_words(self.args, self.escape)
        if self.keyword != "ARG" and words and "=" not in words[0]:
            parts = split_ws(self.args, 1)
            return [(parts[0], parts[1] if len(parts) > 1 else "")]
        out: list[tuple[str, str | None]] = []
        for word in words:
            key, sep, value = word.partition("=")
            out.append((unquote(key, self.escape), unquote(value, self.escape) if sep else None))
        return out

    @property
    def is_exec_form(self) -> bool:
        return self.json is not None

    @property
    def arg_list(self) -> tuple[str, ...]:
        """Exec-form array, or whitespace-split arguments (COPY/ADD/VOLUME/EXPOSE style)."""
        if self.json is not None:
            return self.json
        return tuple(split_ws(self.args))

    def commands(self) -> tuple[Command, ...]:
        """The shell commands of a RUN (empty when not analysed)."""
        return self.script.commands if self.script is not None else ()

    @property
    def effective(self) -> Instruction:
        """The instruction itself, or the trigger of an ONBUILD."""
        return self.onbuild if self.onbuild is not None else self


@dataclass(slots=True)
class Stage:
    """A build stage: its FROM and the instructions up to the next FROM.

    ``image`` is the FROM argument after ARG substitution; ``ref`` its parsed form,
    None when it names an earlier stage (then ``parent`` is that stage's index) or is
    ``scratch``.  ``name`` is the lower-cased ``AS`` name.  ``windows`` is True when
    the stage builds a Windows image (by base image, escape directive or SHELL).
    """

    index: int
    from_: Instruction
    image: str
    ref: ImageRef | None
    name: str | None = None
    parent: int | None = None
    platform: str | None = None
    windows: bool = False
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def is_scratch(self) -> bool:
        return self.image.lower() == "scratch"

    def find(self, *keywords: str) -> Iterator[Instruction]:
        """This stage's instructions with one of ``keywords`` (ONBUILD triggers excluded)."""
        wanted = {k.upper() for k in keywords}
        return (i for i in self.instructions if i.keyword in wanted)


@dataclass(slots=True)
class Dockerfile:
    """A whole parsed Dockerfile.

    ``instructions`` is every instruction in order, including ``ARG`` before the first
    ``FROM`` (``stage`` None).  ``global_args`` are those ARGs' defaults.  ``directives``
    are the parser directives found (``syntax``, ``escape``, ``check``), lower-cased keys.
    """

    path: str
    lines: list[str]
    instructions: list[Instruction]
    stages: list[Stage]
    comments: list[Comment]
    directives: dict[str, str] = field(default_factory=dict)
    escape: str = "\\"
    global_args: dict[str, str | None] = field(default_factory=dict)
    # caches: every rule walks RUNs and commands; the file does not change underneath
    _runs: tuple[Instruction, ...] | None = field(default=None, repr=False, compare=False)
    _commands: tuple[tuple[Instruction, Command], ...] | None = field(
        default=None, repr=False, compare=False
    )

    def find(self, *keywords: str) -> Iterator[Instruction]:
        """Every instruction with one of ``keywords``, in file order."""
        wanted = {k.upper() for k in keywords}
        return (i for i in self.instructions if i.keyword in wanted)

    def runs(self) -> Iterator[Instruction]:
        """Every RUN, ONBUILD RUN triggers included (as the trigger instruction)."""
        if self._runs is None:
            self._runs = tuple(
                ins.effective for ins in self.instructions if ins.effective.keyword == "RUN"
            )
        return iter(self._runs)

    def commands(self) -> Iterator[tuple[Instruction, Command]]:
        """Every analysed shell command of every RUN, with its instruction."""
        if self._commands is None:
            self._commands = tuple(
                (ins, cmd)
                for ins in self.runs()
                if ins.script is not None
                for cmd in ins.script.commands
            )
        return iter(self._commands)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def lineage(self, stage: Stage) -> list[Stage]:
        """``stage``, then each stage it is built FROM in turn (what it inherits ENV,
        USER and HEALTHCHECK from), ending at the one built on an image or scratch."""
        chain = [stage]
        while chain[-1].parent is not None and len(chain) <= len(self.stages):
            chain.append(self.stages[chain[-1].parent])
        return chain

    def stage_named(self, name: str) -> Stage | None:
        """A stage by ``AS`` name (case-insensitive) or by index (``--from=0``)."""
        low = name.lower()
        for stage in self.stages:
            if stage.name == low:
                return stage
        if low.isdigit():
            idx = int(low)
            if idx < len(self.stages):
                return self.stages[idx]
        return None

    def from_reference(self, name: str, before: int | None = None) -> Stage | ImageRef | None:
        """What ``COPY --from=<name>`` / ``RUN --mount=from=<name>`` names: an earlier stage
        (by name or index, only stages before index ``before`` when given), else an image.
        None for an empty name."""
        if not name:
            return None
        stage = self.stage_named(name)
        if stage is not None and (before is None or stage.index < before):
            return stage
        return parse_image_ref(expand(name, self.global_args, self.escape))

    def instruction_at(self, line: int) -> Instruction | None:
        """The instruction whose span (heredoc bodies included) holds ``line``."""
        for ins in self.instructions:
            if ins.line <= line <= ins.end_line:
                return ins
        return None
