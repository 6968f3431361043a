"""Progress bars on stderr (rich), only on a terminal: reading layers, downloading data.

``progress_bar`` returns None when stderr is not a terminal, when ``quiet`` is set or when
``$HULLCHECK_NO_PROGRESS`` is, so logs and pipes never receive control sequences.
"""

from __future__ import annotations

import os
import sys
from typing import Any


class BarProgress:
    """A rich progress bar on stderr: bytes read, step by step (``noun`` 1/N)."""

    def __init__(self, noun: str = "layer") -> None:
        from rich.console import Console  # noqa: PLC0415 - only when drawing
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._noun = noun
        self._task: Any = None
        self._steps = 0

    def start(self, layers: int, total_bytes: int) -> None:
        self._steps = layers
        self._bar.start()
        self._task = self._bar.add_task(f"{self._noun}s", total=total_bytes or None)

    def layer(self, index: int) -> None:
        self._bar.update(self._task, description=f"{self._noun} {index + 1}/{self._steps}")

    def advance(self, nbytes: int) -> None:
        self._bar.advance(self._task, nbytes)

    def stop(self) -> None:
        self._bar.stop()


def progress_bar(quiet: bool = False, noun: str = "layer") -> BarProgress | None:
    """A bar when a person is watching stderr, else None."""
    if quiet or not sys.stderr.isatty() or os.environ.get("HULLCHECK_NO_PROGRESS"):
        return None
    return BarProgress(noun)
