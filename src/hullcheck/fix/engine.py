"""Apply fixers to one Dockerfile, one change at a time, keeping only proven changes.

After each change the new text is parsed and linted again.  The change is kept only
when (1) every instruction it did not touch parses exactly as before, in order, and
it added no instruction but those it declares; (2) the findings of the rule it fixes
went down; (3) no finding appears that the file did not have (counted by rule and
message, so moved line numbers do not count as new).  Anything else is dropped with
the reason, and the next change is planned on the text as it now stands: edits never
rely on stale offsets.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.dockerfile.parser import parse
from hullcheck.errors import DockerfileError
from hullcheck.fix.base import Change, Edit, FixContext, Fixer
from hullcheck.lint import Linter
from hullcheck.model import Finding
from hullcheck.policy.config import Config
from hullcheck.provenance.pin import Resolver

MAX_CHANGES = 500
"""A bound on the work per file: hostile input cannot make the loop run forever."""


@dataclass(slots=True)
class FixResult:
    """What fixing one file did: the new text, the changes kept and those dropped."""

    path: str
    original: str
    text: str
    applied: list[Change] = field(default_factory=list)
    rejected: list[tuple[Change, str]] = field(default_factory=list)
    before: list[Finding] = field(default_factory=list)
    after: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def diff(self) -> str:
        """A unified diff of the file (``a/``, ``b/`` prefixes, like git)."""
        name = self.path.lstrip("/")
        lines = difflib.unified_diff(
            self.original.splitlines(keepends=True),
            self.text.splitlines(keepends=True),
            f"a/{name}",
            f"b/{name}",
        )
        out = []
        for line in lines:
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
        return "".join(out)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with ``edits`` applied (they must not overlap)."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: edit.start] + edit.new + out[edit.end :]
    return out


def _signature(ins: Instruction) -> tuple[object, ...]:
    return (
        ins.keyword,
        ins.flags,
        " ".join(ins.args.split()),
        tuple((h.name, h.content) for h in ins.heredocs),
        _signature(ins.onbuild) if ins.onbuild is not None else None,
    )


def _touched(ctx: FixContext, ins: Instruction, edits: Sequence[Edit]) -> bool:
    start = ctx.line_start(ins.line)
    end = ctx.line_end(ins.end_line)
    # an insertion exactly at the start of the instruction's line adds lines before it
    return any(e.start <= end and e.end >= start and e.end != start for e in edits)


def same_except(ctx: FixContext, old: Dockerfile, new: Dockerfile, change: Change) -> str | None:
    """None when ``new`` keeps every instruction of ``old`` the change did not touch, in
    order, and adds exactly ``change.added`` instructions; else what differs."""
    kept = [_signature(i) for i in old.instructions if not _touched(ctx, i, change.edits)]
    touched = len(old.instructions) - len(kept)
    if len(new.instructions) != len(old.instructions) + change.added:
        return (
            f"the file has {len(new.instructions)} instructions after the change, "
            f"{len(old.instructions) + change.added} expected"
        )
    sigs = [_signature(i) for i in new.instructions]
    pos = 0
    for sig in kept:
        while pos < len(sigs) and sigs[pos] != sig:
            pos += 1
        if pos == len(sigs):
            return f"an instruction it did not edit changed ({sig[0]} {str(sig[2])[:60]})"
        pos += 1
    if touched == 0 and change.added == 0:
        return "the change touched no instruction"
    return None


_LINE_REF = re.compile(r"\blines? \d+(?:-\d+)?")


def fingerprint(finding: Finding) -> tuple[str, str]:
    """A finding's identity that survives lines moving: its rule and its message with
    references to line numbers blanked."""
    return finding.rule, _LINE_REF.sub("line N", finding.message)


def _counted(findings: Sequence[Finding]) -> Counter[tuple[str, str]]:
    return Counter(fingerprint(f) for f in findings)


def _origins(old: str, new: str, origin: list[int]) -> list[int]:
    """Map each line of ``new`` to the original line it came from (0: inserted)."""
    a, b = old.split("\n"), new.split("\n")
    out = [0] * len(b)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(j2 - j1):
                out[j1 + k] = origin[i1 + k]
        elif tag == "replace":
            for k in range(min(i2 - i1, j2 - j1)):
                out[j1 + k] = origin[i1 + k]
    return out


class FixEngine:
    """Fixes texts with one set of fixers and one linter (configs found as lint finds them)."""

    def __init__(
        self,
        fixers: Sequence[Fixer],
        linter: Linter | None = None,
        resolver: Resolver | None = None,
        config: Config | None = None,
    ) -> None:
        self.fixers = tuple(fixers)
        self.linter = linter or Linter()
        self.resolver = resolver
        self.config = config

    def _lint(self, text: str, path: str) -> list[Finding]:
        config = self.config or self.linter.config_for(Path(path))
        return self.linter.lint_text(text, path, config).findings

    def fix_text(self, text: str, path: str) -> FixResult:
        result = FixResult(path, text, text)
        try:
            dockerfile = parse(text, path)
        except DockerfileError:
            result.before = result.after = self._lint(text, path)
            return result  # nothing is fixed in a file that does not parse
        findings = self._lint(text, path)
        result.before = list(findings)
        refused: set[str] = set()
        origin = list(range(1, text.count("\n") + 2))
        for _ in range(MAX_CHANGES):
            ctx = FixContext(text, dockerfile, findings, self.resolver)
            change = self._next(ctx, refused)
            if change is None:
                break
            new_text = apply_edits(text, change.edits)
            why, new_df, new_findings = self._prove(ctx, change, new_text, path)
            shown = replace(change, line=origin[change.line - 1] or change.line)
            if why is not None or new_df is None:
                refused.add(change.key)
                result.rejected.append((shown, why or "does not parse"))
                continue
            result.applied.append(shown)
            origin = _origins(text, new_text, origin)
            text, dockerfile, findings = new_text, new_df, new_findings
        result.text = text
        result.after = list(findings)
        return result

    def _next(self, ctx: FixContext, refused: set[str]) -> Change | None:
        for fixer in self.fixers:
            for change in fixer.plan(ctx):
                if change.key not in refused:
                    return change
        return None

    def _prove(
        self, ctx: FixContext, change: Change, new_text: str, path: str
    ) -> tuple[str | None, Dockerfile | None, list[Finding]]:
        try:
            new_df = parse(new_text, path)
        except DockerfileError as err:
            return f"the result does not parse: {err.message}", None, []
        problem = same_except(ctx, ctx.dockerfile, new_df, change)
        if problem is not None:
            return problem, None, []
        new_findings = self._lint(new_text, path)
        fixer = next(f for f in self.fixers if f.id == change.fixer)
        if fixer.rule is not None:
            before = sum(1 for f in ctx.findings if f.rule == fixer.rule)
            after = sum(1 for f in new_findings if f.rule == fixer.rule)
            if after >= before:
                return f"{fixer.rule} still reported after the change", None, []
        new = _counted(new_findings) - _counted(ctx.findings)
        if new:
            rule, message = next(iter(new))
            return f"the change brings a new finding: {rule} {message[:80]}", None, []
        return None, new_df, new_findings
