"""A registry blob as a verified, resumable, bounded byte stream.

Reading pulls chunks straight from the HTTP response (nothing is spooled to disk).
When the connection drops or times out mid-blob, the download goes on from the same
offset with ``Range: bytes=N-`` (a server that ignores Range and answers 200 is
skipped forward).  The stream stops at the descriptor's size, whatever the server
keeps sending, and at the end the bytes must hash to the digest asked for.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

import httpx

from hullcheck.errors import RegistryError
from hullcheck.sources.digest import new_hasher
from hullcheck.sources.httpdeadline import BodyClock, DeadlineExceeded, body_deadline
from hullcheck.sources.registry.transport import describe_exception

if TYPE_CHECKING:
    from hullcheck.sources.registry.client import RegistryClient

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_BUFFER = 1024 * 1024


class BlobReader(io.RawIOBase):
    """Raw reader over one blob; wrap with ``buffered()`` to get a ``BinaryIO``."""

    def __init__(self, client: RegistryClient, digest: str, size: int | None) -> None:
        super().__init__()
        self._client = client
        self._digest = digest
        self._size = size
        self._want_hex = digest.partition(":")[2]
        self._hash = new_hasher(digest)
        self._pos = 0
        self._resumes = 0
        self._pending = b""
        self._finished = False
        self._what = f"blob {digest[:19]} of {client.ref.name}"
        self._resp: httpx.Response | None = None
        self._chunks: Iterator[bytes] | None = None
        # one overall deadline for the whole blob, resumes included
        self._clock = BodyClock(body_deadline(size, client.options.timeout))
        self._open(0)

    def buffered(self) -> BinaryIO:
        return io.BufferedReader(self, buffer_size=_BUFFER)

    def readable(self) -> bool:
        return True

    def _open(self, offset: int) -> None:
        resp = self._client.blob_response(self._digest, offset)
        skip = 0
        if offset and resp.status_code == 206:
            match = _CONTENT_RANGE.match(resp.headers.get("content-range", ""))
            if not match or int(match.group(1)) != offset:
                resp.close()
                raise RegistryError(f"{self._what}: the registry resumed at the wrong offset")
        elif offset:
            skip = offset  # the server ignored Range: read past what was already hashed
        self._resp = resp
        self._chunks = self._skipping(resp.iter_raw(), skip)

    @staticmethod
    def _skipping(chunks: Iterator[bytes], skip: int) -> Iterator[bytes]:
        for chunk in chunks:
            if skip >= len(chunk):
                skip -= len(chunk)
                continue
            yield chunk[skip:] if skip else chunk
            skip = 0

    def _next_chunk(self) -> bytes:
        """The next bytes of the blob, resuming across dropped connections; b"" at the end."""
        while True:
            assert self._chunks is not None
            try:
                chunk = next(self._chunks, b"")
            except httpx.TransportError as exc:
                reason = describe_exception(exc)
            else:
                if chunk or self._size is None or self._pos >= self._size:
                    return chunk
                reason = f"the connection ended after {self._pos} of {self._size} bytes"
            self._drop()
            if self._resumes >= self._client.options.retries:
                raise RegistryError(
                    f"{self._what}: {reason} (gave up after {self._resumes} resumes)"
                )
            self._resumes += 1
            self._open(self._pos)

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._finished:
            return 0
        if not self._pending:
            chunk = self._next_chunk()
            if self._size is not None:
                chunk = chunk[: self._size - self._pos]
            if not chunk:
                self._finish()
                return 0
            self._hash.update(chunk)
            self._pos += len(chunk)
            try:
                self._clock.check(self._pos)
            except DeadlineExceeded as exc:
                self._drop()
                raise RegistryError(f"{self._what} from {self._client.host}: {exc}") from None
            self._pending = chunk
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        if not self._pending and self._size is not None and self._pos >= self._size:
            # At the descriptor size: stop here even if the server would send more.
            self._finish()
        return n

    def _finish(self) -> None:
        self._finished = True
        self._drop()
        if self._size is not None and self._pos != self._size:
            raise RegistryError(f"{self._what}: got {self._pos} bytes, expected {self._size}")
        if self._hash.hexdigest() != self._want_hex:
            raise RegistryError(
                f"{self._what}: content does not match its digest "
                f"(got {self._hash.name}:{self._hash.hexdigest()[:12]}...)"
            )

    def _drop(self) -> None:
        if self._resp is not None:
            self._resp.close()
            self._resp = None

    def close(self) -> None:
        self._drop()
        super().close()
