"""Layer records in a store every fleet worker shares (Redis, PostgreSQL): what each
backend writes and how each may fail.

A record replaces reading a layer, so whoever can write to the shared store could
otherwise make every worker see a layer that is not there.  Each value is therefore
``MAGIC + hex(HMAC-SHA256(key, name + NUL + payload)) + "\\n" + payload`` where payload
is the zstd-compressed record body and the HMAC key is the operator's
(``HULLCHECK_LAYER_CACHE_KEY``).  The HMAC is checked before anything is inflated; a value
that fails it is ignored with a warning and the layer is read from its blob.  Records
expire after a TTL (``?ttl=SECONDS`` on the store's URL).

A store that is down or answers errors never fails a scan: the first failure turns the
store off for the rest of the scan with one warning, and every layer is read.  A backend
is a subclass that says how to get, put, test, list and remove one named value.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import zstandard

from hullcheck.errors import InputError
from hullcheck.sources.layercache import (
    MAGIC,
    MAX_RECORD_BYTES,
    LayerCache,
    LayerRecord,
    decode,
    listed_blobs,
)

if TYPE_CHECKING:
    from hullcheck.sources.walker import Subscription

KEY_ENV = "HULLCHECK_LAYER_CACHE_KEY"
DEFAULT_TTL = 30 * 24 * 3600
PREFIX = "hullcheck:layer:"


class SharedLayerCache(LayerCache):
    """LayerCache's API over a shared store of named values (see the module docstring)."""

    scheme: ClassVar[str]
    errors: tuple[type[Exception], ...] = ()
    """The backend's own failures: each turns the store off, never fails the scan."""

    def __init__(self, url: str, cache_dir: Path, ttl: int = DEFAULT_TTL) -> None:
        super().__init__(cache_dir)
        key = os.environ.get(KEY_ENV, "")
        if not key:
            raise InputError(f"a {self.scheme} layer cache needs {KEY_ENV} (the records' HMAC key)")
        try:
            parts = urlsplit(url)
        except ValueError:  # an unclosed "[" of an IPv6 host; the URL may hold a password
            raise InputError(f"--layer-cache: not a {self.scheme} URL") from None
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "ttl"]
        ttls = [v for k, v in parse_qsl(parts.query) if k == "ttl"]
        if ttls:
            if not ttls[-1].isdigit() or int(ttls[-1]) < 1:
                raise InputError("--layer-cache: ttl must be a positive number of seconds")
            ttl = int(ttls[-1])
        self._key = key.encode()
        self.ttl = ttl
        self.max_value = MAX_RECORD_BYTES
        """A larger value is refused unread: backends fetch at most one byte more."""
        self.down = False
        self.url = urlunsplit(parts._replace(query=urlencode(query)))

    # -- what a backend provides (each may raise one of ``errors``) ---------------------
    def _fetch(self, name: str) -> bytes | None:
        """The value under ``name``, cut after ``max_value + 1`` bytes (whoever can write
        to the store must not make a worker take in a gigabyte before refusing it)."""
        raise NotImplementedError

    def _put(self, name: str, value: bytes) -> None:
        """Store ``value`` under ``name``, expiring after ``self.ttl`` seconds."""
        raise NotImplementedError

    def _exists(self, name: str) -> bool:
        raise NotImplementedError

    def _sizes(self) -> Iterator[int]:
        """The size of every record the store holds (and only of records)."""
        raise NotImplementedError

    def _remove_all(self) -> tuple[int, int]:
        """Remove every record, and nothing else the store holds: (count, bytes)."""
        raise NotImplementedError

    # -- the shared rules --------------------------------------------------------------
    def _name(self, diff_id: str, fingerprint: str) -> str | None:
        return (
            None if self._path(diff_id, fingerprint) is None else f"{PREFIX}{diff_id}:{fingerprint}"
        )

    def _mac(self, name: str, payload: bytes) -> bytes:
        digest = hmac.new(self._key, name.encode() + b"\0" + payload, hashlib.sha256)
        return digest.hexdigest().encode()

    def _failed(self, err: Exception) -> None:
        if not self.down:
            self.warnings.append(
                f"layer cache {self.where()} unreachable ({type(err).__name__}); "
                "layers read from their blobs"
            )
        self.down = True

    def has(self, diff_id: str, fingerprint: str) -> bool:
        name = self._name(diff_id, fingerprint)
        if name is None or self.down:
            return False
        try:
            return self._exists(name)
        except self.errors as err:
            self._failed(err)
            return False

    def _get(self, name: str) -> bytes | None:
        if self.down:
            return None
        try:
            return self._fetch(name)
        except self.errors as err:
            self._failed(err)
            return None

    def _payload(self, name: str, value: bytes) -> bytes:
        """The compressed body of a value whose HMAC verifies; raises ValueError if not."""
        if len(value) > self.max_value:
            raise ValueError(f"over {self.max_value} bytes")
        if not value.startswith(MAGIC):
            raise ValueError("bad header")
        mac, sep, payload = value[len(MAGIC) :].partition(b"\n")
        if not sep or not hmac.compare_digest(mac, self._mac(name, payload)):
            raise ValueError("HMAC does not verify")
        return payload

    def load(
        self, diff_id: str, fingerprint: str, subs: Sequence[Subscription]
    ) -> LayerRecord | None:
        name = self._name(diff_id, fingerprint)
        if name is None:
            return None
        value = self._get(name)
        if value is None:
            return None
        where = f"layer cache record {fingerprint[:12]} ({diff_id[:19]}) in {self.scheme}"
        try:
            payload = self._payload(name, value)
        except ValueError as err:
            self.warnings.append(f"{where} ignored: {err}; layer read again")
            return None
        try:
            raw = zstandard.ZstdDecompressor().decompress(payload, max_output_size=MAX_RECORD_BYTES)
            record = decode(raw, subs)
        except (ValueError, KeyError, TypeError, IndexError, zstandard.ZstdError) as err:
            self.warnings.append(f"{where} is damaged and was ignored ({err}); layer read again")
            return None
        if record.diff_id != diff_id or record.fingerprint != fingerprint:
            self.warnings.append(f"{where} ignored: it describes another layer or pass")
            return None
        return record

    def peek_blobs(self, diff_id: str, fingerprint: str) -> list[str]:
        name = self._name(diff_id, fingerprint)
        value = None if name is None else self._get(name)
        if name is None or value is None:
            return []
        try:
            payload = self._payload(name, value)
        except ValueError:
            return []
        return listed_blobs(payload)

    def store(self, record: LayerRecord) -> None:
        name = self._name(record.diff_id, record.fingerprint)
        if name is None or self.down:
            return
        packed = self._packed(record)
        if packed is None:
            return
        _, payload = packed
        value = MAGIC + self._mac(name, payload) + b"\n" + payload
        if len(value) > self.max_value:
            return
        if self.down:  # the look for earlier blobs found the store gone
            return
        try:
            self._put(name, value)
        except self.errors as err:
            self._failed(err)
            return
        self.stored += 1

    def usage(self) -> tuple[int, int]:
        """Records and bytes this store holds (0, 0 when the server is unreachable)."""
        count = size = 0
        try:
            for length in self._sizes():
                count += 1
                size += length
        except self.errors as err:
            self._failed(err)
        return count, size

    def where(self) -> str:
        """The store's address without credentials or options (they may hold a password)."""
        rest = self.url.split("://")[-1].split("?")[0]
        return f"{self.scheme}://" + rest.split("@")[-1]

    def evict(self, max_bytes: int | None = None) -> tuple[int, int]:
        """``evict(0)`` (``hullcheck cache clean``) removes every record, and only records
        (the store may be shared with a Celery broker or the server's tables); otherwise
        nothing: records expire after the TTL."""
        if max_bytes != 0:
            return 0, 0
        try:
            return self._remove_all()
        except self.errors as err:
            self._failed(err)
            return 0, 0
