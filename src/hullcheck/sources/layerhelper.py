"""Later layers recorded by a forked helper while the walk reads the first one.

A layer's record (:mod:`hullcheck.sources.layercache`) holds every call a pass over it
makes, and replaying it costs a small part of reading it.  On a machine with a second
core, a walk over several layers of a local image forks a helper before it opens the
first: the helper reads layers 1..n-1 in order and sends each one's record; the walk
reads layer 0 itself (most often the largest, the base), then replays the helper's
records in order.  An image then costs about its largest layer instead of the sum.

What is found does not change: a record is what the layer cache stores, and a replay is
what a warm cache does; both are tested to give the same report as a live pass.  A layer
the helper cannot record (a read error, an oddity, more content than a record keeps) is
sent as "none" and read by the walk itself, which reports what went wrong as usual; a
helper that dies costs time, never a finding.

Only local sources are forked (an OCI layout or an archive: each blob read opens its own
file); a registry's connection pool cannot be shared by two processes.  Records wait in
the helper (at most ``MAX_WAITING``) until the walk takes them, so memory stays bounded
by a few records, not the image.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import queue
import select
import signal
import struct
import threading
from collections.abc import Callable

from hullcheck.sources.limits import Deadline

MAX_WAITING = 1
"""Records the helper keeps ready (besides the one being written) before it waits for
the walk to take one."""
PIPE_BYTES = 1 << 20
MAX_FRAME = 128 << 20
"""A record's encoded size is bounded (``layercache.MAX_RECORD_BYTES``): more is a
broken helper, read as gone."""
_LENGTH = struct.Struct("<Q")
_NONE = (1 << 64) - 1
"""The length that says "no record for this layer"."""
_WAIT = 0.5  # seconds between looks at the deadline while waiting for the helper

Send = Callable[[bytes | None], None]


class ForkedWorker:
    """A forked process running ``work(send)``; the walk takes what it sent, in order."""

    def __init__(self, work: Callable[[Send], None], waiting: int) -> None:
        """Fork now.  At most ``waiting`` frames wait in the fork besides the one being
        written; then ``send`` waits for the walk to take one."""
        rfd, wfd = os.pipe()
        with contextlib.suppress(OSError):  # an older kernel: the default size works
            fcntl.fcntl(wfd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        gc.freeze()  # the collector of either process then copies no page it only reads
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            for fd in (rfd, wfd):
                os.close(fd)
            raise
        if pid == 0:  # the helper
            status = 1
            try:
                os.close(rfd)
                _serve(wfd, work, waiting)
                status = 0
            finally:
                os._exit(status)  # never the parent's exit handlers or buffered output
        os.close(wfd)
        os.set_blocking(rfd, False)
        self.pid = pid
        self._in = rfd
        self._buffer = memoryview(bytearray(PIPE_BYTES))
        self._gone = False
        self._closed = False

    def receive(self, deadline: Deadline) -> bytes | None:
        """The next thing sent: a record's bytes, or None (none for this layer, or the
        helper is gone: the walk then reads the layer itself)."""
        if self._gone:
            return None
        try:
            head = self._read_exact(_LENGTH.size, deadline)
            (length,) = _LENGTH.unpack(head)
            if length == _NONE:
                return None
            if length > MAX_FRAME:
                raise EOFError
            return self._read_exact(length, deadline)
        except (EOFError, OSError):
            self._gone = True
            return None

    def close(self) -> None:
        """End the helper now and reap it: it keeps nothing worth a graceful exit, and a
        walk that stops early (an error, the deadline) must not wait for its layer."""
        if self._closed:
            return
        self._closed = True
        gc.unfreeze()
        with contextlib.suppress(OSError):
            os.close(self._in)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)

    def _read_exact(self, n: int, deadline: Deadline) -> bytes:
        if n <= PIPE_BYTES:
            # into one reused buffer, then copied out once: a fresh buffer per read costs
            # its page faults (receiving 162 MiB took 0.06 s of processor time, now 0.03)
            view = self._buffer[:n]
            got = 0
            while got < n:
                got += self._read_some(view[got:], deadline)
            return bytes(view)
        parts: list[bytes] = []
        while n:
            part = bytearray(min(n, PIPE_BYTES))
            got = self._read_some(memoryview(part), deadline)
            parts.append(bytes(part[:got]))
            n -= got
        return b"".join(parts)

    def _read_some(self, into: memoryview, deadline: Deadline) -> int:
        """Bytes read into ``into`` (at least one), waiting no later than ``deadline``."""
        while True:
            try:
                got = os.readv(self._in, [into])
            except BlockingIOError:
                deadline.check()
                select.select([self._in], [], [], _WAIT)
                continue
            if not got:
                raise EOFError
            return got


class LayerHelper(ForkedWorker):
    """The helper that records later layers (see the module docstring)."""

    def __init__(self, work: Callable[[Send], None]) -> None:
        """Fork now, before the walk starts reading the first layer."""
        super().__init__(work, MAX_WAITING)


def _serve(wfd: int, work: Callable[[Send], None], waiting: int) -> None:
    """The helper: ``work`` runs here; a thread writes what it sends, so the work goes
    on while the walk is busy with its own layer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the walk's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    frames: queue.Queue[bytes | None] = queue.Queue(waiting)
    broken = threading.Event()

    def write() -> None:
        with os.fdopen(wfd, "wb") as out:
            while (frame := frames.get()) is not None:
                try:
                    out.write(frame)
                    out.flush()
                except OSError:  # the walk is gone: drop the rest, so no put() waits
                    broken.set()
                    while frames.get() is not None:
                        pass
                    return

    writer = threading.Thread(target=write, name="hullcheck-helper-send", daemon=True)
    writer.start()

    def send(record: bytes | None) -> None:
        if broken.is_set():
            raise BrokenPipeError
        if record is None:
            frames.put(_LENGTH.pack(_NONE))
        else:
            frames.put(_LENGTH.pack(len(record)) + record)

    try:
        work(send)
    except BrokenPipeError:
        return
    finally:
        frames.put(None)
        writer.join()


__all__ = ["ForkedWorker", "LayerHelper"]
