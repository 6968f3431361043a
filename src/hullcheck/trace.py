"""Tracing an image back to its Dockerfile: which instruction made each layer.

The image config's history has one entry per build step (``empty_layer`` for metadata
steps).  Each entry is read back into a keyword and text (``imagerules.history``) and
aligned, in order, with the instructions that built the final stage (its ancestor stages
first when it builds FROM one of them): a weighted longest-common-subsequence, where a
pair counts only when the keywords agree and weighs more the more words the texts share.
Entries before the first matched one came from the base image.  Findings then get
``location.instruction``: the instruction of their layer or history entry, the final
stage's FROM line for base-image layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from hullcheck.dockerfile import parse
from hullcheck.dockerfile.model import Dockerfile, Instruction
from hullcheck.imagerules.base import HISTORY_INDEX
from hullcheck.imagerules.history import ParsedHistory, parse_created_by
from hullcheck.model import Finding, JSONValue, Location, SourceSpan
from hullcheck.sources.image import Image

MAX_COMPARE = 200
MAX_ALIGN = 256
MIN_RUN_SIMILARITY = 0.6
"""Share of words (Jaccard) a RUN command must have in common with the history's."""
ROOT_RULES = frozenset({"HC8001"})
"""Config findings that, untraced, belong to the base image's FROM (its default user)."""


@dataclass(frozen=True, slots=True)
class TracedStep:
    """What one history entry was traced to."""

    history_index: int
    instruction: Instruction | None
    base_image: bool


@dataclass
class Trace:
    path: str
    dockerfile: Dockerfile
    steps: dict[int, TracedStep]
    from_line: Instruction | None

    def span(self, ins: Instruction) -> SourceSpan:
        return SourceSpan(self.path, ins.line, ins.end_line)

    def for_history(self, index: int | None) -> TracedStep | None:
        return None if index is None else self.steps.get(index)

    def for_layer(self, image: Image, layer_index: int | None) -> TracedStep | None:
        if layer_index is None or not 0 <= layer_index < len(image.layers):
            return None
        return self.for_history(image.layers[layer_index].history_index)

    def layer_json(self, image: Image) -> list[dict[str, JSONValue]]:
        out: list[dict[str, JSONValue]] = []
        for layer in image.layers:
            step = self.for_layer(image, layer.index)
            entry: dict[str, JSONValue] = {"index": layer.index}
            if step is None:
                entry["traced"] = False
            elif step.base_image:
                entry["base_image"] = True
            elif step.instruction is not None:
                entry["instruction"] = self.span(step.instruction).to_json()
                entry["keyword"] = step.instruction.keyword
            out.append(entry)
        return out


def build_instructions(dockerfile: Dockerfile) -> tuple[list[Instruction], Instruction | None]:
    """The instructions that built the final stage (ancestors first), and its root FROM."""
    final = dockerfile.final_stage
    if final is None:
        return [], None
    chain = [final]
    seen = {final.index}
    while chain[-1].parent is not None and chain[-1].parent not in seen:
        parent = dockerfile.stages[chain[-1].parent]
        seen.add(parent.index)
        chain.append(parent)
    chain.reverse()
    steps = [ins for stage in chain for ins in stage.instructions if ins.keyword != "FROM"]
    return steps, chain[0].from_


def _instruction_text(ins: Instruction) -> str:
    if ins.json is not None:
        return " ".join(ins.json)
    return " ".join(ins.args.split())


@dataclass(frozen=True, slots=True)
class _Side:
    """One history entry or instruction, reduced to what the alignment compares."""

    keyword: str
    text: str
    words: frozenset[str]
    dest: str
    """For COPY/ADD: the destination (the classic builder hides the sources)."""


def _history_side(h: ParsedHistory) -> _Side:
    text = " ".join(h.text.split())[:MAX_COMPARE]
    dest = ""
    if h.keyword in ("COPY", "ADD") and " in " in text and ":" in text.split(" in ")[0]:
        dest = text.rsplit(" in ", 1)[1].strip()  # ``file:<sha> in /dest``
    return _Side(h.keyword, text, frozenset(text.split()), dest)


def _step_side(ins: Instruction) -> _Side:
    text = _instruction_text(ins)[:MAX_COMPARE]
    words = ins.arg_list
    dest = words[-1] if ins.keyword in ("COPY", "ADD") and words else ""
    return _Side(ins.keyword, text, frozenset(text.split()), dest)


def _weight(h: _Side, ins: _Side) -> float:
    """0 when the two cannot be the same step; else 1 + how alike their texts are (<= 2)."""
    if not h.keyword or h.keyword != ins.keyword:
        return 0.0
    if h.dest:
        return 2.0 if h.dest == ins.dest else 1.0
    if h.text == ins.text:
        return 2.0
    union = len(h.words | ins.words)
    similarity = len(h.words & ins.words) / union if union else 0.0
    if ins.keyword == "RUN" and similarity < MIN_RUN_SIMILARITY:
        return 0.0  # builders record RUN commands as written: a different one is not it
    return 1.0 + similarity


def align(history: Sequence[ParsedHistory], steps: Sequence[Instruction]) -> dict[int, int]:
    """history index -> step index, maximising the total weight, order preserved.

    Only the last ``MAX_ALIGN`` entries of each side take part (a hostile config or
    Dockerfile cannot make this quadratic step slow); earlier history entries are then
    the base image's, as they would be anyway.
    """
    h_off = max(0, len(history) - MAX_ALIGN)
    s_off = max(0, len(steps) - MAX_ALIGN)
    hist = [_history_side(h) for h in history[h_off:]]
    inst = [_step_side(ins) for ins in steps[s_off:]]
    n, m = len(hist), len(inst)
    weights: dict[tuple[int, int], float] = {}
    for i, h in enumerate(hist):
        if not h.keyword:
            continue
        for j, ins in enumerate(inst):
            w = _weight(h, ins)
            if w > 0:
                weights[(i, j)] = w
    score = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, prev = score[i], score[i - 1]
        for j in range(1, m + 1):
            best = max(prev[j], row[j - 1])
            w = weights.get((i - 1, j - 1), 0.0)
            if w > 0 and prev[j - 1] + w > best:
                best = prev[j - 1] + w
            row[j] = best
    pairs: dict[int, int] = {}
    i, j = n, m
    while i > 0 and j > 0:
        w = weights.get((i - 1, j - 1), 0.0)
        if w > 0 and abs(score[i][j] - (score[i - 1][j - 1] + w)) < 1e-9:
            pairs[h_off + i - 1] = s_off + j - 1
            i -= 1
            j -= 1
        elif score[i - 1][j] >= score[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return pairs


def trace_image(image: Image, text: str, path: str) -> Trace:
    """Trace ``image``'s history to the Dockerfile ``text`` (raises DockerfileError)."""
    dockerfile = parse(text, path)
    steps, from_line = build_instructions(dockerfile)
    history = [parse_created_by(h.created_by) for h in image.config.history]
    pairs = align(history, steps)
    first = min(pairs) if pairs else -1  # nothing matched: the Dockerfile is not this image's
    traced: dict[int, TracedStep] = {}
    for i in range(len(history)):
        if i < first:
            traced[i] = TracedStep(i, None, True)
        elif i in pairs:
            traced[i] = TracedStep(i, steps[pairs[i]], False)
    return Trace(path, dockerfile, traced, from_line)


def annotate(findings: Iterable[Finding], image: Image, trace: Trace) -> list[Finding]:
    """Findings with ``location.instruction`` set wherever the trace knows it."""
    out: list[Finding] = []
    for f in findings:
        if f.location.instruction is not None:
            out.append(f)
            continue
        raw = f.extra.get(HISTORY_INDEX)
        step = trace.for_history(raw) if isinstance(raw, int) else None
        if step is None:
            step = trace.for_layer(image, f.location.layer_index)
        ins: Instruction | None = None
        extra = dict(f.extra)
        if step is not None and step.instruction is not None:
            ins = step.instruction
        elif (step is not None and step.base_image) or (f.rule in ROOT_RULES and raw is None):
            ins = trace.from_line
            extra["from_base_image"] = True
        if ins is None:
            out.append(f)
            continue
        loc: Location = replace(f.location, instruction=trace.span(ins))
        out.append(replace(f, location=loc, extra=extra))
    return out


def merge_lint(
    image_findings: Sequence[Finding], lint_findings: Sequence[Finding]
) -> list[Finding]:
    """Image findings plus lint findings; a lint finding that reports the same problem as
    an image finding (``LINT_TWINS``) is folded into it: one finding, both locations.

    A twin must sit at the lint finding's line (its traced instruction covers it), except
    for image-wide twins (root user, port 22, base image), where one image finding exists.
    """
    out = list(image_findings)
    for lf in lint_findings:
        twin = LINT_TWINS.get(lf.rule)
        index = _twin_index(out, lf, twin) if twin is not None else None
        if index is None:
            out.append(lf)
            continue
        f = out[index]
        extra = {**f.extra, "also_found_by": lf.rule}
        if f.location.line is not None:
            # ``line`` already says where in the image file (a secret's line): the lint
            # location goes beside it rather than over it
            extra["lint_location"] = lf.location.to_json()
            out[index] = replace(f, extra=extra)
            continue
        loc = replace(
            f.location, path=lf.location.path, line=lf.location.line, end_line=lf.location.end_line
        )
        out[index] = replace(f, location=loc, extra=extra)
    return out


def _twin_index(out: Sequence[Finding], lf: Finding, twin: tuple[str, bool]) -> int | None:
    rule, image_wide = twin
    line = lf.location.line
    fallback = None
    practice = rule.removeprefix("practice:") if rule.startswith("practice:") else None
    for i, f in enumerate(out):
        same = f.practice.value == practice if practice else f.rule == rule
        if not same or f.location.path is not None:
            continue  # not the twin, or already holds a lint location
        ins = f.location.instruction
        if ins is not None and line is not None and ins.line <= line <= ins.end_line:
            return i
        if image_wide and fallback is None:
            fallback = i
    return fallback


LINT_TWINS: dict[str, tuple[str, bool]] = {
    "HC2001": ("HC8001", True),  # final stage runs as root
    "HC2009": ("HC8007", True),  # SSH port exposed
    "HC1004": ("HC8303", True),  # heavy general-purpose base
    "HC1005": ("HC8301", True),  # base past end of life
    "HC2003": ("HC8006", False),  # sudo installed
    "HC2008": ("HC8006", False),  # SSH server installed
    "HC2005": ("HC8004", False),  # world-writable paths
    "HC2006": ("HC8003", False),  # setuid/setgid bit
    "HC4011": ("HC8101", False),  # apt lists left
    "HC4017": ("HC8101", False),  # yarn cache left
    "HC4001": ("HC8201", False),  # build toolchain left
    "HC6002": ("practice:secrets", False),  # secret file copied: the secret found in its layer
}
"""Lint rule -> (the image rule reporting the same problem in the built image, or
``practice:NAME`` for any finding of that practice; whether that image finding is
image-wide rather than tied to one instruction)."""
