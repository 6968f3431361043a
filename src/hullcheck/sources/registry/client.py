"""An OCI Distribution API client for one repository: ping, auth, manifests, blobs.

The flow is Docker's: ``GET /v2/`` tells which auth the registry wants; a ``Basic``
challenge gets the user's credentials, a ``Bearer`` challenge sends them (or nothing,
for anonymous pulls) to the token ``realm`` for a ``repository:<name>:pull`` scope.
Manifests are read bounded and checked against the digest asked for or the
``Docker-Content-Digest`` the registry claims; blobs are streamed (see ``blob.py``).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import threading
import time
import urllib.parse
from typing import BinaryIO

import httpx

from hullcheck.errors import RegistryError
from hullcheck.sources.base import Manifest
from hullcheck.sources.digest import check_digest, digest_of
from hullcheck.sources.mediatypes import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    DOCKER_SCHEMA1,
    OCI_INDEX,
    OCI_MANIFEST,
)
from hullcheck.sources.reference import Reference
from hullcheck.sources.registry.blob import BlobReader
from hullcheck.sources.registry.challenge import Challenge, parse_challenges
from hullcheck.sources.registry.credentials import Credentials, find_credentials
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.transport import (
    Transport,
    describe_exception,
    read_bounded,
    registry_error_detail,
)

MANIFEST_TYPES = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST)
ACCEPT = ", ".join(MANIFEST_TYPES)
_MAX_TOKEN_BYTES = 1024 * 1024


class RegistryClient:
    """Talks to the registry that holds ``ref``; thread-safe for concurrent blob reads."""

    def __init__(
        self, ref: Reference, options: RegistryOptions, transport: Transport | None = None
    ) -> None:
        self.ref = ref
        if ref.api_host.lower() in options.insecure_registries and not options.insecure:
            options = dataclasses.replace(options, insecure=True)
        self.options = options
        self.transport = transport or Transport(options)
        self.host = ref.api_host
        self.base_url: str | None = None
        self._lock = threading.Lock()
        self._challenge: Challenge | None = None
        self._creds: Credentials | None = None
        self._creds_loaded = False
        self._token: str | None = None
        self._token_expiry = 0.0
        self._scope = f"repository:{ref.path}:pull"

    def close(self) -> None:
        self.transport.close()

    # -- auth -----------------------------------------------------------------------------

    def credentials(self) -> Credentials | None:
        if not self._creds_loaded:
            if self.options.username is not None and self.options.password is not None:
                self._creds = Credentials(
                    self.options.username, self.options.password, origin="command line"
                )
            else:
                self._creds = find_credentials(
                    self.ref.domain, self.options.auth_config, self.options.helper_timeout
                )
            self._creds_loaded = True
        return self._creds

    def _origin(self, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def _auth_for(self, url: str) -> str | None:
        """The Authorization header for ``url``: only ever for the registry's own origin."""
        if self.base_url is None or self._origin(url) != self._origin(self.base_url):
            return None
        challenge = self._challenge
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            creds = self.credentials()
            if creds is None or not creds.has_basic:
                return None
            raw = f"{creds.username}:{creds.password}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        if challenge.scheme == "bearer" and self._token:
            return f"Bearer {self._token}"
        return None

    def ensure_ready(self) -> None:
        """Find the registry's base URL and auth scheme (once), and get a token if needed."""
        with self._lock:
            if self.base_url is None:
                self._ping()
            challenge = self._challenge
            if (
                challenge is not None
                and challenge.scheme == "bearer"
                and (self._token is None or time.monotonic() >= self._token_expiry)
            ):
                self._fetch_token(challenge, self._scope)

    def _ping(self) -> None:
        schemes = ["https", "http"] if self.transport.http_allowed(self.host) else ["https"]
        last_error = ""
        for i, scheme in enumerate(schemes):
            url = f"{scheme}://{self.host}/v2/"
            fallback = i + 1 < len(schemes)
            try:
                # With an HTTP fallback ahead, a failed TLS attempt is not worth retrying.
                resp = self.transport.send(
                    "GET", url, what=f"registry {url[:-4]}", retries=0 if fallback else None
                )
            except RegistryError as exc:
                if fallback:
                    last_error = exc.message
                    continue
                raise
            with contextlib.suppress(RegistryError):  # drained so the connection is reused
                read_bounded(resp, 65536, f"GET {url}", time.monotonic() + self.options.timeout)
            if resp.status_code == 200:
                self.base_url = f"{scheme}://{self.host}"
                return
            if resp.status_code == 401:
                self.base_url = f"{scheme}://{self.host}"
                self._challenge = self._pick_challenge(resp)
                return
            raise RegistryError(
                f"{self.host} does not look like a container registry "
                f"(GET /v2/ answered {resp.status_code} {resp.reason_phrase})"
            )
        raise RegistryError(last_error or f"cannot reach {self.host}")

    def _pick_challenge(self, resp: httpx.Response) -> Challenge:
        challenges = parse_challenges(", ".join(resp.headers.get_list("www-authenticate")))
        for scheme in ("bearer", "basic"):
            for challenge in challenges:
                if challenge.scheme == scheme:
                    return challenge
        raise RegistryError(
            f"{self.host} asks for authentication hullcheck does not support "
            f"({', '.join(c.scheme for c in challenges) or 'no WWW-Authenticate challenge'})"
        )

    def _fetch_token(self, challenge: Challenge, scope: str) -> None:
        realm = challenge.params.get("realm", "")
        parts = urllib.parse.urlsplit(realm)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise RegistryError(f"{self.host} gave an unusable token realm {realm[:100]!r}")
        if parts.scheme == "http" and not self.transport.http_allowed(parts.netloc):
            raise RegistryError(
                f"{self.host} wants tokens from plain-HTTP realm {parts.netloc}; refusing to send "
                "credentials in clear (use --insecure to allow it)"
            )
        service = challenge.params.get("service")
        creds = self.credentials()
        what = f"token request to {parts.netloc}"
        if creds is not None and creds.registry_token:
            self._token, self._token_expiry = creds.registry_token, float("inf")
            return
        params = {"scope": scope, **({"service": service} if service else {})}
        headers: dict[str, str] = {"Accept": "application/json"}
        method, data = "GET", None
        if creds is not None and creds.identity_token:
            method = "POST"
            data = {
                "grant_type": "refresh_token",
                "refresh_token": creds.identity_token,
                "client_id": "hullcheck",
                **params,
            }
            url = realm
        else:
            url = realm + ("&" if parts.query else "?") + urllib.parse.urlencode(params)
            if creds is not None and creds.has_basic:
                raw = f"{creds.username}:{creds.password}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()
        resp = self.transport.send(method, url, headers=headers, data=data, what=what)
        deadline = time.monotonic() + self.options.timeout * 4
        body = read_bounded(resp, _MAX_TOKEN_BYTES, what, deadline)
        if resp.status_code in (401, 403):
            who = f"the credentials from {creds.origin}" if creds else "anonymous access"
            raise RegistryError(f"{what} refused {who} for {self.ref.path} ({resp.status_code})")
        if resp.status_code != 200:
            raise RegistryError(f"{what}: answered {registry_error_detail(resp, body)}")
        try:
            doc = json.loads(body)
            token = doc.get("token") or doc.get("access_token")
            expires = doc.get("expires_in", 60)
        except (ValueError, AttributeError):
            raise RegistryError(f"{what}: the answer is not a JSON token") from None
        if not isinstance(token, str) or not token or any(c in token for c in "\r\n"):
            raise RegistryError(f"{what}: the answer holds no usable token")
        if not isinstance(expires, int | float) or expires < 60:
            expires = 60
        self._token = token
        # Renew a little early so a token never expires in the middle of a request.
        self._token_expiry = time.monotonic() + float(expires) * 0.9

    def request(self, path: str, headers: dict[str, str], what: str) -> httpx.Response:
        """GET ``path`` on the registry with auth; one re-authentication on a 401."""
        self.ensure_ready()
        assert self.base_url is not None
        url = self.base_url + path
        for attempt in range(2):
            resp = self.transport.send(
                "GET", url, headers=headers, auth_header=self._auth_for, what=what
            )
            if resp.status_code != 401 or attempt == 1:
                return resp
            challenges = parse_challenges(", ".join(resp.headers.get_list("www-authenticate")))
            resp.close()
            bearer = next((c for c in challenges if c.scheme == "bearer"), None)
            with self._lock:
                if bearer is not None:
                    self._challenge = bearer
                    self._fetch_token(bearer, bearer.params.get("scope") or self._scope)
                elif challenges:
                    self._challenge = challenges[0]
        raise AssertionError("unreachable")

    def _status_error(self, resp: httpx.Response, what: str, body: bytes) -> RegistryError:
        detail = registry_error_detail(resp, body)
        if resp.status_code == 401:
            creds = self.credentials()
            hint = (
                f"the credentials from {creds.origin} were refused"
                if creds
                else f"no credentials found for {self.ref.domain} (docker login first)"
            )
            return RegistryError(f"{what}: unauthorized, {hint} ({detail})")
        if resp.status_code == 403:
            return RegistryError(f"{what}: access denied ({detail})")
        if resp.status_code == 404:
            return RegistryError(f"{what}: not found ({detail})")
        return RegistryError(f"{what}: registry answered {detail}")

    # -- manifests ------------------------------------------------------------------------

    def get_manifest(self, selector: str) -> Manifest:
        """The manifest or index named by a tag or digest, verified."""
        by_digest = ":" in selector
        if by_digest:
            check_digest(selector, "a manifest reference")
        what = f"manifest {self.ref.name}{'@' if by_digest else ':'}{selector}"
        resp = self.request(f"/v2/{self.ref.path}/manifests/{selector}", {"Accept": ACCEPT}, what)
        deadline = time.monotonic() + self.options.timeout * 4
        body = read_bounded(resp, self.options.max_manifest_bytes, what, deadline)
        if resp.status_code != 200:
            raise self._status_error(resp, what, body)
        claimed = resp.headers.get("docker-content-digest", "").strip()
        if by_digest:
            computed = digest_of(body, selector.split(":", 1)[0])
            if computed != selector:
                raise RegistryError(f"{what}: the registry sent a manifest with digest {computed}")
        if claimed:
            algo = claimed.split(":", 1)[0]
            if algo in ("sha256", "sha512") and digest_of(body, algo) != claimed:
                raise RegistryError(
                    f"{what}: the body does not match the Docker-Content-Digest {claimed[:80]}"
                )
        digest = selector if by_digest else digest_of(body)
        return Manifest(media_type=self._media_type(resp, body, what), body=body, digest=digest)

    def _media_type(self, resp: httpx.Response, body: bytes, what: str) -> str:
        ctype = str(resp.headers.get("content-type", "")).split(";", 1)[0].strip().lower()
        if ctype in DOCKER_SCHEMA1:
            raise RegistryError(f"{what}: Docker schema 1 manifests are not supported")
        if ctype in MANIFEST_TYPES:
            return ctype
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise RegistryError(f"{what}: the manifest is not JSON") from None
        if not isinstance(doc, dict):
            raise RegistryError(f"{what}: the manifest is not a JSON object")
        declared = doc.get("mediaType")
        if isinstance(declared, str) and declared in MANIFEST_TYPES:
            return str(declared)
        if doc.get("schemaVersion") == 1:
            raise RegistryError(f"{what}: Docker schema 1 manifests are not supported")
        if isinstance(doc.get("manifests"), list):
            return OCI_INDEX
        if isinstance(doc.get("layers"), list):
            return OCI_MANIFEST
        raise RegistryError(f"{what}: unknown manifest type {ctype[:80] or 'none'}")

    # -- blobs ----------------------------------------------------------------------------

    def blob_response(self, digest: str, offset: int) -> httpx.Response:
        """A streamed response for the blob from ``offset`` (a 200 or 206; else an error)."""
        what = f"blob {digest[:19]} of {self.ref.name}"
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        resp = self.request(f"/v2/{self.ref.path}/blobs/{digest}", headers, what)
        if resp.status_code in (200, 206):
            return resp
        try:
            body = read_bounded(resp, 65536, what, time.monotonic() + self.options.timeout)
        except RegistryError:
            body = b""
        raise self._status_error(resp, what, body)

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        check_digest(digest, "a blob reference")
        if size is not None and size < 0:
            raise RegistryError(f"blob {digest[:19]}: negative size {size}")
        reader = BlobReader(self, digest, size)
        return reader.buffered()


__all__ = ["ACCEPT", "MANIFEST_TYPES", "RegistryClient", "describe_exception"]
