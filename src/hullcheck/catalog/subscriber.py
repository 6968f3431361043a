"""The catalogers as subscribers of the single-pass layer walker (``hullcheck.sources``).

Two subscriptions: files some cataloger wants by path (one compiled predicate, content up
to the largest ``max_size`` asked; archives such as ``.jar`` are wanted by name here),
and executables for the binary catalogers (Go, Rust).  The second one excludes paths
that never hold programs (documentation, headers, source and data files) and accepts,
on the tar header before any content is read, only regular files with an execute bit:
a large data file is skipped by the stream, never buffered.  After the pass, the
walker's merged view says which file versions survive; results from overwritten or
deleted files are dropped.
"""

from __future__ import annotations

import base64
import stat
from collections.abc import Sequence

from hullcheck.catalog import osrelease
from hullcheck.catalog.base import CatalogContext, Cataloger
from hullcheck.catalog.collector import EXEC_BITS, CatalogResult, Collector
from hullcheck.catalog.registry import CATALOGERS
from hullcheck.model import FileRef, JSONValue
from hullcheck.sources.layercache import CacheHooks
from hullcheck.sources.spool import SpooledFile
from hullcheck.sources.walker import Subscription, WalkResult

_NOT_PROGRAMS = (
    "/usr/share/",
    "/usr/include/",
    "/var/lib/dpkg/",
    "/var/cache/",
    "/var/log/",
    "/etc/",
    "/proc/",
    "/sys/",
    "/dev/",
)
_TEXT_SUFFIXES = (
    ".py", ".pyc", ".js", ".mjs", ".ts", ".json", ".txt", ".md", ".html", ".css", ".h",
    ".c", ".go", ".rs", ".sh", ".pl", ".pm", ".rb", ".php", ".xml", ".yaml", ".yml",
    ".gz", ".xz", ".zst", ".png", ".jpg", ".svg", ".a", ".o", ".so", ".mo", ".jar",
)  # fmt: skip


def _maybe_program(path: str) -> bool:
    return not path.startswith(_NOT_PROGRAMS) and not path.endswith(_TEXT_SUFFIXES)


def is_executable_file(ref: FileRef) -> bool:
    """The header says a regular file with an execute bit: what program catalogers read."""
    return stat.S_ISREG(ref.mode) and bool(ref.mode & EXEC_BITS)


class CatalogSubscriber:
    """Feeds a :class:`Collector` from the walker; one instance per image pass."""

    def __init__(self, catalogers: Sequence[Cataloger] = CATALOGERS) -> None:
        self.collector = Collector(catalogers)
        self._catalogers = tuple(catalogers)
        self._key = "catalog " + ",".join(
            f"{c.name}:{c.max_size}:{c.context_max_size}:{c.executables}:{c.deferred}"
            for c in catalogers
        )
        named = [c.max_size for c in catalogers if not c.executables]
        named += [c.context_max_size for c in catalogers]
        self._path_limit = max([*named, osrelease.MAX_SIZE])
        self._exec_limit = max((c.max_size for c in catalogers if c.executables), default=0)

    def subscriptions(self) -> list[Subscription]:
        subs = [
            Subscription(
                name="catalog",
                on_file=self._on_file,
                predicate=self.collector.wants_path,
                max_size=self._path_limit,
                on_spill=self._on_spill,
                cache=CacheHooks(key=self._key),
            )
        ]
        if self._exec_limit:
            subs.append(
                Subscription(
                    name="catalog-binaries",
                    # a later non-executable version of the path is dropped by the
                    # merged view, so offering executables only loses nothing
                    on_file=self._on_file,
                    predicate=self._binary_candidate,
                    accept=is_executable_file,
                    max_size=self._exec_limit,
                    on_spill=self._on_spill,
                    cache=CacheHooks(
                        key=self._key,
                        fact=self._binary_fact,
                        load=_load_binary,
                        apply=self._on_file,
                    ),
                )
            )
        return subs

    def _binary_candidate(self, path: str) -> bool:
        return _maybe_program(path) and not self.collector.wants_path(path)

    def _binary_fact(self, ref: FileRef, data: bytes | None) -> JSONValue:
        """For the layer cache: ``None`` when no cataloger finds anything in the program
        (most of them: the cache then keeps no content), else the content itself."""
        if data is None or len(data) < ref.size:
            return None
        for cataloger in self._catalogers:
            if not cataloger.executables or len(data) > cataloger.max_size:
                continue
            try:
                found = cataloger.parse(ref, data, CatalogContext())
            except Exception:
                found = None
            if found is None or found:
                return base64.b64encode(data).decode("ascii")
        return None

    def _on_file(self, ref: FileRef, data: bytes | None) -> None:
        if data is None or len(data) < ref.size:
            self.collector.feed(ref, None)  # not a regular file, or larger than asked for
            return
        self.collector.feed(ref, data)

    def _on_spill(self, ref: FileRef, spool: SpooledFile) -> None:
        self.collector.feed(ref, spool)  # a deferred database keeps the spool to the end

    def finish(self, walk: WalkResult) -> CatalogResult:
        """Packages of the final filesystem, as the walker's merged view shows it."""
        view = walk.view
        unverified = walk.unverified

        def survives(ref: FileRef) -> bool:
            if ref.layer_index is None:
                return True
            if ref.layer_index in unverified:
                return False  # read from bytes whose digest never verified
            info = view.get(ref.path)
            return info is not None and not info.hidden and info.layer_index == ref.layer_index

        return self.collector.finish(survives=survives)


def _load_binary(fact: JSONValue) -> bytes | None:
    if fact is None:
        return None
    if not isinstance(fact, str):
        raise TypeError("catalog fact")
    return base64.b64decode(fact.encode("ascii"), validate=True)
