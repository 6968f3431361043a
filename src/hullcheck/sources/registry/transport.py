"""One HTTP exchange with a registry, made robust: retries, redirects, TLS policy.

Every request goes through ``Transport.send``: transient failures (429, 5xx, dropped or
refused connections, timeouts) are retried with exponential backoff or the server's
``Retry-After`` (capped); redirects are followed by hand so that ``Authorization`` is
dropped when the target is another host (blob stores behind pre-signed URLs) and so that
HTTPS is never downgraded to HTTP except for loopback or ``--insecure``.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from hullcheck.errors import RegistryError
from hullcheck.sources.httpdeadline import DeadlineExceeded, header_deadline, send_within
from hullcheck.sources.netpolicy import internal_address, public_only_allowed
from hullcheck.sources.registry.options import RegistryOptions

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


def split_host_port(host: str) -> tuple[str, int | None]:
    """``[::1]:5000`` -> (``::1``, 5000); ``example.com`` -> (``example.com``, None)."""
    if host.startswith("["):
        inner, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return inner, int(port) if port.isdigit() else None
    name, sep, port = host.rpartition(":")
    if sep and port.isdigit() and ":" not in name:
        return name, int(port)
    return host, None


def is_loopback(host: str) -> bool:
    """Whether ``host[:port]`` names this machine (where plain HTTP cannot be sniffed)."""
    name = split_host_port(host)[0].lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def describe_exception(exc: BaseException) -> str:
    """A short human reason for a transport failure (never the request's headers)."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "no answer within the read timeout"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc) or "connection failed"
        return f"cannot connect ({text[:160]})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"connection dropped ({str(exc)[:160] or 'protocol error'})"
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def registry_error_detail(resp: httpx.Response, body: bytes) -> str:
    """The ``errors[0]`` code/message of a distribution error body, cut short."""
    try:
        doc = json.loads(body[:65536])
        err = doc["errors"][0]
        code = str(err.get("code", ""))[:60]
        msg = str(err.get("message", ""))[:160]
        text = f"{code}: {msg}" if code else msg
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        text = ""
    text = "".join(c if c.isprintable() else "?" for c in text)
    return f"{resp.status_code} {resp.reason_phrase}" + (f" ({text})" if text else "")


class Transport:
    """Retrying, redirect-aware HTTP for one registry client."""

    def __init__(
        self,
        options: RegistryOptions,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        peer: str = "registry",
    ) -> None:
        self.options = options
        self.peer = peer  # how errors name the other side ("registry", "mirror")
        self._sleep = sleep
        self.http = client or httpx.Client(
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            verify=not options.insecure,
            headers={"User-Agent": options.user_agent},
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )

    def close(self) -> None:
        self.http.close()

    def http_allowed(self, host: str) -> bool:
        return self.options.insecure or is_loopback(host)

    def backoff(self, attempt: int, resp: httpx.Response | None = None) -> float:
        wait = self.options.backoff * (2**attempt)
        if resp is not None:
            asked = _retry_after(resp)
            if asked is not None:
                wait = asked
        return float(max(0.0, min(wait, self.options.max_retry_wait)))

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth_header: Callable[[str], str | None] | None = None,
        what: str,
        retries: int | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """Send and return the final streamed response (caller closes it).

        ``auth_header(url)`` gives the ``Authorization`` value for the origin of ``url``;
        it is asked again for every hop, so a redirect elsewhere carries none.
        Retryable statuses that persist raise ``RegistryError``; others are returned.
        """
        tries = self.options.retries if retries is None else retries
        attempt = 0
        while True:
            try:
                resp = self._send_following(method, url, headers, auth_header, what, data)
            except httpx.TransportError as exc:
                # A refused connection or unknown host rarely heals within seconds: one retry.
                limit = min(tries, 1) if isinstance(exc, httpx.ConnectError) else tries
                if attempt >= limit:
                    plural = "s" if attempt else ""
                    raise RegistryError(
                        f"{what}: {describe_exception(exc)} (after {attempt + 1} attempt{plural})"
                    ) from None
                self._sleep(self.backoff(attempt))
                attempt += 1
                continue
            if resp.status_code in RETRY_STATUSES:
                if attempt >= tries:
                    body = _read_small(resp)
                    plural = "s" if attempt else ""
                    raise RegistryError(
                        f"{what}: {self.peer} answered {registry_error_detail(resp, body)} "
                        f"(after {attempt + 1} attempt{plural})"
                    )
                wait = self.backoff(attempt, resp)
                resp.close()
                self._sleep(wait)
                attempt += 1
                continue
            return resp

    def _check_public(self, netloc: str, what: str) -> None:
        """Under ``HULLCHECK_PUBLIC_ONLY`` (scans the service runs), a redirect may not
        lead to an internal address: no SSRF through a registry's ``Location``."""
        allowed = public_only_allowed()
        if allowed is None or netloc.lower() in allowed:
            return
        bad = internal_address(netloc)
        if bad is not None:
            raise RegistryError(
                f"{what}: refusing a redirect to {netloc}, an internal address ({bad})"
            )

    def _send_following(  # noqa: PLR0917
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        auth_header: Callable[[str], str | None] | None,
        what: str,
        data: Mapping[str, Any] | None,
    ) -> httpx.Response:
        current = url
        for _hop in range(self.options.max_redirects + 1):
            hop_headers = dict(headers or {})
            auth = auth_header(current) if auth_header is not None else None
            if auth:
                hop_headers["Authorization"] = auth
            request = self.http.build_request(method, current, headers=hop_headers, data=data)
            try:
                resp = send_within(self.http, request, header_deadline(self.options.timeout))
            except DeadlineExceeded as exc:
                host = urllib.parse.urlsplit(current).netloc
                raise RegistryError(f"{what}: {host} stalled: {exc}") from None
            if resp.status_code not in REDIRECT_STATUSES:
                return resp
            location = resp.headers.get("location")
            resp.close()
            if not location:
                raise RegistryError(f"{what}: redirect {resp.status_code} without a Location")
            target = urllib.parse.urljoin(current, location)
            parsed = urllib.parse.urlsplit(target)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise RegistryError(f"{what}: redirect to an unusable URL scheme {parsed.scheme!r}")
            self._check_public(parsed.netloc, what)
            if parsed.scheme == "http" and not self.http_allowed(parsed.netloc):
                raise RegistryError(
                    f"{what}: refusing a redirect to plain HTTP at {parsed.hostname} "
                    "(use --insecure to allow it)"
                )
            if resp.status_code == 303:
                method, data = "GET", None
            current = target
        raise RegistryError(f"{what}: more than {self.options.max_redirects} redirects")


def _read_small(resp: httpx.Response, limit: int = 65536) -> bytes:
    out = b""
    try:
        for chunk in resp.iter_raw():
            out += chunk
            if len(out) >= limit:
                break
    except httpx.HTTPError:
        pass
    finally:
        resp.close()
    return out[:limit]


def read_bounded(resp: httpx.Response, limit: int, what: str, deadline: float) -> bytes:
    """Read a whole (small) body, refusing more than ``limit`` bytes or past ``deadline``."""
    length = resp.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        resp.close()
        raise RegistryError(f"{what}: {int(length)} bytes is more than the {limit}-byte limit")
    parts: list[bytes] = []
    total = 0
    try:
        for chunk in resp.iter_bytes():
            total += len(chunk)
            if total > limit:
                raise RegistryError(f"{what}: more than the {limit}-byte limit")
            if time.monotonic() > deadline:
                raise RegistryError(f"{what}: the registry is sending too slowly (gave up)")
            parts.append(chunk)
    except httpx.TransportError as exc:
        raise RegistryError(f"{what}: {describe_exception(exc)}") from None
    except httpx.DecodingError:
        raise RegistryError(f"{what}: the body's content encoding is corrupt") from None
    finally:
        resp.close()
    return b"".join(parts)
