"""Inflate a local layer in a forked process, so inflating never waits for the GIL.

``prefetch`` inflates in a second thread: ISA-L and zstandard release the GIL while
they work, but the thread needs it back between calls (to read, hash, queue), and while
the walk runs Python it gets it only when the walk blocks or its switch interval ends.
Measured on debian-minbase, the inflating thread spent 0.27 s of its 0.6 s waiting
for the GIL, the walk 0.23 s waiting for bytes: the two took turns instead of running
side by side.  A forked process has a GIL of its own.  It reads, hashes and inflates the
blob and sends the bytes down a pipe in frames of at most ``CHUNK``; the walk reads them
with a plain ``read``, which waits without the GIL.

The walk sees what it saw from the thread: the same bytes, the counters the per-file
bomb check reads (``out_count``, ``consumed()``) as of the frames it has been handed,
and the same errors, raised when it reaches them (an error frame carries the error's
kind from a fixed list and its message, never a pickle).  ``finish`` waits for the
process's last frame: the blob's size and digest checked there, its stored digest and
length.  Only local sources are forked (:mod:`hullcheck.sources.layerhelper`); a fork
that fails leaves the thread to do it.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable

from hullcheck.errors import HullcheckError, ImageError
from hullcheck.sources.layerhelper import ForkedWorker, Send
from hullcheck.sources.layerstream import OUT_SIZE, InflationError, LayerReader
from hullcheck.sources.limits import Deadline, ReadTimeout
from hullcheck.sources.prefetch import ChunkReader

CHUNK = 512 << 10
"""Bytes per frame: one fits the pipe (1 MiB), so the walk mostly reads it whole."""
WAITING = 32
"""Frames ready in the fork (heads and bodies: 8 MiB) for the walk's faster stretches
(a run of large files it only skips) while it is busy with many small ones."""
_HEAD = struct.Struct("<BQQ")
"""A head frame: the kind of what follows, then the reader's ``out_count`` and
``consumed()``; a body frame follows each head (the bytes, or how the layer ended), so
the bytes are never copied out of a larger frame."""
_DATA, _END, _ERROR = 0, 1, 2
_ERRORS: dict[str, type[HullcheckError]] = {
    "InflationError": InflationError,
    "ReadTimeout": ReadTimeout,
    "ImageError": ImageError,
}
"""The errors a read may raise, by name; anything else comes back as an ImageError."""


class ForkedInflater(ChunkReader):
    """``LayerReader.read`` run ahead in a forked process (see the module docstring).

    ``reader`` is built, not yet read, in this process; the fork reads it from then on,
    so it must not be touched here.  ``on_read`` sees the stored bytes used, as frames
    arrive (progress).  Always ``close()`` it.
    """

    def __init__(
        self,
        reader: LayerReader,
        deadline: Deadline,
        tap: Callable[[bytes], object] | None = None,
        on_read: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.compression = reader.compression
        self.out_count = 0
        self._consumed = 0
        self._deadline = deadline
        self._tap = tap
        self._on_read = on_read
        self._stored: tuple[str, int] | None = None
        self._helper = ForkedWorker(lambda send: _inflate(reader, send), WAITING)

    def _next_chunk(self) -> bytes:
        """The next frame's bytes (b"" at the end); an error frame is raised."""
        head = self._helper.receive(self._deadline)
        body = self._helper.receive(self._deadline) if head is not None else None
        if head is None or body is None or len(head) != _HEAD.size:
            self._ended = True
            self._deadline.check()  # a helper killed at the deadline is the deadline's
            raise ImageError("the process inflating this layer stopped without a word")
        kind, out_count, consumed = _HEAD.unpack(head)
        if self._on_read is not None and consumed > self._consumed:
            self._on_read(consumed - self._consumed)
        if kind == _DATA:
            self.out_count, self._consumed = out_count, consumed
            if self._tap is not None:
                self._tap(body)
            return body
        self._ended = True
        try:
            said = json.loads(body)
            if kind == _END:
                self._stored = (str(said["digest"]), int(said["count"]))
                self._consumed = consumed
                return b""
            error = _ERRORS.get(str(said["kind"]), ImageError)(str(said["message"]))
        except (ValueError, KeyError, TypeError) as err:
            # only a broken fork says this: what it read is not vouched for
            raise ImageError("the process inflating this layer sent a garbled end") from err
        raise error

    def consumed(self) -> int:
        """Stored bytes the decompressor had used when it produced the frames handed out."""
        return self._consumed

    @property
    def compressed_count(self) -> int:
        return self._stored[1] if self._stored is not None else self._consumed

    def stored_digest(self) -> str:
        if self._stored is None:
            raise ImageError("the layer was not read to its end")
        return self._stored[0]

    def finish(self) -> None:
        """Read to the end: the process checked the blob's size and digest there."""
        while self.read(OUT_SIZE):
            pass
        if self._stored is None:
            raise ImageError("the layer was not read to its end")

    def close(self) -> None:
        self._helper.close()


def _inflate(reader: LayerReader, send: Send) -> None:
    """In the fork: the whole layer, frame by frame, then how it ended."""

    def frame(kind: int, consumed: int, body: bytes) -> None:
        send(_HEAD.pack(kind, reader.out_count, consumed))
        send(body)

    try:
        while data := reader.read(CHUNK):
            frame(_DATA, reader.consumed(), data)
        reader.finish()
        end = {"digest": reader.stored_digest(), "count": reader.compressed_count}
        frame(_END, reader.compressed_count, json.dumps(end).encode())
    except HullcheckError as err:
        kind = type(err).__name__ if type(err).__name__ in _ERRORS else "ImageError"
        frame(_ERROR, reader.consumed(), _error(kind, err.message))
    except OSError as err:
        frame(_ERROR, reader.consumed(), _error("ImageError", f"cannot read layer: {err}"))
    finally:
        reader.close()


def _error(kind: str, message: str) -> bytes:
    return json.dumps({"kind": kind, "message": message}).encode()


__all__ = ["ForkedInflater"]
