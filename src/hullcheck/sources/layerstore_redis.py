"""Layer records in Redis, shared by every fleet worker that points at the same server
(``--layer-cache redis://host:port/db[?ttl=SECONDS]``).

The framing, the HMAC and the failure rules are ``layerstore_shared``'s.  Each record is
one key under ``hullcheck:layer:`` set with an expiry; total size is bounded by the
server's ``maxmemory`` (docs/fleet.md).  The database may be a Celery broker's too:
listing and cleaning touch only the prefix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from hullcheck.errors import InputError
from hullcheck.sources.layerstore_shared import (
    DEFAULT_TTL,
    KEY_ENV,
    PREFIX,
    SharedLayerCache,
)

if TYPE_CHECKING:
    import redis

__all__ = ["KEY_ENV", "PREFIX", "TIMEOUT", "RedisLayerCache"]

TIMEOUT = 3.0
"""Seconds to connect and per command: a stuck server costs a scan at most this once."""


class RedisLayerCache(SharedLayerCache):
    """Layer records as Redis keys."""

    scheme = "redis"

    def __init__(self, url: str, cache_dir: Path, ttl: int = DEFAULT_TTL) -> None:
        super().__init__(url, cache_dir, ttl)
        try:
            import redis as redis_mod  # noqa: PLC0415  # the fleet extra
        except ImportError as err:
            raise InputError("a redis layer cache needs hullcheck[fleet] installed") from err
        self.errors = (redis_mod.RedisError,)
        try:
            self._client: redis.Redis = redis_mod.Redis.from_url(
                self.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
            )
        except ValueError as err:
            raise InputError(f"--layer-cache: not a redis URL: {err}") from err

    def _fetch(self, name: str) -> bytes | None:
        value = self._client.getrange(name, 0, self.max_value)  # no key: b""
        return value if isinstance(value, bytes) and value else None

    def _put(self, name: str, value: bytes) -> None:
        self._client.set(name, value, ex=self.ttl)

    def _exists(self, name: str) -> bool:
        return bool(self._client.exists(name))

    def _sizes(self) -> Iterator[int]:
        for name in self._client.scan_iter(match=PREFIX + "*", count=500):
            yield int(self._client.strlen(name))

    def _remove_all(self) -> tuple[int, int]:
        count = size = 0
        for name in self._client.scan_iter(match=PREFIX + "*", count=500):
            length = int(self._client.strlen(name))
            if self._client.delete(name):
                count += 1
                size += length
        return count, size
