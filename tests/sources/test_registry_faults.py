"""Registry misbehaviour the real registry cannot produce, from a tiny fake on 127.0.0.1.

Each test scripts the fake's answers and checks that the client recovers (429 with
Retry-After, dropped blob connections resumed with Range) or fails with one clear line
in bounded time (503 forever, silence, wrong digests, endless or gigantic bodies).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hullcheck.errors import RegistryError
from hullcheck.sources.base import Manifest
from hullcheck.sources.registry import RegistryOptions, open_registry_source
from hullcheck.sources.registry.transport import is_loopback

BLOB = bytes(range(256)) * 4096  # 1 MiB
BLOB_DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": BLOB_DIGEST,
            "size": len(BLOB),
        },
        "layers": [],
    }
).encode()
MANIFEST_DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
FAST = RegistryOptions(timeout=2.0, retries=2, backoff=0.01, max_retry_wait=3.0)

Handler = http.server.BaseHTTPRequestHandler


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeServer:
    """A scripted HTTP server: ``app(handler, n)`` answers the n-th request to a path."""

    app: Callable[[Handler, int], None]
    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def count(self, path_part: str) -> int:
        return sum(1 for s in self.seen if path_part in s.path)


@pytest.fixture
def fake() -> Iterator[Callable[[Callable[[Handler, int], None]], FakeServer]]:
    servers: list[tuple[http.server.ThreadingHTTPServer, FakeServer]] = []

    def start(app: Callable[[Handler, int], None]) -> FakeServer:
        state = FakeServer(app)

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = b""
                if self.command == "POST":
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                state.seen.append(Seen(self.command, self.path, dict(self.headers.items()), body))
                n = sum(1 for s in state.seen if s.path == self.path) - 1
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    state.app(self, n)

            do_POST = do_GET

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        server.daemon_threads = True
        state.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append((server, state))
        return state

    yield start
    for server, state in servers:
        state.stop.set()
        server.shutdown()
        server.server_close()


def send(h: Handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    hdrs = {"Content-Length": str(len(body)), **(headers or {})}
    for k, v in hdrs.items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def registry_app(
    blob: Callable[[Handler, int], None] | None = None,
    manifest: Callable[[Handler, int], None] | None = None,
) -> Callable[[Handler, int], None]:
    """An anonymous registry serving MANIFEST and BLOB unless told otherwise."""

    def app(h: Handler, n: int) -> None:
        if h.path == "/v2/":
            send(h, 200, b"{}")
        elif "/manifests/" in h.path:
            if manifest:
                manifest(h, n)
            else:
                send(
                    h,
                    200,
                    MANIFEST,
                    {
                        "Content-Type": "application/vnd.oci.image.manifest.v1+json",
                        "Docker-Content-Digest": MANIFEST_DIGEST,
                    },
                )
        elif "/blobs/" in h.path:
            if blob:
                blob(h, n)
            else:
                send(h, 200, BLOB)
        else:
            send(h, 404)

    return app


def read_all(
    srv: FakeServer, options: RegistryOptions = FAST, size: int | None = len(BLOB)
) -> bytes:
    with (
        open_registry_source(f"127.0.0.1:{srv.port}/test/app:1", options) as src,
        src.open_blob(BLOB_DIGEST, size) as fh,
    ):
        return fh.read()


def root_manifest(ref: str, options: RegistryOptions) -> Manifest:
    with open_registry_source(ref, options) as src:
        return src.root_manifest()


def test_429_with_retry_after_then_success(fake: Callable[..., FakeServer]) -> None:
    def manifest(h: Handler, n: int) -> None:
        if n == 0:
            send(
                h,
                429,
                b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
                {"Retry-After": "1"},
            )
        else:
            send(h, 200, MANIFEST, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})

    srv = fake(registry_app(manifest=manifest))
    start = time.monotonic()
    with open_registry_source(f"127.0.0.1:{srv.port}/test/app:1", FAST) as src:
        got = src.root_manifest()
    assert got.digest == MANIFEST_DIGEST and got.body == MANIFEST
    assert srv.count("/manifests/") == 2
    assert time.monotonic() - start >= 0.9  # the server's Retry-After was honoured


def test_retry_after_is_capped(fake: Callable[..., FakeServer]) -> None:
    def manifest(h: Handler, n: int) -> None:
        if n == 0:
            send(h, 503, b"", {"Retry-After": "3600"})
        else:
            send(h, 200, MANIFEST, {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})

    srv = fake(registry_app(manifest=manifest))
    start = time.monotonic()
    opts = RegistryOptions(timeout=2.0, retries=2, backoff=0.01, max_retry_wait=0.2)
    with open_registry_source(f"127.0.0.1:{srv.port}/test/app:1", opts) as src:
        assert src.root_manifest().digest == MANIFEST_DIGEST
    assert time.monotonic() - start < 3


def test_503_until_retries_are_exhausted(fake: Callable[..., FakeServer]) -> None:
    srv = fake(registry_app(manifest=lambda h, n: send(h, 503, b"down")))
    with pytest.raises(RegistryError) as err:
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)
    assert "503 Service Unavailable" in str(err.value)
    assert "after 3 attempts" in str(err.value)
    assert srv.count("/manifests/") == 3


def test_dropped_blob_connection_is_resumed_with_range(fake: Callable[..., FakeServer]) -> None:
    half = len(BLOB) // 2 + 123

    def blob(h: Handler, n: int) -> None:
        if n == 0:
            h.send_response(200)
            h.send_header("Content-Length", str(len(BLOB)))
            h.end_headers()
            h.wfile.write(BLOB[:half])
            h.wfile.flush()
            h.close_connection = True
            return
        start = int(h.headers["Range"].split("=")[1].rstrip("-"))
        send(h, 206, BLOB[start:], {"Content-Range": f"bytes {start}-{len(BLOB) - 1}/{len(BLOB)}"})

    srv = fake(registry_app(blob=blob))
    assert read_all(srv) == BLOB
    ranges = [s.headers.get("Range") for s in srv.seen if "/blobs/" in s.path]
    assert ranges[0] is None
    assert ranges[1] is not None and int(ranges[1][6:-1]) >= 0
    assert len(ranges) == 2


def test_resume_when_server_ignores_range(fake: Callable[..., FakeServer]) -> None:
    def blob(h: Handler, n: int) -> None:
        if n == 0:
            h.send_response(200)
            h.send_header("Content-Length", str(len(BLOB)))
            h.end_headers()
            h.wfile.write(BLOB[:300_000])
            h.close_connection = True
        else:
            send(h, 200, BLOB)  # Range ignored: the client must skip what it has

    srv = fake(registry_app(blob=blob))
    assert read_all(srv) == BLOB
    assert srv.count("/blobs/") == 2


def test_blob_that_keeps_dropping_gives_up(fake: Callable[..., FakeServer]) -> None:
    def blob(h: Handler, n: int) -> None:
        h.send_response(206 if n else 200)
        h.send_header("Content-Length", str(len(BLOB)))
        h.end_headers()
        h.close_connection = True

    srv = fake(registry_app(blob=blob))
    with pytest.raises(RegistryError, match="gave up after 2 resumes"):
        read_all(srv)


def test_blob_digest_mismatch(fake: Callable[..., FakeServer]) -> None:
    tampered = bytearray(BLOB)
    tampered[1000] ^= 1
    srv = fake(registry_app(blob=lambda h, n: send(h, 200, bytes(tampered))))
    with pytest.raises(RegistryError, match="does not match its digest"):
        read_all(srv)
    with pytest.raises(RegistryError, match="does not match its digest"):
        read_all(srv, size=None)


def test_short_blob_is_an_error(fake: Callable[..., FakeServer]) -> None:
    srv = fake(registry_app(blob=lambda h, n: send(h, 200, BLOB)))
    with pytest.raises(RegistryError, match=r"expected 1048676|connection ended"):
        read_all(srv, size=len(BLOB) + 100)


def test_endless_blob_is_cut_at_the_descriptor_size(fake: Callable[..., FakeServer]) -> None:
    def blob(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()  # no length: the body only ends when the connection does
        h.wfile.write(BLOB)
        while not fake_stop.is_set():
            h.wfile.write(b"\0" * 65536)

    srv = fake(registry_app(blob=blob))
    fake_stop = srv.stop
    start = time.monotonic()
    assert read_all(srv) == BLOB
    assert time.monotonic() - start < 10


def test_endless_manifest_is_refused(fake: Callable[..., FakeServer]) -> None:
    def manifest(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        h.send_header("Connection", "close")
        h.end_headers()
        while not srv.stop.is_set():
            h.wfile.write(b" " * 65536)

    srv = fake(registry_app(manifest=manifest))
    with pytest.raises(RegistryError, match="more than the 4194304-byte limit"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)


def test_gigantic_manifest_announced_is_refused(fake: Callable[..., FakeServer]) -> None:
    def manifest(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(5 * 1024 * 1024))
        h.end_headers()
        h.wfile.write(b"{")

    srv = fake(registry_app(manifest=manifest))
    with pytest.raises(RegistryError, match="5242880 bytes is more than"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)


def test_silent_server_times_out_in_bounded_time(fake: Callable[..., FakeServer]) -> None:
    def app(h: Handler, n: int) -> None:
        srv.stop.wait(30)  # accept, read the request, never answer

    srv = fake(app)
    opts = RegistryOptions(timeout=0.5, retries=1, backoff=0.01)
    start = time.monotonic()
    with pytest.raises(RegistryError) as err:
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", opts)
    elapsed = time.monotonic() - start
    assert "no answer within the read timeout" in str(err.value)
    assert elapsed < 5


def test_manifest_digest_checks(fake: Callable[..., FakeServer]) -> None:
    lying = "sha256:" + "0" * 64

    def manifest(h: Handler, n: int) -> None:
        send(
            h,
            200,
            MANIFEST,
            {
                "Content-Type": "application/vnd.oci.image.manifest.v1+json",
                "Docker-Content-Digest": lying,
            },
        )

    srv = fake(registry_app(manifest=manifest))
    with pytest.raises(RegistryError, match="does not match the Docker-Content-Digest"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)
    with pytest.raises(RegistryError, match=f"sent a manifest with digest {MANIFEST_DIGEST}"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app@{lying}", FAST)


def test_redirect_to_another_host_drops_authorization(fake: Callable[..., FakeServer]) -> None:
    store = fake(lambda h, n: send(h, 200, BLOB))
    want = "Basic " + base64.b64encode(b"alice:pw").decode()

    def app(h: Handler, n: int) -> None:
        if h.headers.get("Authorization") != want:
            send(h, 401, b"", {"WWW-Authenticate": 'Basic realm="fake"'})
        elif "/blobs/" in h.path:
            # "localhost" is another origin than 127.0.0.1: a blob store elsewhere.
            send(h, 307, b"", {"Location": f"http://localhost:{store.port}/store/blob?sig=x"})
        else:
            registry_app()(h, n)

    srv = fake(app)
    opts = RegistryOptions(timeout=2.0, retries=1, backoff=0.01, username="alice", password="pw")
    assert read_all(srv, opts) == BLOB
    assert [s.headers.get("Authorization") for s in srv.seen if "/blobs/" in s.path] == [want]
    assert [s.path for s in store.seen] == ["/store/blob?sig=x"]
    assert "Authorization" not in store.seen[0].headers


def test_redirect_to_plain_http_elsewhere_is_refused(fake: Callable[..., FakeServer]) -> None:
    def blob(h: Handler, n: int) -> None:
        send(h, 302, b"", {"Location": "http://blobs.example.invalid/x"})

    srv = fake(registry_app(blob=blob))
    with pytest.raises(RegistryError, match="refusing a redirect to plain HTTP"):
        read_all(srv)


def test_unauthorized_without_credentials_is_clear(
    fake: Callable[..., FakeServer], monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    srv = fake(lambda h, n: send(h, 401, b"", {"WWW-Authenticate": 'Basic realm="fake"'}))
    with pytest.raises(RegistryError, match=r"no credentials found for 127\.0\.0\.1"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)


def test_not_a_registry(fake: Callable[..., FakeServer]) -> None:
    srv = fake(lambda h, n: send(h, 404, b"nope"))
    with pytest.raises(RegistryError, match="does not look like a container registry"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)


def test_nothing_listening_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(
        RegistryError, match=r"registry http://127\.0\.0\.1:\d+: cannot connect .*after 2 attempts"
    ):
        root_manifest(f"127.0.0.1:{port}/test/app:1", FAST)
    assert time.monotonic() - start < 5


def test_is_loopback() -> None:
    assert is_loopback("127.0.0.1:5000") and is_loopback("localhost") and is_loopback("[::1]:80")
    assert is_loopback("127.8.9.10")
    assert not is_loopback("ghcr.io") and not is_loopback("10.0.0.1:5000")
    assert not is_loopback("localhost.example.com")


def test_identity_token_is_exchanged_and_tokens_are_reused(
    fake: Callable[..., FakeServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def app(h: Handler, n: int) -> None:
        if h.path.startswith("/token"):
            send(h, 200, json.dumps({"access_token": "tok-123", "expires_in": 300}).encode())
        elif h.headers.get("Authorization") != "Bearer tok-123":
            realm = f"http://127.0.0.1:{srv.port}/token"
            send(h, 401, b"", {"WWW-Authenticate": f'Bearer realm="{realm}",service="fake"'})
        else:
            registry_app()(h, n)

    srv = fake(app)
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"auths": {f"127.0.0.1:{srv.port}": {"identitytoken": "rt-9"}}}))
    opts = RegistryOptions(timeout=2.0, retries=1, backoff=0.01, auth_config=cfg)
    with open_registry_source(f"127.0.0.1:{srv.port}/test/app:1", opts) as src:
        assert src.root_manifest().digest == MANIFEST_DIGEST
        for _ in range(3):
            with src.open_blob(BLOB_DIGEST, len(BLOB)) as fh:
                assert fh.read() == BLOB
    tokens = [s for s in srv.seen if s.path.startswith("/token")]
    assert len(tokens) == 1 and tokens[0].method == "POST"
    form = urllib.parse.parse_qs(tokens[0].body.decode())
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == ["rt-9"]
    assert form["scope"] == ["repository:test/app:pull"] and form["service"] == ["fake"]


def test_plain_http_token_realm_elsewhere_is_refused(fake: Callable[..., FakeServer]) -> None:
    realm = "http://auth.example.invalid/token"
    srv = fake(lambda h, n: send(h, 401, b"", {"WWW-Authenticate": f'Bearer realm="{realm}"'}))
    with pytest.raises(RegistryError, match="refusing to send credentials in clear"):
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", FAST)


def test_options_from_the_dispatcher(monkeypatch: pytest.MonkeyPatch) -> None:
    from hullcheck.errors import InputError
    from hullcheck.sources.open import SourceOptions
    from hullcheck.sources.registry import registry_options_from

    monkeypatch.setenv("HULLCHECK_INSECURE_REGISTRIES", "reg.corp:5000, Other.Corp")
    opts = registry_options_from(
        SourceOptions(timeout=7, extra={"retries": "1", "auth_config": "/x/config.json"})
    )
    assert opts.timeout == 7 and opts.retries == 1 and not opts.insecure
    assert opts.insecure_registries == frozenset({"reg.corp:5000", "other.corp"})
    assert str(opts.auth_config) == "/x/config.json"
    assert registry_options_from(SourceOptions(extra={"insecure": "true"})).insecure
    assert registry_options_from(None).timeout == 30.0
    with pytest.raises(InputError, match="not a number"):
        registry_options_from(SourceOptions(extra={"retries": "many"}))
    secret = RegistryOptions(username="u", password="hunter2")
    assert "hunter2" not in repr(secret)
