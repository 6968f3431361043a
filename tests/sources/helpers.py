"""Shared helpers for the sources tests: read an image built by the fixture builder."""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.model import FileRef
from hullcheck.sources.api import open_image
from hullcheck.sources.base import Platform
from hullcheck.sources.limits import Limits
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Subscription, WalkResult


class Collector:
    """A subscription callback remembering every (path, layer, content) offered."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int | None, bytes | None]] = []
        self.refs: list[FileRef] = []

    def __call__(self, ref: FileRef, data: bytes | None) -> None:
        self.seen.append((ref.path, ref.layer_index, data))
        self.refs.append(ref)


def read(
    reference: str,
    subs: Sequence[Subscription] = (),
    limits: Limits | None = None,
    platform: str | None = None,
) -> WalkResult:
    options = SourceOptions(limits=limits or Limits())
    plat = Platform.parse(platform) if platform else None
    with open_image(reference, platform=plat, options=options) as handle:
        return handle.walk(subs)


def read_all(
    reference: str, limits: Limits | None = None, max_size: int = 1 << 20
) -> tuple[WalkResult, Collector]:
    col = Collector()
    sub = Subscription(
        "all",
        col,
        all_entries=True,
        kinds=frozenset({"file", "dir", "symlink", "hardlink", "char", "block", "fifo"}),
        max_size=max_size,
    )
    return read(reference, [sub], limits), col
