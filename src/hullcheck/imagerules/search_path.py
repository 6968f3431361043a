"""The search paths the image's environment gives every process: ``PATH`` and
``LD_LIBRARY_PATH`` in the config's ``Env``.

Every program the container runs by name, and every library it loads, is looked up along
these lists, first entry first.  So:

- HC8012: an entry that is world-writable in the image (sticky bit or not: the sticky bit
  only stops deleting others' files, not adding new ones) lets any process in the
  container plant a program or library that the next command, root's included, runs.
- HC8013: an empty or relative entry (``PATH=.:$PATH``, ``bin``) resolves against the
  working directory, so a file there shadows the system's programs.

A symbolic link in an entry is followed inside the image (``/bin`` -> ``usr/bin``).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import ConfigAnalyser, ImageRule, ScanSettings
from hullcheck.imagerules.history import env_history_index
from hullcheck.model import Finding, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.layerfs import LayerFS, PathInfo
from hullcheck.sources.walker import WalkResult

WRITABLE = ImageRule(
    id="HC8012",
    name="writable-directory-on-search-path",
    title="World-writable directory on PATH or LD_LIBRARY_PATH",
    practice=Practice.PRIVILEGES,
    severity=Severity.HIGH,
    explanation=(
        "Programs are found by name along PATH and libraries along LD_LIBRARY_PATH; any"
        " process that can write to one of those directories can plant a `ls` or a"
        " `libc.so.6` that the next command runs, root's included. The sticky bit does not"
        " help: it stops deleting other users' files, not adding new ones."
    ),
    fix=(
        "Take the directory off the search path (`ENV PATH=...`), or make it writable by"
        " its owner only (`chmod 0755`)."
    ),
)
RELATIVE = ImageRule(
    id="HC8013",
    name="relative-entry-on-search-path",
    title="Empty or relative entry on PATH or LD_LIBRARY_PATH",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "An empty entry or `.` means the working directory, and a relative entry resolves"
        " against it: a file in whatever directory a process runs in then shadows the"
        " system's programs or libraries."
    ),
    fix="List absolute directories only: `ENV PATH=/app/bin:/usr/local/bin:/usr/bin:/bin`.",
)
RULES = (WRITABLE, RELATIVE)

VARIABLES = ("PATH", "LD_LIBRARY_PATH")
_MAX_LINKS = 8


def resolve(view: LayerFS, path: str) -> PathInfo | None:
    """The final state of ``path``, following symbolic links inside the image."""
    current = posixpath.normpath(path)
    for _ in range(_MAX_LINKS):
        info = view.get(current)
        if info is None or info.hidden:
            return None
        if info.kind != "symlink" or not info.link_target:
            return info
        target = info.link_target
        if not target.startswith("/"):
            target = posixpath.join(posixpath.dirname(current), target)
        current = posixpath.normpath(target)
    return None  # a loop, or a chain no runtime would follow


class SearchPath(ConfigAnalyser):
    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        if image.has_config:
            for entry in image.config.env:
                name, _, value = entry.partition("=")
                if name in VARIABLES:
                    out.findings.extend(self._judge(image, walk.view, name, value))
        return out

    def _judge(self, image: Image, view: LayerFS, name: str, value: str) -> Iterator[Finding]:
        traced = env_history_index(image, name)
        for position, directory in enumerate(value.split(":"), 1):
            if not directory.startswith("/"):
                shown = directory or f"an empty entry (position {position})"
                yield RELATIVE.finding(
                    image,
                    f"{name} holds {shown}, which resolves against the working directory.",
                    history_index=traced,
                    extra={"variable": name, "entry": directory},
                )
                continue
            info = resolve(view, directory)
            if info is not None and info.kind == "dir" and info.mode & 0o002:
                yield WRITABLE.finding(
                    image,
                    f"{name} holds {directory}, which every user can write"
                    f" (mode {info.mode & 0o7777:04o}).",
                    layer_index=info.layer_index,
                    file=info.path,
                    history_index=traced,
                    extra={"variable": name, "entry": directory},
                )


def analyser(settings: ScanSettings) -> SearchPath:
    return SearchPath(settings)
