"""Per-layer results shared across images: what the single pass saw in one layer, by diff_id.

A base layer shared by fifty images should be read once.  While the walker streams a
layer it *records* what the pass did with it: every entry's header (path, kind, size,
mode, owner, link, xattrs) and whiteout, which subscriptions were offered the entry, and
for each of them either the content they were offered (small files: ``/etc/passwd``,
package databases) or, for subscriptions that reduce a file to a *fact* (the secrets
engine's matches, "this executable holds no Go or Rust packages"), that fact.  Counters
an analyser keeps (the secrets engine's statistics) are recorded as per-layer deltas.

The next image holding a layer with the same diff_id *replays* the record instead of
reading the blob: the merged view gets the same entries and whiteouts in the same order
and every analyser gets the same calls, so whole-image facts (a secret or a package
database deleted or replaced by an upper layer) are assembled exactly as on a live pass.

Keys and trust:
- A record is keyed by the layer's diff_id and a *fingerprint* of the pass: the record
  format, a digest of hullcheck's own code, and every subscription's selection and
  configuration (``CacheHooks.key``).  A subscription with a predicate or ``accept`` but
  no key cannot be fingerprinted, and then no layer of that pass is cached.
- A diff_id is written by the image config and proves nothing by itself: a record is
  written only after the uncompressed stream was hashed and found equal to it, and it
  lists the digests of the stored bytes seen to inflate to it.  It is replayed only when
  the layer's stored bytes are among those: from a registry, whose blobs are addressed
  by digest (every client verifies them), when the layer's digest is listed; from a
  local file (an archive, a layout, the daemon), only after hashing the stored bytes,
  which costs a fraction of inflating and analysing them.  A hostile image that claims
  a popular diff_id, or a blob that does not match its name, gets its own bytes read.
- Only layers read to the end without any error are recorded.
- Files are written to a private temporary file and renamed into place; each carries
  the sha256 of its body, checked on load; a record that is damaged, not ours (another
  owner, writable by others, a symlink) or does not decode exactly is ignored with a
  warning and the layer is read from its blob.  Total size is bounded (least recently
  used records go first).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import importlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zstandard

from hullcheck.errors import InputError
from hullcheck.model import FileRef, JSONValue
from hullcheck.sources.cache import evict_lru, lru_entry
from hullcheck.sources.limits import GiB, MiB

if TYPE_CHECKING:
    from hullcheck.sources.walker import Subscription

RECORD_VERSION = 1
MAGIC = b"HCLAYER1\n"
DEFAULT_MAX_BYTES = 2 * GiB
MAX_RECORD_BYTES = 128 * MiB
"""A record larger than this once decoded is neither written nor read."""
MAX_CONTENT_BYTES = 48 * MiB
"""Raw content kept per record; a layer whose offered content exceeds it is not recorded."""
MAX_RECORD_EVENTS = 250_000
"""Entries per record: a layer with more is read each time (decoding stays bounded)."""
_NAME_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class CacheHooks:
    """How a subscription takes part in the layer cache.

    ``key`` names what its predicate/``accept`` select and any configuration its
    ``on_file`` depends on (two passes with equal keys must make equal calls).  With
    ``fact`` and ``load``/``apply``, the pass calls ``apply(ref, load(fact(ref, data)))``
    instead of ``on_file``: ``fact`` is a pure function of the file (JSON), ``load``
    checks and decodes it (raising ``ValueError``/``KeyError``/``TypeError`` on anything
    unexpected), ``apply`` changes the analyser's state.  ``counters``/``add_counters``
    read and add flat integer counters the subscription keeps (also those its predicate
    updates), recorded per layer as a delta.
    """

    key: str = ""
    fact: Callable[[FileRef, bytes | None], JSONValue] | None = None
    load: Callable[[JSONValue], object] | None = None
    apply: Callable[[FileRef, Any], None] | None = None
    counters: Callable[[], dict[str, int]] | None = None
    add_counters: Callable[[dict[str, int]], None] | None = None

    @property
    def reduces(self) -> bool:
        return self.fact is not None and self.load is not None and self.apply is not None


@functools.cache
def code_digest() -> str:
    """sha256 of hullcheck's own modules: a changed analyser never reuses old records."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def pass_fingerprint(subs: Sequence[Subscription]) -> str | None:
    """The pass's identity for the cache, or None when some subscription cannot be named."""
    parts = [f"record {RECORD_VERSION}", code_digest()]
    for s in subs:
        hooks = s.cache
        if hooks is None and (s.predicate is not None or s.accept is not None):
            return None
        key = hooks.key if hooks is not None else ""
        if " at 0x" in key:  # a repr holding an object address: not stable across runs
            return None
        parts.append(
            repr(
                (
                    s.name,
                    sorted(s.kinds),
                    s.all_entries,
                    s.with_xattrs,
                    s.max_size,
                    sorted(s.paths),
                    sorted(s.basenames),
                    s.globs,
                    key,
                    hooks.reduces if hooks is not None else False,
                )
            )
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(slots=True)
class Entry:
    """One tar entry of a recorded layer and what the pass offered to whom."""

    path: str
    """Without the leading slash, as the merged view takes it."""
    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    link: str | None
    xattrs: tuple[tuple[str, bytes], ...]
    offers: tuple[int, ...]
    """Indices (in the pass's subscription order) of the subscriptions offered the entry."""
    data: bytes | None
    """The content the raw (non-reducing) subscriptions were offered, at their largest size."""
    facts: dict[int, Any] = field(default_factory=dict)
    """Per reducing subscription: the fact (JSON while recording, decoded once loaded)."""


@dataclass(frozen=True, slots=True)
class Whiteout:
    dir_path: str
    base: str
    """The entry's name as in the tar (``.wh.NAME``, or the opaque marker)."""


Event = Entry | Whiteout


@dataclass(slots=True)
class LayerRecord:
    diff_id: str
    fingerprint: str
    blobs: list[str]
    uncompressed_size: int
    events: list[Event] = field(default_factory=list)
    counters: dict[int, dict[str, int]] = field(default_factory=dict)
    content_bytes: int = 0


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object) -> bytes:
    if not isinstance(value, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(value.encode("ascii"), validate=True)


def encode(record: LayerRecord) -> bytes:
    events: list[JSONValue] = []
    for ev in record.events:
        if isinstance(ev, Whiteout):
            events.append(["w", ev.dir_path, ev.base])
            continue
        events.append(
            [
                "e",
                ev.path,
                ev.kind,
                ev.size,
                ev.mode,
                ev.uid,
                ev.gid,
                ev.link,
                [[name, _b64(value)] for name, value in ev.xattrs],
                list(ev.offers),
                None if ev.data is None else _b64(ev.data),
                {str(k): v for k, v in ev.facts.items()},
            ]
        )
    body = {
        "v": RECORD_VERSION,
        "diff_id": record.diff_id,
        "fingerprint": record.fingerprint,
        "blobs": sorted(set(record.blobs)),
        "uncompressed_size": record.uncompressed_size,
        "counters": {str(k): v for k, v in record.counters.items()},
        "events": events,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def _int(value: object) -> int:
    if type(value) is not int:
        raise TypeError("expected an integer")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def _opt_str(value: object) -> str | None:
    return None if value is None else _str(value)


KINDS = frozenset({"file", "dir", "symlink", "hardlink", "char", "block", "fifo"})


def decode(raw: bytes, subs: Sequence[Subscription], *, load_facts: bool = True) -> LayerRecord:
    """A record from its JSON body, every field checked; raises on anything unexpected.

    The facts are loaded (each subscription's ``CacheHooks.load``, as they are read) for a
    replay; with ``load_facts=False`` they stay JSON, as recorded, for a record to store
    (:func:`load_facts_of` loads them later)."""
    body = json.loads(raw)
    if not isinstance(body, dict) or body.get("v") != RECORD_VERSION:
        raise ValueError("not a layer record of this version")
    blobs = body["blobs"]
    if not isinstance(blobs, list):
        raise TypeError("blobs")
    record = LayerRecord(
        diff_id=_str(body["diff_id"]),
        fingerprint=_str(body["fingerprint"]),
        blobs=[_str(b) for b in blobs],
        uncompressed_size=_int(body["uncompressed_size"]),
    )
    counters = body["counters"]
    if not isinstance(counters, dict):
        raise TypeError("counters")
    for k, delta in counters.items():
        index = int(k)
        if not 0 <= index < len(subs) or not isinstance(delta, dict):
            raise ValueError("counters")
        record.counters[index] = {_str(name): _int(n) for name, n in delta.items()}
    events = body["events"]
    if not isinstance(events, list) or len(events) > MAX_RECORD_EVENTS:
        raise TypeError("events")
    nsubs = len(subs)
    reducing = [s.cache is not None and s.cache.reduces for s in subs]
    # facts are loaded as they are read when asked: one pass, no second copy of entries
    loaders = _loaders(subs) if load_facts else None
    append = record.events.append
    for ev in events:
        if type(ev) is not list:
            raise TypeError("event")
        if len(ev) == 3 and ev[0] == "w":
            base = ev[2]
            if type(ev[1]) is not str or type(base) is not str or not base.startswith(".wh."):
                raise ValueError("whiteout")
            append(Whiteout(ev[1], base))
            continue
        if len(ev) != 12 or ev[0] != "e":
            raise ValueError("event")
        _, path, kind, size, mode, uid, gid, link, xattrs, offers, data, facts = ev
        if (
            type(path) is not str
            or not path
            or path[0] == "/"
            or kind not in KINDS
            or type(size) is not int
            or size < 0
            or type(mode) is not int
            or type(uid) is not int
            or type(gid) is not int
            or (link is not None and type(link) is not str)
            or type(xattrs) is not list
            or type(offers) is not list
            or type(facts) is not dict
        ):
            raise ValueError("entry")
        for i in offers:
            if type(i) is not int or not 0 <= i < nsubs:
                raise ValueError("offer")
        entry = Entry(
            path,
            kind,
            size,
            mode,
            uid,
            gid,
            link,
            tuple((_str(x[0]), _unb64(x[1])) for x in xattrs) if xattrs else (),
            tuple(offers),
            None if data is None else _unb64(data),
        )
        for i in offers:
            if reducing[i]:
                fact = facts[str(i)]
                load = None if loaders is None else loaders[i]
                entry.facts[i] = fact if load is None else load(fact)
        if len(entry.facts) != len(facts):
            raise ValueError("fact for a subscription not offered the entry")
        append(entry)
    return record


def _loaders(subs: Sequence[Subscription]) -> list[Callable[[JSONValue], object] | None]:
    return [s.cache.load if s.cache is not None and s.cache.reduces else None for s in subs]


def load_facts_of(record: LayerRecord, subs: Sequence[Subscription]) -> LayerRecord:
    """``record`` with its JSON facts loaded (``CacheHooks.load``) for a replay, raising on
    any it refuses; ``record`` itself is left as recorded (it may still be stored)."""
    loaders = _loaders(subs)
    events: list[Event] = []
    for ev in record.events:
        if not isinstance(ev, Entry) or not ev.facts:
            events.append(ev)
            continue
        loaded: dict[int, Any] = {}
        for i, fact in ev.facts.items():
            load = loaders[i]
            if load is None:
                raise ValueError("fact for a subscription that keeps none")
            loaded[i] = load(fact)
        # spelled out: dataclasses.replace reads the fields anew for each of thousands
        events.append(
            Entry(
                ev.path,
                ev.kind,
                ev.size,
                ev.mode,
                ev.uid,
                ev.gid,
                ev.link,
                ev.xattrs,
                ev.offers,
                ev.data,
                loaded,
            )
        )
    return dataclasses.replace(record, events=events)


def listed_blobs(payload: bytes) -> list[str]:
    """The blob digests a compressed record body lists ([] if it does not decode), so a
    rewrite keeps them; for every record store."""
    try:
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=MAX_RECORD_BYTES)
        body = json.loads(raw)
    except (ValueError, zstandard.ZstdError):
        return []
    blobs = body.get("blobs", []) if isinstance(body, dict) else []
    return [b for b in blobs if isinstance(b, str)][:64]


class LayerCache:
    """Layer records under ``<cache>/layers`` (see the module docstring)."""

    def __init__(self, cache_dir: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = cache_dir / "layers"
        self.max_bytes = max_bytes
        self.warnings: list[str] = []
        self.stored = 0

    def _path(self, diff_id: str, fingerprint: str) -> Path | None:
        algo, _, hexpart = diff_id.partition(":")
        if algo != "sha256" or len(hexpart) != 64 or not set(hexpart) <= _NAME_CHARS:
            return None
        return self.root / "sha256" / f"{hexpart}-{fingerprint[:32]}"

    def _trusted(self, path: Path) -> str | None:
        """Why a file or directory of the cache must not be trusted (None: it may)."""
        try:
            st = path.lstat()
        except OSError as err:
            return f"cannot inspect it ({err.strerror})"
        if stat.S_ISLNK(st.st_mode):
            return "it is a symlink"
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return "it belongs to another user"
        if st.st_mode & 0o022:
            return "others may write to it"
        return None

    def has(self, diff_id: str, fingerprint: str) -> bool:
        """Whether a record for this layer and pass seems to be there (nothing read or
        checked: :meth:`load` may still find it damaged)."""
        path = self._path(diff_id, fingerprint)
        return path is not None and path.is_file()

    def load(
        self, diff_id: str, fingerprint: str, subs: Sequence[Subscription]
    ) -> LayerRecord | None:
        """The record for this layer and pass, or None (a miss, or a record not to trust)."""
        path = self._path(diff_id, fingerprint)
        if path is None:
            return None
        try:
            st = path.lstat()
        except OSError:
            return None  # a miss
        where = f"layer cache record {path.name[:12]} ({diff_id[:19]})"
        for p in (self.root, path.parent, path):
            reason = self._trusted(p)
            if reason is not None:
                self.warnings.append(f"{where} ignored: {p} is not trusted: {reason}")
                return None
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_RECORD_BYTES:
            self.warnings.append(f"{where} ignored: not a regular file of a sane size")
            return None
        try:
            with open(path, "rb") as f:
                blob = f.read(MAX_RECORD_BYTES + 1)
        except OSError as err:
            self.warnings.append(f"{where} ignored: cannot read it ({err.strerror})")
            return None
        try:
            record = self._decode(blob, subs)
        except (ValueError, KeyError, TypeError, IndexError, zstandard.ZstdError) as err:
            self.warnings.append(f"{where} is damaged and was ignored ({err}); layer read again")
            return None
        if record.diff_id != diff_id or record.fingerprint != fingerprint:
            self.warnings.append(f"{where} ignored: it describes another layer or pass")
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return record

    @staticmethod
    def _decode(blob: bytes, subs: Sequence[Subscription]) -> LayerRecord:
        if not blob.startswith(MAGIC):
            raise ValueError("bad header")
        rest = blob[len(MAGIC) :]
        checksum, sep, payload = rest.partition(b"\n")
        if not sep or len(checksum) != 64:
            raise ValueError("bad header")
        raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=MAX_RECORD_BYTES)
        if hashlib.sha256(raw).hexdigest().encode() != checksum:
            raise ValueError("checksum mismatch")
        return decode(raw, subs)

    def peek_blobs(self, diff_id: str, fingerprint: str) -> list[str]:
        """Blob digests an existing, intact record already lists (to keep them on rewrite)."""
        path = self._path(diff_id, fingerprint)
        if path is None:
            return []
        try:
            with open(path, "rb") as f:
                blob = f.read(MAX_RECORD_BYTES + 1)
            rest = blob[len(MAGIC) :] if blob.startswith(MAGIC) else b""
            _, _, payload = rest.partition(b"\n")
        except OSError:
            return []
        return listed_blobs(payload)

    def _packed(self, record: LayerRecord) -> tuple[bytes, bytes] | None:
        """The record (its blobs merged with those an earlier record of the same layer
        listed) encoded and compressed; None when it is too large to keep."""
        record.blobs = sorted(
            set(record.blobs) | set(self.peek_blobs(record.diff_id, record.fingerprint))
        )
        raw = encode(record)
        if len(raw) > MAX_RECORD_BYTES:
            return None
        return raw, zstandard.ZstdCompressor(level=3).compress(raw)

    def store(self, record: LayerRecord) -> None:
        """Write ``record`` atomically; a cache that cannot be written is only a warning."""
        path = self._path(record.diff_id, record.fingerprint)
        packed = None if path is None else self._packed(record)
        if path is None or packed is None:
            return
        raw, payload = packed
        blob = MAGIC + hashlib.sha256(raw).hexdigest().encode() + b"\n" + payload
        tmp_dir = self.root / "tmp"
        try:
            for d in (self.root, path.parent, tmp_dir):
                d.mkdir(mode=0o700, parents=True, exist_ok=True)
                if self._trusted(d) is not None or not stat.S_ISDIR(d.lstat().st_mode):
                    self.warnings.append(f"layer cache {d} is not trusted; nothing stored")
                    return
            fd, tmp = tempfile.mkstemp(prefix="rec-", dir=tmp_dir)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(blob)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as err:
            self.warnings.append(f"cannot store a layer cache record: {err.strerror}")
            return
        self.stored += 1
        self.evict()

    def _records(self) -> list[tuple[float, int, Path]]:
        out: list[tuple[float, int, Path]] = []
        d = self.root / "sha256"
        try:
            names = list(d.iterdir()) if stat.S_ISDIR(d.lstat().st_mode) else []
        except OSError:
            return out
        for f in names:
            hexpart, dash, fp = f.name.partition("-")
            if not dash or len(hexpart) != 64 or not set(hexpart + fp) <= _NAME_CHARS:
                continue
            if (entry := lru_entry(f)) is not None:
                out.append(entry)
        return out

    def where(self) -> str:
        """Where the records are, fit to print (no credentials)."""
        return str(self.root)

    def usage(self) -> tuple[int, int]:
        records = self._records()
        return len(records), sum(r[1] for r in records)

    def evict(self, max_bytes: int | None = None) -> tuple[int, int]:
        """Remove least recently used records until at most ``max_bytes`` remain."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        return evict_lru(self._records(), cap)


LAYER_STORES: dict[str, str] = {
    "redis": "hullcheck.sources.layerstore_redis:RedisLayerCache",
    "postgresql": "hullcheck.sources.layerstore_postgres:PostgresLayerCache",
}
"""URL scheme -> ``module:class`` of a shared record store (one line per backend)."""


def open_layer_cache(url: str | None, cache_dir: Path | None) -> LayerCache | None:
    """The layer cache ``--layer-cache URL`` names: a directory (default
    ``<cache>/layers``) or a shared store: ``redis://host:port/db``,
    ``postgresql://user@host/db``."""
    if url is None:
        return None if cache_dir is None else LayerCache(cache_dir)
    scheme, sep, _ = url.partition("://")
    if not sep:
        return DirLayerCache(Path(url))
    target = LAYER_STORES.get(scheme.lower())
    if target is None:
        raise InputError(
            f"--layer-cache: unknown store {scheme!r} (a directory, redis:// or postgresql://)"
        )
    module, _, cls = target.partition(":")
    store: LayerCache = getattr(importlib.import_module(module), cls)(url, cache_dir or Path("."))
    return store


class DirLayerCache(LayerCache):
    """Records directly in a directory the operator named (``--layer-cache DIR``)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(root, max_bytes)
        self.root = root
