"""Who may do what, and how much: bearer tokens, body size limits and rate limits.

Every API route but the health probes and the OpenAPI page needs a token; the dashboard
takes the same token from an HttpOnly, SameSite=Strict cookie set by its login form, and
its forms carry a CSRF token bound to that cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy.orm import sessionmaker

from hullcheck.server import tokens

COOKIE = "hullcheck_token"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Caller:
    token_id: int
    name: str
    scope: str
    token_hash: str


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


class Authenticator:
    """Turns a request's token into a ``Caller``, or refuses it (401/403)."""

    def __init__(self, sessions: sessionmaker[Any]) -> None:
        self._sessions = sessions

    def caller(self, token: str | None) -> Caller | None:
        if not token or len(token) > 200:
            return None
        with self._sessions() as session:
            row = tokens.lookup(session, token)
            if row is None:
                return None
            return Caller(row.id, row.name, row.scope, row.token_hash)

    def require(self, request: Request, scope: str, *, cookie: bool = False) -> Caller:
        token = bearer(request)
        if token is None and cookie:
            token = request.cookies.get(COOKIE)
        if token is None:
            raise HTTPException(401, "a token is needed", {"WWW-Authenticate": "Bearer"})
        who = self.caller(token)
        if who is None:
            raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
        if not tokens.allows(who.scope, scope):
            raise HTTPException(403, f"this token's scope is {who.scope}; {scope} is needed")
        return who


def csrf_token(secret: bytes, caller: Caller) -> str:
    return hmac.new(secret, caller.token_hash.encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: bytes, caller: Caller, sent: str | None) -> None:
    if not sent or not hmac.compare_digest(csrf_token(secret, caller), sent):
        raise HTTPException(403, "the form's CSRF token is missing or wrong")


class RateLimiter:
    """A token bucket per key (a token's hash, else the client address)."""

    def __init__(self, per_minute: int) -> None:
        self._rate = per_minute / 60.0
        self._burst = float(max(1, per_minute))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0 when allowed, else the seconds to wait."""
        moment = time.monotonic()
        with self._lock:
            level, last = self._buckets.get(key, (self._burst, moment))
            level = min(self._burst, level + (moment - last) * self._rate)
            if level >= 1:
                self._buckets[key] = (level - 1, moment)
                return 0.0
            self._buckets[key] = (level, moment)
            return (1 - level) / self._rate if self._rate else 60.0


class BodyLimit:
    """ASGI middleware: refuse bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _refuse(send, 413, b'{"detail":"the request body is too large"}')
            return
        if declared is not None or scope.get("method") in ("GET", "HEAD"):
            # the server holds a client to its declared length, so it cannot send more
            await self.app(scope, receive, send)
            return
        # a streamed body of unknown length: read it within the limit, then replay it
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _refuse(send, 413, b'{"detail":"the request body is too large"}')
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
