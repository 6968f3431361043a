"""Writing to a registry (Distribution API): blobs, cross-repository mounts, manifests, tags.

Built on ``RegistryClient`` for the connection, TLS policy and auth, with a
``pull,push`` token scope.  A blob is uploaded in two steps (``POST`` an upload, ``PUT``
its bytes with ``?digest=``) unless a ``HEAD`` shows it is there already, or it can be
mounted from another repository of the same registry (``POST ...?mount=&from=``: no
bytes move).  A manifest is ``PUT`` under a tag or its digest and the digest the
registry answers with must be the one computed here.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import BinaryIO

import httpx

from hullcheck.errors import RegistryError
from hullcheck.sources.base import Manifest
from hullcheck.sources.digest import check_digest, digest_of
from hullcheck.sources.mediatypes import OCI_MANIFEST
from hullcheck.sources.reference import Reference, parse_reference
from hullcheck.sources.registry.challenge import parse_challenges
from hullcheck.sources.registry.client import ACCEPT, RegistryClient
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.transport import (
    RETRY_STATUSES,
    describe_exception,
    read_bounded,
    registry_error_detail,
)

_ACCEPT_ALL = ACCEPT + ", " + OCI_MANIFEST


class RegistryWriter:
    """An ``ArtifactStore`` over one repository of a registry."""

    def __init__(self, ref: Reference, options: RegistryOptions) -> None:
        self.ref = ref
        self.client = RegistryClient(ref, options)
        self.client._scope = f"repository:{ref.path}:pull,push"
        self.options = self.client.options

    @property
    def description(self) -> str:
        return self.ref.name

    def close(self) -> None:
        self.client.close()

    def _url(self, path: str) -> str:
        self.client.ensure_ready()
        assert self.client.base_url is not None
        return path if path.startswith(("http://", "https://")) else self.client.base_url + path

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | Iterable[bytes] | None = None,
    ) -> httpx.Response:
        """One request with auth, one re-authentication on a 401, retries when safe."""
        url = self._url(path)
        retryable = isinstance(content, bytes | None)
        attempt = 0
        reauthed = False
        while True:
            hdrs = dict(headers or {})
            auth = self.client._auth_for(url)
            if auth:
                hdrs["Authorization"] = auth
            try:
                resp = self.client.transport.http.request(
                    method, url, headers=hdrs, content=content
                )
            except httpx.TransportError as exc:
                if retryable and attempt < self.options.retries:
                    time.sleep(self.client.transport.backoff(attempt))
                    attempt += 1
                    continue
                raise RegistryError(f"{what}: {describe_exception(exc)}") from None
            if resp.status_code == 401 and not reauthed and retryable:
                reauthed = True
                challenges = parse_challenges(", ".join(resp.headers.get_list("www-authenticate")))
                bearer = next((c for c in challenges if c.scheme == "bearer"), None)
                with self.client._lock:
                    if bearer is not None:
                        self.client._challenge = bearer
                        self.client._fetch_token(bearer, self.client._scope)
                    elif challenges:
                        self.client._challenge = challenges[0]
                continue
            if resp.status_code in RETRY_STATUSES and retryable and attempt < self.options.retries:
                time.sleep(self.client.transport.backoff(attempt, resp))
                attempt += 1
                continue
            return resp

    def _fail(self, resp: httpx.Response, what: str) -> RegistryError:
        body = resp.content[:65536]
        return self.client._status_error(resp, what, body)

    # -- reads ----------------------------------------------------------------------------

    def manifest(self, selector: str) -> Manifest | None:
        path = f"/v2/{self.ref.path}/manifests/{selector}"
        resp = self._send(
            "HEAD", path, f"manifest {self.ref.name}:{selector}", {"Accept": _ACCEPT_ALL}
        )
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise self._fail(resp, f"manifest {self.ref.name}:{selector}")
        return self.client.get_manifest(selector)

    def has_blob(self, digest: str) -> bool:
        check_digest(digest, "a blob")
        resp = self._send("HEAD", f"/v2/{self.ref.path}/blobs/{digest}", f"blob {digest[:19]}")
        if resp.status_code == 200:
            return True
        if resp.status_code == 404:
            return False
        raise self._fail(resp, f"blob {digest[:19]} of {self.ref.name}")

    def read_blob(self, digest: str, limit: int) -> bytes:
        check_digest(digest, "a blob")
        what = f"blob {digest[:19]} of {self.ref.name}"
        resp = self.client.blob_response(digest, 0)
        body = read_bounded(resp, limit, what, time.monotonic() + self.options.timeout * 4)
        if digest_of(body, digest.split(":", 1)[0]) != digest:
            raise RegistryError(f"{what}: the registry sent bytes of another digest")
        return body

    def open_blob(self, digest: str, size: int | None) -> BinaryIO:
        """A stream of a (large) blob; the reader checks the digest as it goes."""
        return self.client.open_blob(digest, size)

    # -- writes ---------------------------------------------------------------------------

    def _start_upload(self, query: str = "") -> httpx.Response:
        return self._send(
            "POST",
            f"/v2/{self.ref.path}/blobs/uploads/{query}",
            f"blob upload to {self.ref.name}",
            {"Content-Length": "0"},
        )

    def _location(self, resp: httpx.Response, what: str) -> str:
        location = resp.headers.get("location")
        if not location:
            raise RegistryError(f"{what}: the registry gave no upload location")
        assert self.client.base_url is not None
        url = urllib.parse.urljoin(self.client.base_url + "/", location)
        if urllib.parse.urlsplit(url).netloc != urllib.parse.urlsplit(self.client.base_url).netloc:
            raise RegistryError(f"{what}: the upload location points at another host")
        return str(url)

    def mount_blob(self, digest: str, from_repo: str) -> bool:
        """Mount ``digest`` from ``from_repo`` of the same registry; False if it was not."""
        check_digest(digest, "a blob")
        query = "?" + urllib.parse.urlencode({"mount": digest, "from": from_repo})
        resp = self._start_upload(query)
        resp.read()
        if resp.status_code == 201:
            return True
        if resp.status_code == 202:  # the registry opened an upload instead: cancel it
            url = self._location(resp, f"mount of {digest[:19]}")
            self._send("DELETE", url, f"cancel upload to {self.ref.name}").read()
            return False
        raise self._fail(resp, f"mount of {digest[:19]} into {self.ref.name}")

    def put_blob_stream(self, digest: str, size: int, chunks: Iterable[bytes]) -> None:
        check_digest(digest, "a blob")
        what = f"upload of blob {digest[:19]} to {self.ref.name}"
        if self.has_blob(digest):
            return
        resp = self._start_upload()
        resp.read()
        if resp.status_code != 202:
            raise self._fail(resp, what)
        url = self._location(resp, what)
        url += ("&" if urllib.parse.urlsplit(url).query else "?") + urllib.parse.urlencode(
            {"digest": digest}
        )
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        body: bytes | Iterable[bytes] = chunks
        if isinstance(chunks, list | tuple) and len(chunks) == 1:
            body = bytes(chunks[0])
        resp = self._send("PUT", url, what, headers, body)
        resp.read()
        if resp.status_code != 201:
            raise self._fail(resp, what)
        claimed = resp.headers.get("docker-content-digest")
        if claimed and claimed != digest:
            raise RegistryError(f"{what}: the registry recorded digest {claimed[:80]}")

    def put_blob(self, data: bytes) -> str:
        digest = digest_of(data)
        self.put_blob_stream(digest, len(data), [data])
        return digest

    def put_manifest(self, body: bytes, media_type: str, tag: str | None) -> str:
        digest = digest_of(body)
        reference = tag or digest
        what = f"push of manifest {self.ref.name}:{reference}"
        resp = self._send(
            "PUT",
            f"/v2/{self.ref.path}/manifests/{reference}",
            what,
            {"Content-Type": media_type},
            body,
        )
        resp.read()
        if resp.status_code not in (200, 201):
            raise self._fail(resp, what)
        claimed = resp.headers.get("docker-content-digest")
        if claimed and claimed != digest:
            raise RegistryError(f"{what}: the registry recorded digest {claimed[:80]}")
        return digest

    def referrers(self, digest: str) -> Manifest | None:
        """The OCI 1.1 referrers index of ``digest``, or None if the registry has no such API."""
        check_digest(digest, "a subject")
        what = f"referrers of {digest[:19]} in {self.ref.name}"
        resp = self._send(
            "GET",
            f"/v2/{self.ref.path}/referrers/{digest}",
            what,
            {"Accept": "application/vnd.oci.image.index.v1+json"},
        )
        body = read_bounded(
            resp, self.options.max_manifest_bytes, what, time.monotonic() + self.options.timeout
        )
        ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip()
        if resp.status_code != 200 or ctype != "application/vnd.oci.image.index.v1+json":
            return None
        return Manifest(media_type=ctype, body=body, digest=digest_of(body))


def open_registry_writer(ref: str, options: RegistryOptions) -> RegistryWriter:
    text = ref[len("docker://") :] if ref.startswith("docker://") else ref
    return RegistryWriter(parse_reference(text), options)


__all__ = ["RegistryWriter", "open_registry_writer", "registry_error_detail"]
