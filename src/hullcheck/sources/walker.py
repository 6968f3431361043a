"""The single pass over an image's layers: each layer is read once, in order.

Analysers *subscribe* before the pass, saying which entries they want (exact paths,
basenames, globs, a predicate, or every entry of some kinds; optionally narrowed by
``accept(ref)`` on the header's mode and size) and how much content (``max_size``
bytes; 0 = metadata only).  As each tar entry streams by, it is offered
only to the subscriptions that match it, with its content read once (up to the largest
``max_size`` asked) and shared.  Files later deleted or overwritten are offered too, as
they stream: the merged view (``LayerFS``) says afterwards which were hidden and by what.

Failures of one layer (corrupt data, digest mismatch, inflation limits) are recorded in
``WalkResult.errors`` and the pass goes on with the next layer, so a report can show
what was read; a timeout stops the pass.  An analyser that raises is recorded and
unsubscribed; it never stops the others.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from hullcheck.errors import HullcheckError, ImageError
from hullcheck.globs import compile_globs
from hullcheck.model import FileRef
from hullcheck.sources.base import ImageSource
from hullcheck.sources.digest import new_hasher
from hullcheck.sources.directory import DirectorySource, DirectoryStream
from hullcheck.sources.image import Image, Layer
from hullcheck.sources.inflater import ForkedInflater
from hullcheck.sources.layercache import (
    MAX_CONTENT_BYTES,
    MAX_RECORD_EVENTS,
    CacheHooks,
    Entry,
    LayerCache,
    LayerRecord,
    Whiteout,
    decode,
    encode,
    load_facts_of,
    pass_fingerprint,
)
from hullcheck.sources.layerfs import LayerFS, LayerStats, type_bits
from hullcheck.sources.layerhelper import LayerHelper, Send
from hullcheck.sources.layerstream import Inflation, InflationError, LayerReader
from hullcheck.sources.limits import Deadline, Limits, MiB, ReadTimeout
from hullcheck.sources.prefetch import PrefetchingReader
from hullcheck.sources.spool import SpooledFile
from hullcheck.sources.tarstream import (
    BLOCKDEV,
    CHARDEV,
    DIRECTORY,
    FIFO,
    HARDLINK,
    REGULAR,
    SYMLINK,
    TarEntry,
    TarStream,
    clean_path,
)

OnFile = Callable[[FileRef, bytes | None], None]
"""Called with the entry and its content (``None`` for non-regular entries or when
``max_size`` is 0; shorter than ``ref.size`` when the file is larger than ``max_size``)."""
OnSpill = Callable[[FileRef, SpooledFile], None]
"""Called with an entry over ``Limits.spill_bytes`` and its whole content, spooled."""

WHITEOUT_PREFIX = ".wh."
_SPECIAL_KINDS = frozenset({CHARDEV, BLOCKDEV, FIFO})
OPAQUE = ".wh..wh..opq"


@dataclass(frozen=True, slots=True)
class Subscription:
    """What one analyser wants from the pass.

    An entry matches when its kind is in ``kinds`` and any of: ``all_entries``, its path
    in ``paths``, its basename in ``basenames``, a ``globs`` pattern matching the path
    (:mod:`hullcheck.globs`: ``*`` stays within a directory, ``**`` crosses), or
    ``predicate(path)``.  Paths are absolute
    (``/etc/os-release``).  Kinds: ``file`` (regular), ``dir``, ``symlink``, ``hardlink``,
    ``char``, ``block``, ``fifo``.  ``accept(ref)``, when given, then sees the entry's
    header (mode, size, owner; no content) and may still turn it down, before any content
    is read: e.g. "executables only", so large data files are skipped, not buffered.

    ``on_spill``, when given, is called instead of ``on_file`` for a file over
    ``Limits.spill_bytes`` (and within ``max_size``): the content is then written to a
    :class:`~hullcheck.sources.spool.SpooledFile` as it streams, never held in memory.
    The spool stays readable as long as the subscriber keeps it.
    """

    name: str
    on_file: OnFile
    paths: frozenset[str] = frozenset()
    basenames: frozenset[str] = frozenset()
    globs: tuple[str, ...] = ()
    predicate: Callable[[str], bool] | None = None
    kinds: frozenset[str] = frozenset({REGULAR})
    all_entries: bool = False
    with_xattrs: bool = False
    """Only entries that carry extended attributes (PAX ``SCHILY.xattr.*``), matched
    before any other test: most layers have none, so most entries cost nothing."""
    max_size: int = 1 * MiB
    accept: Callable[[FileRef], bool] | None = None
    on_spill: OnSpill | None = None
    cache: CacheHooks | None = None
    """How the subscription takes part in the per-layer cache (``layercache``); a
    subscription with a ``predicate`` or ``accept`` and no hooks turns the cache off."""


class _Compiled:
    __slots__ = (
        "accept",
        "all",
        "basenames",
        "failed",
        "glob",
        "index",
        "kinds",
        "paths",
        "predicate",
        "reduce",
        "sub",
        "xattrs",
    )

    def __init__(self, sub: Subscription, index: int = 0) -> None:
        self.sub = sub
        self.index = index
        self.reduce = sub.cache if sub.cache is not None and sub.cache.reduces else None
        self.kinds = sub.kinds
        self.all = sub.all_entries
        self.paths = sub.paths
        self.basenames = sub.basenames
        self.glob = compile_globs(sub.globs)
        self.predicate = sub.predicate
        self.accept = sub.accept
        self.xattrs = sub.with_xattrs
        self.failed = False

    def matches(self, path: str, base: str, kind: str, has_xattrs: bool = True) -> bool:
        if kind not in self.kinds or self.failed or (self.xattrs and not has_xattrs):
            return False
        if self.all or path in self.paths or base in self.basenames:
            return True
        if self.glob is not None and self.glob.match(path):
            return True
        return self.predicate is not None and self.predicate(path)


@dataclass(frozen=True, slots=True)
class WalkError:
    """A problem met during the pass; ``layer_index`` is None for image-wide ones."""

    message: str
    layer_index: int | None = None
    path: str | None = None


@dataclass
class WalkResult:
    """The merged view, per-layer statistics (in ``view.stats``) and what went wrong."""

    view: LayerFS
    errors: list[WalkError] = field(default_factory=list)
    suppressed_errors: int = 0
    """Per-entry problems beyond ``Limits.max_errors``, counted but not listed."""
    warnings: list[WalkError] = field(default_factory=list)
    """Oddities that lost nothing (names that are not UTF-8, special files, unknown tar
    types, duplicate entries, names longer than Linux allows): one per layer and kind,
    with a count and the first path."""
    invalid: list[WalkError] = field(default_factory=list)
    """Entries Docker and containerd cannot unpack and whose content is unknowable (a
    hard link to itself or to no file): the image is broken, the run exits 2."""
    from_directory: bool = False
    """The tree of a directory, read as one layer: no blob, no digest to verify."""
    cache_warnings: list[str] = field(default_factory=list)
    """Layer cache records found damaged or untrusted (ignored; the layer was read)."""
    cached_layers: list[int] = field(default_factory=list)
    """Indices of the layers replayed from the layer cache instead of read."""
    helped_layers: list[int] = field(default_factory=list)
    """Indices of the layers read by the forked helper and replayed from its records."""

    @property
    def complete(self) -> bool:
        return not self.errors and all(s.complete for s in self.view.stats)

    @property
    def unverified(self) -> frozenset[int]:
        """Layers whose blob was not read to a verified end (a digest mismatch, a
        truncation, a bomb, a timeout): what analysers saw of them came from bytes nobody
        vouches for, so nothing derived from them may be reported.  Their entries were
        offered as they streamed (holding them all would cost the layer's content); the
        pipelines drop the results afterwards."""
        if self.from_directory:
            return frozenset()
        return frozenset(s.index for s in self.view.stats if not s.complete)


# Linux's limits (NAME_MAX, PATH_MAX): longer names cannot be created, so unpacking fails
NAME_MAX = 255
PATH_MAX = 4096


def _oddity_text(what: str, n: int, detail: str) -> str:
    entries = "1 entry" if n == 1 else f"{n} entries"
    if what == "utf8":
        return f"{entries} with a name that is not UTF-8, read and shown with \\x escapes"
    if what == "special":
        return (
            f"{entries} that are devices or FIFOs outside /dev, recorded as metadata, never opened"
        )
    if what == "duplicate":
        return (
            f"{entries} for a path stored earlier in the same layer; the last one wins, as "
            "when Docker unpacks it"
        )
    if what == "wh-order":
        return (
            f"{entries} whited out by a .wh. marker later in the same layer: kept, as the "
            "OCI image spec says (Docker's and containerd's overlay unpackers refuse this "
            "layer, their copying unpackers delete the path)"
        )
    if what == "long":
        return (
            f"{entries} with a name longer than Linux allows (a component over {NAME_MAX} "
            f"bytes or a path over {PATH_MAX}): read and checked, but unpacking this layer "
            "on Linux fails"
        )
    return f"{entries} of unknown tar type {detail!r}, read as regular file content (POSIX)"


def _too_long(path: str) -> bool:
    if len(path) < NAME_MAX:
        return False  # the usual case: no encoding needed
    raw = path.encode("utf-8", "surrogateescape")
    return len(raw) >= PATH_MAX or any(len(p) > NAME_MAX for p in raw.split(b"/"))


class Walker:
    """Runs one pass over ``image``'s layers from ``source`` for the given subscriptions."""

    def __init__(
        self,
        source: ImageSource,
        image: Image,
        subscriptions: Iterable[Subscription] = (),
        limits: Limits | None = None,
        open_blob: Callable[[Layer], BinaryIO] | None = None,
        *,
        layer_cache: LayerCache | None = None,
        spool_dir: Path | None = None,
        parallel: bool | None = None,
        on_helped: Callable[[Layer], None] | None = None,
        on_inflated: Callable[[Layer, int], None] | None = None,
    ) -> None:
        self.source = source
        self._on_helped = on_helped
        """Told of each layer replayed from the helper's records (this process read none
        of its bytes): progress counts it."""
        self._on_inflated = on_inflated
        """Told of the stored bytes a forked inflater used, as its frames arrive (the
        fork reads the blob itself, not through ``open_blob``): progress counts them."""
        self._parallel = _spare_core() if parallel is None else parallel
        """Whether later layers may be recorded by a forked helper while this process
        reads the first (:mod:`hullcheck.sources.layerhelper`); by default when a second
        core is there."""
        self._helping = False
        """True in the helper: records layers only (no analyser state to keep)."""
        self._helped_walk = False
        """True while a helper records later layers (no layer is then inflated in a fork)."""
        self._max_content = MAX_CONTENT_BYTES
        """Content a record may keep (less in the helper, where records wait in memory)."""
        self._store: Callable[[LayerRecord], None] | None = None
        """Where a finished layer's record goes (the layer cache, or the helper's pipe)."""
        self._spool_dir = spool_dir
        """Where files over ``Limits.spill_bytes`` are spilled (None: the system's
        temporary folder); see :mod:`hullcheck.sources.spool`."""
        self.image = image
        self.limits = limits or Limits()
        self._subs = [_Compiled(s, i) for i, s in enumerate(subscriptions)]
        self._open_blob = open_blob
        self._cache = layer_cache
        self._fingerprint: str | None = None
        self._rec: LayerRecord | None = None
        self.result = WalkResult(view=LayerFS(max_entries=self.limits.max_entries))
        self._help_layers: frozenset[int] = frozenset()
        """Layers the helper reads (it sends one answer for each, in order)."""
        self._reader: PrefetchingReader | ForkedInflater | None = None
        """The layer being read (None for a directory), for per-file inflation checks."""
        self._odd: dict[tuple[int, str, str], tuple[int, str]] = {}
        """(layer, oddity, detail) -> (count, first path)"""
        self._noted = 0
        """Oddities and invalid entries met so far (a layer with any is never cached,
        so a replay cannot hide them)."""

    def subscribe(self, subscription: Subscription) -> None:
        self._subs.append(_Compiled(subscription, len(self._subs)))

    def _error(self, message: str, layer: int | None = None, path: str | None = None) -> None:
        if len(self.result.errors) >= self.limits.max_errors:
            self.result.suppressed_errors += 1
            return
        self.result.errors.append(WalkError(message, layer, path))

    def _oddity(self, layer: int, what: str, path: str, detail: str = "") -> None:
        self._noted += 1
        key = (layer, what, detail)
        seen = self._odd.get(key)
        self._odd[key] = (1, path) if seen is None else (seen[0] + 1, seen[1])

    def _invalid(self, layer: int, path: str, message: str) -> None:
        self._noted += 1
        if len(self.result.invalid) < self.limits.max_errors:
            self.result.invalid.append(WalkError(f"layer {layer}: {path}: {message}", layer, path))

    def _flush_oddities(self) -> None:
        for (layer, what, detail), (count, path) in sorted(self._odd.items()):
            example = path if len(path) <= 160 else path[:160] + "..."
            self.result.warnings.append(
                WalkError(
                    f"layer {layer}: {_oddity_text(what, count, detail)} (first: {example})",
                    layer,
                    example,  # as in the message: a 4 KiB name is not repeated in full
                )
            )

    def run(self) -> WalkResult:
        deadline = Deadline(self.limits.timeout)
        inflation = Inflation(self.limits)
        view = self.result.view
        view.stats = [
            LayerStats(index=layer.index, digest=layer.digest) for layer in self.image.layers
        ]
        cache = self._cache
        self.result.from_directory = isinstance(self.source, DirectorySource)
        self._store = cache.store if cache is not None else None
        if (cache is not None or self._parallel) and not isinstance(self.source, DirectorySource):
            self._fingerprint = pass_fingerprint([s.sub for s in self._subs])
        ready = self._recorded_layers()
        helper = self._start_helper(ready, deadline, inflation)
        self._helped_walk = helper is not None
        try:
            self._layers(ready, helper, deadline, inflation)
        finally:
            if helper is not None:
                helper.close()
        self._flush_oddities()
        if view.truncated:
            self._error(
                f"image has more than {self.limits.max_entries} paths; the merged view "
                "lists the first ones only (raise --max-entries)"
            )
        if cache is not None:
            self.result.cache_warnings.extend(cache.warnings)
            cache.warnings.clear()
        return self.result

    def _layers(
        self,
        ready: frozenset[int],
        helper: LayerHelper | None,
        deadline: Deadline,
        inflation: Inflation,
    ) -> None:
        for layer in self.image.layers:
            try:
                if helper is None or layer.index not in self._help_layers:
                    record = self._cached(layer, deadline)
                    cached = True
                else:
                    record, cached = self._helped(layer, helper, deadline), False
                if record is not None:
                    self._replay(layer, record, deadline, inflation)
                    done = self.result.cached_layers if cached else self.result.helped_layers
                    done.append(layer.index)
                else:
                    self._walk_layer(layer, deadline, inflation)
            except InflationError as err:
                self._error(f"layer {layer.index} ({layer.digest}): {err.message}", layer.index)
                if inflation.total > self.limits.max_total_bytes:
                    break
            except ReadTimeout as err:
                self._error(err.message, layer.index)
                break
            except ImageError as err:
                self._error(f"layer {layer.index} ({layer.digest}): {err.message}", layer.index)

    # ------------------------------------------------------------ the helper
    def _recorded_layers(self) -> frozenset[int]:
        """Layers after the first whose record the layer cache seems to hold: the helper
        leaves them to the walk, which checks and replays them in turn (or reads one
        found wanting itself)."""
        fp = self._fingerprint
        if self._cache is None or fp is None or not self._helper_wanted():
            return frozenset()
        return frozenset(
            layer.index
            for layer in self.image.layers[1:]
            if layer.diff_id and self._cache.has(layer.diff_id, fp)
        )

    def _fork_inflation(self, layer: Layer) -> bool:
        """Whether to inflate this layer in a forked process (:mod:`.inflater`) rather
        than a thread: a local blob large enough to repay the fork, when a second core
        is there, and no helper runs: beside a helper (which inflates in a thread) it
        would be a third busy process on two cores, measured slower."""
        return (
            bool(self._parallel)
            and not self._helping
            and not self._helped_walk
            and self.source.info.kind in _FORKABLE_SOURCES
            and layer.compressed_size >= FORK_INFLATION_BYTES
        )

    def _inflated(self, layer: Layer) -> Callable[[int], None] | None:
        told = self._on_inflated
        if told is None:
            return None
        return lambda nbytes: told(layer, nbytes)

    def _helper_wanted(self) -> bool:
        return (
            self._parallel
            and len(self.image.layers) > 1
            and self._fingerprint is not None
            and self.source.info.kind in _FORKABLE_SOURCES
        )

    def _start_helper(
        self, ready: frozenset[int], deadline: Deadline, inflation: Inflation
    ) -> LayerHelper | None:
        """Fork the helper for the layers after the first that no record covers."""
        if not self._helper_wanted():
            return None
        layers = [
            layer
            for layer in self.image.layers[1:]
            if layer.index not in ready and (layer.diff_id or "").startswith("sha256:")
        ]
        if not layers:
            return None
        self._help_layers = frozenset(layer.index for layer in layers)
        try:
            return LayerHelper(lambda send: self._help(layers, deadline, inflation, send))
        except OSError:
            return None  # no process to spare (EAGAIN, ENOMEM): slower, not wrong

    def _help(
        self, layers: list[Layer], deadline: Deadline, inflation: Inflation, send: Send
    ) -> None:
        """In the helper: each layer's record, or None when it cannot be recorded."""
        self._helping = True
        self._max_content = HELPER_CONTENT_BYTES
        self._open_blob = None  # the walk's own opener may report progress; not from here
        for layer in layers:
            kept: list[LayerRecord] = []
            self._store = kept.append
            try:
                self._walk_layer(layer, deadline, inflation)
            except (HullcheckError, _Unrecordable):
                kept.clear()
            send(encode(kept[0]) if kept else None)

    def _helped(self, layer: Layer, helper: LayerHelper, deadline: Deadline) -> LayerRecord | None:
        """The helper's record of this layer; None when this process must read it."""
        raw = helper.receive(deadline)  # one per helped layer, in order: always taken
        if raw is None or any(s.failed for s in self._subs):
            return None
        subs = [s.sub for s in self._subs]
        try:
            recorded = decode(raw, subs, load_facts=False)
            record = load_facts_of(recorded, subs)
        except (ValueError, KeyError, TypeError, IndexError):
            return None  # read it here, where any problem is reported
        if record.diff_id != layer.diff_id or record.fingerprint != self._fingerprint:
            return None
        if self._cache is not None:
            self._cache.store(recorded)  # as sent: the loaded facts are analysers' objects
        if self._on_helped is not None:
            self._on_helped(layer)
        return record

    # ------------------------------------------------------------ the layer cache
    def _cached(self, layer: Layer, deadline: Deadline) -> LayerRecord | None:
        fp = self._fingerprint
        if self._cache is None or fp is None or not layer.diff_id:
            return None
        if any(s.failed for s in self._subs):
            return None  # a stopped analyser would miss the replayed offers
        record = self._cache.load(layer.diff_id, fp, [s.sub for s in self._subs])
        if record is None:
            return None
        if self.source.info.kind == "registry":
            # addressed by digest: the bytes any client pulls are the ones recorded
            return record if layer.digest in record.blobs else None
        return record if self._stored_digest(layer, deadline) in record.blobs else None

    def _stored_digest(self, layer: Layer, deadline: Deadline) -> str | None:
        """Hash a local blob's stored bytes (no inflating, no parsing); None if unreadable."""
        try:
            raw = self._open(layer)
        except ImageError:
            return None
        try:
            hasher = new_hasher(layer.digest)
            while data := raw.read(1 << 20):
                hasher.update(data)
                deadline.check()
        except (OSError, ImageError):
            return None
        finally:
            raw.close()
        return f"{layer.digest.partition(':')[0]}:{hasher.hexdigest()}"

    def _start_record(self, layer: Layer) -> bool:
        """Whether to record this layer's pass (then ``self._rec`` is the record)."""
        self._rec = None
        fp = self._fingerprint
        diff_id = layer.diff_id
        if self._store is None or fp is None or not diff_id or not diff_id.startswith("sha256:"):
            return False
        if any(s.failed for s in self._subs):
            return False
        self._rec = LayerRecord(diff_id=diff_id, fingerprint=fp, blobs=[], uncompressed_size=0)
        for s in self._subs:
            hooks = s.sub.cache
            if hooks is not None and hooks.counters is not None:
                self._rec.counters[s.index] = hooks.counters()
        return True

    def _finish_record(self, verified: bool, errors_before: int) -> None:
        rec, self._rec = self._rec, None
        if rec is None or self._store is None or not verified:
            return
        if len(self.result.errors) + self.result.suppressed_errors != errors_before:
            return  # something in this layer could not be read: never cache a partial pass
        for s in self._subs:
            hooks = s.sub.cache
            if hooks is not None and hooks.counters is not None:
                before = rec.counters.get(s.index, {})
                after = hooks.counters()
                delta = {k: v - before.get(k, 0) for k, v in after.items()}
                rec.counters[s.index] = {k: v for k, v in delta.items() if v}
        self._store(rec)

    def _replay(
        self, layer: Layer, record: LayerRecord, deadline: Deadline, inflation: Inflation
    ) -> None:
        """Make the calls a live pass over this layer would make, from its record."""
        stats = self.result.view.stats[layer.index]
        inflation.total += record.uncompressed_size
        if record.uncompressed_size > self.limits.max_layer_bytes:
            raise InflationError(
                f"layer inflates past the {self.limits.max_layer_bytes}-byte limit per layer"
            )
        if inflation.total > self.limits.max_total_bytes:
            raise InflationError(
                f"image inflates past the {self.limits.max_total_bytes}-byte limit"
            )
        view = self.result.view
        add = view.add
        index = layer.index
        digest = layer.digest
        subs = self._subs
        counts = [0, 0, 0]
        try:
            for n, ev in enumerate(record.events):
                counts[0] += 1
                if n & 4095 == 0:
                    deadline.check()
                if isinstance(ev, Whiteout):
                    stats.whiteouts += 1
                    self._apply_whiteout(ev.dir_path, ev.base, index)
                    continue
                if ev.kind == REGULAR:
                    counts[1] += 1
                    counts[2] += ev.size
                elif ev.kind == HARDLINK and ev.link and ev.link.startswith("/"):
                    # the target may come from another base than when this was recorded
                    self._check_hardlink(ev.path, ev.link[1:], index)
                add(ev.path, ev.kind, index, ev.size, ev.mode, ev.uid, ev.gid, ev.link)
                if not ev.offers:
                    continue
                abs_path = "/" + ev.path
                ref = FileRef(
                    path=abs_path,
                    size=ev.size,
                    mode=type_bits(ev.kind) | ev.mode,
                    layer_index=index,
                    layer_digest=digest,
                    uid=ev.uid,
                    gid=ev.gid,
                    link_target=ev.link,
                    xattrs=ev.xattrs,
                )
                data = ev.data
                for i in ev.offers:
                    s = subs[i]
                    if s.failed:
                        continue
                    try:
                        if s.reduce is not None:
                            assert s.reduce.apply is not None
                            s.reduce.apply(ref, ev.facts[i])
                            continue
                        offered = data
                        if data is not None and s.sub.max_size <= 0:
                            offered = None
                        elif data is not None and len(data) > s.sub.max_size:
                            offered = data[: s.sub.max_size]
                        s.sub.on_file(ref, offered)
                    except HullcheckError as err:
                        self._analyser_failed(s, abs_path, err.message, index)
                    except Exception as err:  # an analyser bug must not stop the pass
                        self._analyser_failed(s, abs_path, f"{type(err).__name__}: {err}", index)
        finally:
            stats.entries += counts[0]
            stats.files += counts[1]
            stats.bytes_added += counts[2]
        for i, delta in record.counters.items():
            hooks = subs[i].sub.cache
            if hooks is not None and hooks.add_counters is not None:
                hooks.add_counters(delta)
        stats.uncompressed_size = record.uncompressed_size
        stats.compressed_size = layer.compressed_size
        stats.complete = True

    def _open(self, layer: Layer) -> BinaryIO:
        if self._open_blob is not None:
            return self._open_blob(layer)
        return self.source.open_blob(layer.digest, layer.compressed_size)

    def _walk_layer(self, layer: Layer, deadline: Deadline, inflation: Inflation) -> None:
        stats = self.result.view.stats[layer.index]
        if isinstance(self.source, DirectorySource):
            self._walk_directory(self.source, layer, deadline, stats)
            return
        forked = self._fork_inflation(layer)
        # a fork must not report progress itself (a lock of the bar's thread may be held
        # at the fork): it reads the bare blob, and its frames say how much it read
        raw = (
            self.source.open_blob(layer.digest, layer.compressed_size)
            if forked
            else self._open(layer)
        )
        inflating: LayerReader | None = None
        reader: PrefetchingReader | ForkedInflater | None = None
        errors_before = len(self.result.errors) + self.result.suppressed_errors
        noted_before = self._noted
        recording = self._start_record(layer)
        verified = False
        try:
            content_digest = layer.digest == layer.diff_id
            inflating = LayerReader(
                raw,
                layer.digest,
                layer.compressed_size,
                limits=self.limits,
                deadline=deadline,
                inflation=inflation,
                content_digest=content_digest,
            )
            hasher = None
            if recording and not content_digest:
                # the diff_id is only the config's word: hash what comes out, so a record
                # is never filed under a diff_id the layer does not have
                hasher = hashlib.sha256()
            tap = hasher.update if hasher is not None else None
            reader = None
            if forked:
                try:
                    reader = ForkedInflater(inflating, deadline, tap, self._inflated(layer))
                except OSError:
                    reader = None  # no process to spare: the thread does it
            if reader is None:
                reader = PrefetchingReader(inflating, tap)
            tar = TarStream(reader.read, self.limits)
            self._reader = reader
            self._entries(tar, layer, stats)
            reader.finish()
            if forked and not isinstance(reader, ForkedInflater):
                told = self._inflated(layer)  # no fork after all: progress from here
                if told is not None:
                    told(reader.compressed_count)
            stats.uncompressed_size = reader.out_count
            stats.compressed_size = reader.compressed_count
            stats.complete = True
            if self._rec is not None:
                self._rec.uncompressed_size = reader.out_count
                self._rec.blobs = [reader.stored_digest()]
            verified = hasher is None or f"sha256:{hasher.hexdigest()}" == layer.diff_id
        finally:
            self._reader = None
            if recording:
                clean = self._noted == noted_before  # oddities are not recorded: not cached
                self._finish_record(verified and stats.complete and clean, errors_before)
            if reader is not None:
                reader.close()
            elif inflating is not None:
                inflating.close()
            raw.close()

    def _walk_directory(
        self, source: DirectorySource, layer: Layer, deadline: Deadline, stats: LayerStats
    ) -> None:
        """The tree as one layer: same entries, same offers, no blob and no tar."""

        def report(message: str, path: str | None) -> None:
            self._error(f"{path}: {message}" if path else message, layer.index, path)

        stream = source.entries(deadline, report)
        self._entries(stream, layer, stats)
        stats.uncompressed_size = stream.bytes_seen
        stats.complete = not stream.truncated

    def _entries(self, tar: TarStream | DirectoryStream, layer: Layer, stats: LayerStats) -> None:
        counts = [0, 0, 0]  # entries, regular files, bytes; folded into stats at the end
        try:
            self._loop(tar, layer, stats, counts)
        finally:
            stats.entries += counts[0]
            stats.files += counts[1]
            stats.bytes_added += counts[2]

    def _loop(
        self, tar: TarStream | DirectoryStream, layer: Layer, stats: LayerStats, counts: list[int]
    ) -> None:
        add = self.result.view.add
        index = layer.index
        subs = self._subs
        rec = self._rec
        events = rec.events if rec is not None else None
        for entry in tar:
            counts[0] += 1
            path = self._entry_path(entry, index)
            if not path:
                continue  # outside the root (reported), or the root directory itself
            dir_path, _, base = path.rpartition("/")
            if base.startswith(WHITEOUT_PREFIX):
                stats.whiteouts += 1
                if events is not None:
                    events.append(Whiteout(dir_path, base))
                self._apply_whiteout(dir_path, base, index)
                continue
            kind = entry.kind
            link = self._link(entry, kind, path, index)
            if kind == REGULAR:
                counts[1] += 1
                counts[2] += entry.size
                if entry.type_flag:
                    self._oddity(index, "type", "/" + path, entry.type_flag)
            if add(path, kind, index, entry.size, entry.mode, entry.uid, entry.gid, link):
                self._oddity(index, "duplicate", "/" + path)
            if rec is not None:
                if rec is not self._rec:  # abandoned (too much content to keep)
                    rec = events = None
                elif len(rec.events) >= MAX_RECORD_EVENTS:
                    self._rec = rec = events = None  # too many entries to keep
                else:
                    rec.events.append(_entry(path, entry, link))
            if rec is None and self._helping:
                raise _Unrecordable  # the walk reads this layer itself
            if subs:
                self._deliver(tar, entry, "/" + path, base, link=link, layer=layer, rec=rec)

    def _entry_path(self, entry: TarEntry, index: int) -> str | None:
        """The entry's clean path ("" for the root itself); None, reported, when it points
        outside the root, or over ``max_path_bytes``.  A name that is not UTF-8 or longer
        than Linux allows is kept (as decoded) and noted as an oddity."""
        path = clean_path(entry.name)
        if path is None:
            self._error(
                f"layer {index}: entry {entry.name[:200]!r} points outside the root; skipped",
                index,
                entry.name[:200],
            )
            return None
        if not path:
            return path
        if entry.problem:
            self._error(f"layer {index}: /{path}: {entry.problem}", index, "/" + path)
            return None
        if not entry.raw_name_ok:
            self._oddity(index, "utf8", "/" + path)
        if len(path) >= NAME_MAX and _too_long(path):
            self._oddity(index, "long", "/" + path)
        return path

    def _link(self, entry: TarEntry, kind: str, path: str, index: int) -> str | None:
        """A symlink's target as written; a hard link's as an absolute path (a hard link
        outside the root is reported and kept as written)."""
        if kind == SYMLINK:
            return entry.linkname
        if kind != HARDLINK:
            if kind in _SPECIAL_KINDS and not path.startswith("dev/"):
                # /dev nodes are ordinary in rootfs tarballs (mmdebstrap writes eight), and
                # runtimes mount their own /dev over them: only those elsewhere are odd
                self._oddity(index, "special", "/" + path)
            return None
        target = clean_path(entry.linkname)
        if target is not None:
            if not self._helping:  # the helper lacks the lower layers: the replay checks
                self._check_hardlink(path, target, index)
            return "/" + target
        self._error(
            f"layer {index}: hard link /{path} points outside the root ({entry.linkname[:200]!r})",
            index,
            "/" + path,
        )
        return entry.linkname

    def _deliver(
        self,
        tar: TarStream | DirectoryStream,
        entry: TarEntry,
        abs_path: str,
        base: str,
        *,
        link: str | None,
        layer: Layer,
        rec: LayerRecord | None,
    ) -> None:
        """Offer the entry (and its content, read once up to the largest limit asked) to
        the subscriptions that want it; recorded instead while a recording is kept."""
        kind = entry.kind
        has_xattrs = bool(entry.xattrs)
        wanted = [s for s in self._subs if s.matches(abs_path, base, kind, has_xattrs)]
        if not wanted:
            return
        index = layer.index
        ref = FileRef(
            path=abs_path,
            size=entry.size,
            mode=type_bits(kind) | entry.mode,
            layer_index=index,
            layer_digest=layer.digest,
            uid=entry.uid,
            gid=entry.gid,
            link_target=link,
            xattrs=entry.xattrs,
        )
        wanted = [s for s in wanted if s.accept is None or self._accepts(s, ref, index)]
        if not wanted:
            return  # the content is skipped by the tar stream, never buffered
        data: bytes | None = None
        if (
            kind == REGULAR
            and entry.size > self.limits.spill_bytes
            and isinstance(tar, TarStream)
            and any(s.sub.on_spill is not None for s in wanted)
        ):
            if rec is not None:
                self._rec = None  # too much content to record: this layer is not cached
            self._deliver_spilled(tar, ref, wanted, index)
            return
        if kind == REGULAR:
            limit = max(s.sub.max_size for s in wanted)
            if limit > 0:
                data = self._read_content(tar, entry.size, limit, index, abs_path)
                if data is None:
                    return  # a bomb inside the file: not offered, reported
        if rec is not None:
            self._record_offers(rec, wanted, ref, data)
        else:
            self._offer(wanted, ref, data, index)

    def _offer(self, wanted: list[_Compiled], ref: FileRef, data: bytes | None, index: int) -> None:
        for s in wanted:
            offered = _clipped(data, s.sub.max_size)
            try:
                s.sub.on_file(ref, offered)
            except HullcheckError as err:
                self._analyser_failed(s, ref.path, err.message, index)
            except Exception as err:  # an analyser bug must not stop the pass
                self._analyser_failed(s, ref.path, f"{type(err).__name__}: {err}", index)

    def _deliver_spilled(
        self, tar: TarStream, ref: FileRef, wanted: list[_Compiled], index: int
    ) -> None:
        """Offer a file over ``spill_bytes`` from a spool: subscriptions that read spools
        get it whole (or ``None`` past their ``max_size``), the others the prefix they ask."""
        limit = max(s.sub.max_size for s in wanted)
        spool = self._spill(tar, ref.size, limit, index, ref.path)
        if spool is None:
            return
        # no close here: a subscriber may keep the spool (a deferred database); the file
        # goes when the last reference does
        for s in wanted:
            on_spill = s.sub.on_spill
            try:
                if on_spill is None:
                    max_size = s.sub.max_size
                    s.sub.on_file(ref, spool.pread(0, max_size) if max_size > 0 else None)
                elif ref.size > s.sub.max_size or len(spool) < ref.size:
                    s.sub.on_file(ref, None)  # larger than it asked for
                else:
                    on_spill(ref, spool)
            except HullcheckError as err:
                self._analyser_failed(s, ref.path, err.message, index)
            except Exception as err:  # an analyser bug must not stop the pass
                self._analyser_failed(s, ref.path, f"{type(err).__name__}: {err}", index)

    def _spill(
        self, tar: TarStream, size: int, limit: int, index: int, path: str
    ) -> SpooledFile | None:
        """The file's content, up to ``limit``, written to a spool as it streams; None
        (reported) when it is a bomb inside the layer or cannot be written."""
        want = min(size, limit)
        guard, tripped = self._file_guard(size, limit)
        try:
            spool = SpooledFile.create(self._spool_dir)
        except OSError as err:
            self._error(f"layer {index}: {path}: cannot spill its {size} bytes: {err}", index, path)
            return None
        try:
            while len(spool) < want:
                part = tar.read_part(min(4 * MiB, want - len(spool)))
                if not part:
                    break
                spool.write(part)
                if guard is not None and not guard(len(spool)):
                    break
        except OSError as err:
            spool.close()
            self._error(f"layer {index}: {path}: cannot spill its {size} bytes: {err}", index, path)
            return None
        except BaseException:
            spool.close()
            raise
        if tripped:
            spool.close()
            self._bomb(tripped[0], len(spool), size, index, path)
            return None
        return spool.seal()

    def _apply_whiteout(self, dir_path: str, base: str, index: int) -> None:
        if base == OPAQUE:
            self.result.view.opaque(dir_path, index)
        elif not base.startswith(".wh..wh."):
            name = base[len(WHITEOUT_PREFIX) :]
            if self.result.view.whiteout(dir_path, name, index):
                path = f"/{dir_path}/{name}" if dir_path else f"/{name}"
                self._oddity(index, "wh-order", path)

    def _record_offers(
        self, rec: LayerRecord, wanted: list[_Compiled], ref: FileRef, data: bytes | None
    ) -> None:
        """Offer the entry as a live pass does, noting in the record what each one got."""
        last = rec.events[-1]
        assert isinstance(last, Entry)
        last.offers = tuple(s.index for s in wanted)
        raw_limit = max((s.sub.max_size for s in wanted if s.reduce is None), default=0)
        if data is not None and raw_limit > 0:
            last.data = data[:raw_limit]
            rec.content_bytes += len(last.data)
            if rec.content_bytes > self._max_content:
                self._rec = None  # too much to keep: this layer is simply not cached
        index = ref.layer_index if ref.layer_index is not None else -1
        for s in wanted:
            offered = _clipped(data, s.sub.max_size)
            try:
                hooks = s.reduce
                if hooks is None:
                    if not self._helping:  # the helper's analysers are thrown away
                        s.sub.on_file(ref, offered)
                    continue
                assert hooks.fact is not None and hooks.load is not None
                assert hooks.apply is not None
                fact = hooks.fact(ref, offered)
                last.facts[s.index] = fact
                if not self._helping:
                    hooks.apply(ref, hooks.load(fact))
            except HullcheckError as err:
                self._analyser_failed(s, ref.path, err.message, index)
            except Exception as err:  # an analyser bug must not stop the pass
                self._analyser_failed(s, ref.path, f"{type(err).__name__}: {err}", index)

    def _read_content(
        self, tar: TarStream | DirectoryStream, size: int, limit: int, index: int, path: str
    ) -> bytes | None:
        """The content analysers asked for, or None when the file is a compression bomb
        inside the layer (its own inflation ratio over ``max_ratio`` once past
        ``file_ratio_grace``): it is then reported as not examined, and never buffered
        past the grace."""
        if not isinstance(tar, TarStream):
            return tar.read_content(limit)
        guard, tripped = self._file_guard(size, limit)
        if guard is None:
            return tar.read_content(limit)
        data = tar.read_content(limit, guard)
        if not tripped:
            return data
        self._bomb(tripped[0], len(data), size, index, path)
        return None

    def _file_guard(
        self, size: int, limit: int
    ) -> tuple[Callable[[int], bool] | None, list[tuple[int, int]]]:
        """A check of one file's own inflation ratio as its content is gathered (None when
        the layer is not compressed or the file is within the grace), and where it trips."""
        reader = self._reader
        lim = self.limits
        tripped: list[tuple[int, int]] = []
        if (
            reader is None
            or reader.compression == "none"
            or min(size, limit) <= lim.file_ratio_grace
        ):
            return None, tripped
        out0, in0 = reader.out_count, reader.consumed()

        def guard(gathered: int) -> bool:
            if gathered <= lim.file_ratio_grace:
                return True
            grown, used = reader.out_count - out0, reader.consumed() - in0
            if grown > lim.max_ratio * max(used, 1):
                tripped.append((used, grown))
                return False
            return True

        return guard, tripped

    def _bomb(self, tripped: tuple[int, int], got: int, size: int, index: int, path: str) -> None:
        used, grown = tripped
        lim = self.limits
        self._error(
            f"layer {index}: {path}: a compression bomb inside the layer: {used} compressed "
            f"bytes inflated to {grown} (ratio over {lim.max_ratio}); the file was read no "
            f"further ({got} of {size} bytes) and not examined",
            index,
            path,
        )

    def _check_hardlink(self, path: str, target: str, index: int) -> None:
        """A hard link must name a file that exists when it is unpacked (an earlier entry
        or a lower layer): Docker and containerd fail on anything else, and what the
        link would hold is unknowable."""
        view = self.result.view
        if target == path:
            self._invalid(
                index,
                "/" + path,
                "hard link to itself: it names no file (Docker "
                "and containerd fail to unpack this layer)",
            )
            return
        if view.truncated:
            return  # the view no longer knows every path
        info = view.get(target)
        if info is None or info.hidden:
            # the target's folders may be symlinks (``lib -> usr/lib``), as the kernel follows
            head, _, name = target.rpartition("/")
            real = view.resolve(head) if head else ""
            info = view.get(f"{real}/{name}") if real is not None else None
        if info is None or info.hidden:
            self._invalid(
                index,
                "/" + path,
                f"hard link to /{target[:200]}, which does not "
                "exist at that point (Docker and containerd fail to unpack this layer)",
            )
        elif info.kind == DIRECTORY:
            self._invalid(
                index,
                "/" + path,
                f"hard link to the directory /{target[:200]} "
                "(Docker and containerd fail to unpack this layer)",
            )

    def _accepts(self, s: _Compiled, ref: FileRef, index: int) -> bool:
        assert s.accept is not None
        try:
            return s.accept(ref)
        except HullcheckError as err:
            self._analyser_failed(s, ref.path, err.message, index)
        except Exception as err:  # an analyser bug must not stop the pass
            self._analyser_failed(s, ref.path, f"{type(err).__name__}: {err}", index)
        return False

    def _analyser_failed(self, s: _Compiled, path: str, message: str, index: int) -> None:
        s.failed = True
        self._error(
            f"analyser {s.sub.name} failed on {path} and was stopped: {message}", index, path
        )


HELPER_CONTENT_BYTES = 16 * MiB
"""Content a helper's record may keep: records wait in memory on both sides, so a
hostile layer of much content is read by the walk itself (a real layer's record holds
a few MiB: python-npm's npm layer, 1.8 MiB)."""
FORK_INFLATION_BYTES = 1 << 20
"""Stored bytes from which a layer is inflated in a fork: a fork costs a few ms."""
_FORKABLE_SOURCES = frozenset({"oci", "oci-archive", "docker-archive"})
"""Sources whose every blob read opens its own file, so a fork may read beside us
(a registry's connection pool, an engine's socket may not be shared)."""


class _Unrecordable(Exception):
    """In the helper: this layer cannot be recorded; the walk will read it itself."""


def _spare_core() -> bool:
    """Whether this process may run on more than one core."""
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):  # not Linux
        return (os.cpu_count() or 1) > 1


def _clipped(data: bytes | None, max_size: int) -> bytes | None:
    """What a subscription with ``max_size`` is offered of ``data`` (None: no content)."""
    if data is None or max_size <= 0:
        return None
    return data[:max_size] if len(data) > max_size else data


def _entry(path: str, entry: TarEntry, link: str | None) -> Entry:
    return Entry(
        path, entry.kind, entry.size, entry.mode, entry.uid, entry.gid, link, entry.xattrs, (), None
    )


def walk_image(
    source: ImageSource,
    image: Image,
    subscriptions: Sequence[Subscription] = (),
    limits: Limits | None = None,
) -> WalkResult:
    """Read every layer of ``image`` once, offering entries to ``subscriptions``."""
    return Walker(source, image, subscriptions, limits).run()


__all__ = [
    "Subscription",
    "WalkError",
    "WalkResult",
    "Walker",
    "walk_image",
]
