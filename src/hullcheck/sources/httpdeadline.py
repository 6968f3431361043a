"""Overall deadlines for HTTP exchanges, which httpx's per-read timeouts cannot give.

httpx bounds each socket read, so a server that trickles its response headers or body
a byte at a time (each byte well inside the read timeout) would keep a run waiting
forever.  Two bounds close that, shared by registries and engine sockets:

* ``send_within``: the response headers must be complete within ``limit`` seconds.  The
  request runs on a daemon thread; past the limit the caller gets ``DeadlineExceeded``
  at once, and the abandoned thread ends with its connection (read timeout, the server
  closing, or process exit).
* ``body_deadline``: a body of ``size`` bytes may take ``grace + size / min_rate``
  seconds; ``BodyClock.check`` is called per chunk received.
"""

from __future__ import annotations

import threading
import time

import httpx

MIN_RATE = 64 * 1024
"""Bytes per second below which a body counts as stalled (~0.5 Mbit/s)."""


class DeadlineExceeded(Exception):
    """The exchange ran past its overall deadline (the caller names host and stage)."""


def send_within(client: httpx.Client, request: httpx.Request, limit: float) -> httpx.Response:
    """``client.send(request, stream=True)``, but give up once ``limit`` seconds pass
    without complete response headers."""
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["resp"] = client.send(request, stream=True)
        except BaseException as exc:  # handed to the caller's thread
            box["exc"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="hullcheck-http", daemon=True).start()
    if not done.wait(limit):
        # the response may still arrive after we gave up: close it then, not leak it
        threading.Thread(target=_close_late, args=(done, box), daemon=True).start()
        raise DeadlineExceeded(f"no complete response headers within {limit:g}s")
    exc = box.get("exc")
    if isinstance(exc, BaseException):
        raise exc
    resp = box["resp"]
    assert isinstance(resp, httpx.Response)
    return resp


def _close_late(done: threading.Event, box: dict[str, object]) -> None:
    done.wait()
    resp = box.get("resp")
    if isinstance(resp, httpx.Response):
        resp.close()


def header_deadline(timeout: float) -> float:
    """Seconds the whole response header block may take: twice the per-read timeout, so
    a silent server is reported as a read timeout (and retried) and only a trickle hits
    this bound."""
    return 2 * timeout


def body_deadline(size: int | None, grace: float, min_rate: int = MIN_RATE) -> float:
    """Seconds a body of ``size`` bytes may take: ``grace`` plus ``size / min_rate``
    (unknown size: ``grace`` times 4)."""
    if size is None:
        return grace * 4
    return grace + size / min_rate


class BodyClock:
    """A started clock for one body; ``check`` raises once its deadline has passed."""

    __slots__ = ("_end", "limit")

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._end = time.monotonic() + limit

    def check(self, received: int) -> None:
        if time.monotonic() > self._end:
            raise DeadlineExceeded(
                f"body stalled: only {received} bytes within its {self.limit:.0f}s deadline"
            )
