"""``pin``: rewrite a Dockerfile's image references to ``name:tag@sha256:...``.

References are every ``FROM`` image (not earlier stages, not ``scratch``),
``COPY --from=IMAGE`` / ``ADD --from=IMAGE`` and ``RUN --mount=...,from=IMAGE``.  Each
is resolved to the digest its registry serves for the tag (the index digest for a
multi-platform image, so the pin stays valid on every platform) and only that token of
the file is replaced: comments, continuation lines, spacing and line endings stay as
they were.  References holding build variables (``$VERSION``) cannot be resolved
statically and are listed as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from hullcheck.dockerfile.model import Dockerfile, Instruction, Stage
from hullcheck.dockerfile.words import split_ws
from hullcheck.errors import HullcheckError
from hullcheck.sources.reference import Reference, parse_reference

Resolver = Callable[[Reference], str]


@dataclass(frozen=True, slots=True)
class ImageUse:
    """One image reference as written in the Dockerfile."""

    line: int
    end_line: int
    where: str
    text: str
    ref: Reference | None
    problem: str | None = None

    @property
    def pinned(self) -> bool:
        return "@" in self.text


@dataclass(frozen=True, slots=True)
class Change:
    use: ImageUse
    new_text: str
    old_digest: str | None
    new_digest: str

    @property
    def moved(self) -> bool:
        return self.old_digest is not None and self.old_digest != self.new_digest


def _use(ins: Instruction, where: str, text: str) -> ImageUse:
    if "$" in text:
        return ImageUse(ins.line, ins.end_line, where, text, None, "uses a build variable")
    try:
        ref = parse_reference(text)
    except HullcheckError as err:
        return ImageUse(ins.line, ins.end_line, where, text, None, err.message)
    return ImageUse(ins.line, ins.end_line, where, text, ref)


def _from_image(stage: Stage) -> str | None:
    words = split_ws(stage.from_.args)
    if not words or stage.parent is not None or stage.is_scratch:
        return None
    return words[0]


def find_images(df: Dockerfile) -> list[ImageUse]:
    """Every image reference of ``df``, in file order."""
    out: list[ImageUse] = []
    for stage in df.stages:
        image = _from_image(stage)
        if image is not None:
            out.append(_use(stage.from_, "FROM", image))
        for raw in stage.instructions:
            ins = raw.effective
            if ins.keyword in ("COPY", "ADD"):
                name = ins.flag("from")
                if name and not isinstance(df.from_reference(name, stage.index), Stage):
                    out.append(_use(ins, f"{ins.keyword} --from", name))
            elif ins.keyword == "RUN":
                for mount in ins.mounts:
                    name = mount.get("from", "")
                    if name and not isinstance(df.from_reference(name, stage.index), Stage):
                        out.append(_use(ins, "RUN --mount from", name))
    return out


def _pinned_text(use: ImageUse, digest: str) -> str:
    assert use.ref is not None
    name = use.text.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        name += f":{use.ref.tag or 'latest'}"
    return f"{name}@{digest}"


def plan(uses: list[ImageUse], resolve: Resolver, update: bool) -> tuple[list[Change], list[str]]:
    """The changes to make, and notes on references left alone (and why)."""
    changes: list[Change] = []
    notes: list[str] = []
    cache: dict[str, str] = {}
    for use in uses:
        if use.ref is None:
            notes.append(f"line {use.line}: {use.where} {use.text}: skipped ({use.problem})")
            continue
        if use.pinned and not update:
            continue
        tag_part = use.text.split("@", 1)[0]
        if use.pinned and ":" not in tag_part.rsplit("/", 1)[-1]:
            notes.append(f"line {use.line}: {use.text}: pinned without a tag, nothing to update")
            continue
        key = str(Reference(use.ref.domain, use.ref.path, use.ref.tag))
        if key not in cache:
            by_tag = Reference(use.ref.domain, use.ref.path, use.ref.tag or "latest")
            cache[key] = resolve(by_tag)
        digest = cache[key]
        if use.pinned and use.ref.digest == digest:
            continue
        changes.append(Change(use, _pinned_text(use, digest), use.ref.digest, digest))
    return changes, notes


def _token_re(token: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\s=,])" + re.escape(token) + r"(?![^\s,])")


def rewrite(text: str, changes: list[Change]) -> str:
    """``text`` with each change's token replaced inside its instruction's lines only."""
    lines = text.split("\n")
    for change in changes:
        pattern = _token_re(change.use.text)
        for idx in range(change.use.line - 1, min(change.use.end_line, len(lines))):
            line = lines[idx]
            if line.lstrip().startswith("#"):
                continue
            new, count = pattern.subn(change.new_text.replace("\\", "\\\\"), line, count=1)
            if count:
                lines[idx] = new
                break
        else:
            raise HullcheckError(
                f"line {change.use.line}: cannot find {change.use.text!r} to rewrite it"
            )
    return "\n".join(lines)
