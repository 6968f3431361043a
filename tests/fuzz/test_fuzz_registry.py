"""Hostile registry answers, through the CLI's exit contract.

A small image is pushed to the real registry (Debian's docker-registry, started on
127.0.0.1) and read through a fault proxy in front of it that answers wrongly in one way
per case, from the real registry's own answers: documents that are not JSON, nested
without end, flipped, truncated or of the wrong type; headers that lie (Content-Type,
Content-Length, Docker-Content-Digest) or are huge; blobs cut short, padded, flipped or
redirected in a loop; an index that names itself; and seeded byte mutations of the
manifest served as if they were the real one.  Everything a case does not change is the
real registry's answer, relayed (the registry cannot be made to answer wrongly itself);
the baseline case changes nothing.

``scan`` and ``sbom`` each run as a user runs them (a subprocess in a sealed world): the
exit code is 0, 1 or 2, exit 2 ends with exactly one ``hullcheck: error:`` line, there is
no traceback, nothing is written outside the cache, the run ends well within its
deadline, and the key planted in the layer never appears unless the layer was verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import http.server
import json
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import BuiltImage, File, Layer, make_image
from tests.sources.test_registry_integration import start_registry

from .cli_harness import World

KEY = "AKIA" + "J7QXM2LRK4VPZ6TW"  # an access key id shape, planted in the layer
MEMBERS = [
    File("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n"),
    File("srv/deploy.env", f"AWS_ACCESS_KEY_ID={KEY}\n".encode()),
]
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DEADLINE = 60.0
"""Seconds a run may take: the default timeouts must end every stall well before this."""

Handler = http.server.BaseHTTPRequestHandler
Answer = Callable[[Handler, "Registry"], None]


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _send(
    h: Handler, status: int, body: bytes = b"", headers: dict[str, str] | None = None
) -> None:
    h.send_response(status)
    for key, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)


REPO = "fuzz/app"
RELAYED = ("Content-Type", "Docker-Content-Digest", "Location", "Docker-Distribution-Api-Version")


def _upstream(
    host: str, method: str, path: str, body: bytes = b"", **headers: str
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(host, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def push(host: str, image: BuiltImage) -> None:
    """Push the image's blobs and manifest through the registry API, byte for byte."""
    for digest in [image.config_digest, *image.layer_digests]:
        status, headers, _ = _upstream(host, "POST", f"/v2/{REPO}/blobs/uploads/")
        assert status == 202, status
        location = headers["Location"].split(host, 1)[-1]
        sep = "&" if "?" in location else "?"
        data = image.blobs[digest]
        status, _, _ = _upstream(host, "PUT", f"{location}{sep}digest={digest}", data,
                                 **{"Content-Type": "application/octet-stream"})  # fmt: skip
        assert status == 201, status
    body = image.blobs[image.manifest_digest]
    status, headers, _ = _upstream(host, "PUT", f"/v2/{REPO}/manifests/1", body,
                                   **{"Content-Type": OCI_MANIFEST})  # fmt: skip
    assert status == 201 and headers.get("Docker-Content-Digest") == image.manifest_digest


@dataclass
class Registry:
    """The real registry holding the image, and one way of answering wrongly."""

    image: BuiltImage
    upstream: str
    manifest: Answer | None = None
    blob: Callable[[Handler, Registry, str], None] | None = None
    extra: dict[str, bytes] = field(default_factory=dict)
    """Blobs a case serves that the real registry does not hold (a rewritten config)."""

    @property
    def manifest_body(self) -> bytes:
        status, _, body = _upstream(
            self.upstream, "GET", f"/v2/{REPO}/manifests/1", Accept=OCI_MANIFEST
        )
        assert status == 200 and _digest(body) == self.image.manifest_digest
        return body

    def blob_bytes(self, digest: str) -> bytes:
        if digest in self.extra:
            return self.extra[digest]
        status, _, body = _upstream(self.upstream, "GET", f"/v2/{REPO}/blobs/{digest}")
        return body if status == 200 else b""

    def relay(self, h: Handler) -> None:
        """The real registry's own answer to this request, passed on unchanged."""
        accept = h.headers.get("Accept", "")
        status, headers, body = _upstream(self.upstream, h.command, h.path, Accept=accept)
        kept = {k: v for k, v in headers.items() if k in RELAYED}
        if h.command == "HEAD":
            h.send_response(status)
            for key, value in {
                "Content-Length": headers.get("Content-Length", "0"),
                **kept,
            }.items():
                h.send_header(key, value)
            h.end_headers()
            return
        _send(h, status, body, kept)

    def good_manifest(self, h: Handler, body: bytes | None = None) -> None:
        if body is None:
            self.relay(h)
            return
        _send(h, 200, body, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": _digest(body)})

    def good_blob(self, h: Handler, digest: str) -> None:
        if digest in self.extra:
            _send(h, 200, self.extra[digest], {"Content-Type": "application/octet-stream"})
        else:
            self.relay(h)


@contextlib.contextmanager
def serve(registry: Registry) -> Iterator[int]:
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if self.path == "/v2/":
                    registry.relay(self)
                elif "/manifests/" in self.path:
                    (registry.manifest or (lambda h, r: r.good_manifest(h)))(self, registry)
                elif "/blobs/" in self.path:
                    digest = self.path.rsplit("/", 1)[1]
                    if registry.blob is not None:
                        registry.blob(self, registry, digest)
                    else:
                        registry.good_blob(self, digest)
                else:
                    registry.relay(self)

        do_HEAD = do_GET

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


# -- the wrong answers ------------------------------------------------------------------


def _flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at % len(out)] ^= 0x20
    return bytes(out)


def _manifest_bitflip(h: Handler, r: Registry) -> None:
    body = _flip(r.manifest_body, 40)
    _send(
        h,
        200,
        body,
        {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": _digest(r.manifest_body)},
    )


def _manifest_text(body: bytes, content_type: str = OCI_MANIFEST) -> Answer:
    return lambda h, r: _send(h, 200, body, {"Content-Type": content_type})


def _manifest_length_lie(h: Handler, r: Registry) -> None:
    body = r.manifest_body
    h.send_response(200)
    h.send_header("Content-Type", OCI_MANIFEST)
    h.send_header("Content-Length", str(len(body) + 5000))
    h.end_headers()
    h.wfile.write(body)
    h.close_connection = True


def _digest_header_lie(h: Handler, r: Registry) -> None:
    body = r.manifest_body
    _send(
        h, 200, body, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": "sha256:" + "0" * 64}
    )


def _huge_header(h: Handler, r: Registry) -> None:
    body = r.manifest_body
    _send(h, 200, body, {"Content-Type": OCI_MANIFEST, "X-Padding": "a" * 200_000})


def _always_500(h: Handler, r: Registry) -> None:
    _send(h, 500, b"oops")


def _self_index(h: Handler, r: Registry) -> None:
    # an index whose only manifest is the index itself (requested by digest, it is served again)
    inner = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}
    body = json.dumps(inner).encode()
    for _ in range(3):  # a fixed point is impossible; any depth of self-reference will do
        inner["manifests"] = [{"mediaType": OCI_INDEX, "digest": _digest(body), "size": len(body),
                               "platform": {"os": "linux", "architecture": "amd64"}}]  # fmt: skip
        body = json.dumps(inner).encode()
    _send(h, 200, body, {"Content-Type": OCI_INDEX, "Docker-Content-Digest": _digest(body)})


def _wrong_typed_config(h: Handler, r: Registry) -> None:
    """A consistent image (digests recomputed) whose config fields have wrong JSON types."""
    config = json.loads(r.blob_bytes(r.image.config_digest))
    config["config"] = {"Env": "PATH=/bin", "User": 5, "Cmd": {"a": 1}}
    config_bytes = json.dumps(config).encode()
    manifest = json.loads(r.manifest_body)
    manifest["config"]["digest"] = _digest(config_bytes)
    manifest["config"]["size"] = len(config_bytes)
    r.extra[_digest(config_bytes)] = config_bytes
    r.good_manifest(h, json.dumps(manifest).encode())


def _blob_for_layer(change: Callable[[bytes], bytes]) -> Callable[[Handler, Registry, str], None]:
    def answer(h: Handler, r: Registry, digest: str) -> None:
        data = r.blob_bytes(digest)
        if digest in r.image.layer_digests:
            data = change(data)
        _send(h, 200, data, {"Content-Type": "application/octet-stream"})

    return answer


def _config_bitflip(h: Handler, r: Registry, digest: str) -> None:
    data = r.blob_bytes(digest)
    if digest == r.image.config_digest:
        data = _flip(data, 10)
    _send(h, 200, data)


def _redirect_loop(h: Handler, r: Registry, digest: str) -> None:
    _send(h, 302, b"", {"Location": h.path})


def _seeded_mutations(image: BuiltImage, count: int) -> dict[str, Answer]:
    """Random byte edits of the manifest, served consistently (digest header matching)."""
    rng = random.Random(20261205)
    body = image.blobs[image.manifest_digest]
    out: dict[str, Answer] = {}
    for n in range(count):
        data = bytearray(body)
        for _ in range(rng.randint(1, 4)):
            op = rng.choice(("flip", "delete", "insert"))
            at = rng.randrange(len(data))
            if op == "flip":
                data[at] = rng.randrange(256)
            elif op == "delete":
                del data[at : at + rng.randint(1, 8)]
            else:
                data[at:at] = bytes(
                    rng.choice(b'{}[]",:0123456789-e.') for _ in range(rng.randint(1, 8))
                )
        mutated = bytes(data)
        out[f"mutation-{n}"] = lambda h, r, m=mutated: r.good_manifest(h, m)
    return out


def _cases(image: BuiltImage, upstream: str) -> dict[str, Registry]:
    manifests: dict[str, Answer] = {
        "baseline": lambda h, r: r.good_manifest(h),
        "manifest-bitflip": _manifest_bitflip,
        "manifest-not-json": _manifest_text(b"<html>hello</html>"),
        "manifest-deep-json": _manifest_text(b"[" * 200_000),
        "manifest-wrong-type": _manifest_text(
            json.dumps({"schemaVersion": 2}).encode(), "text/html"
        ),
        "manifest-length-lie": _manifest_length_lie,
        "digest-header-lie": _digest_header_lie,
        "huge-header": _huge_header,
        "server-error": _always_500,
        "index-names-itself": _self_index,
        "config-wrong-types": _wrong_typed_config,
        **_seeded_mutations(image, 8),
    }
    blobs: dict[str, Callable[[Handler, Registry, str], None]] = {
        "config-bitflip": _config_bitflip,
        "layer-truncated": _blob_for_layer(lambda b: b[: len(b) // 2]),
        "layer-padded": _blob_for_layer(lambda b: b + b"\0" * 1024),
        "layer-bitflip": _blob_for_layer(lambda b: _flip(b, len(b) // 2)),
        "blob-redirect-loop": _redirect_loop,
    }
    cases = {name: Registry(image, upstream, manifest=answer) for name, answer in manifests.items()}
    cases.update({name: Registry(image, upstream, blob=answer) for name, answer in blobs.items()})
    return cases


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    return make_image(tmp_path_factory.mktemp("fuzz-registry") / "img", [Layer(MEMBERS)])


@pytest.fixture(scope="module")
def upstream(
    request: pytest.FixtureRequest,
    shared_dir: Path,
    image: BuiltImage,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """The real registry, holding the image byte for byte."""
    reg = start_registry(request, shared_dir, tmp_path_factory.mktemp("fuzz-reg"))
    push(reg.host, image)
    return reg.host


NAMES = [
    "baseline", "manifest-bitflip", "manifest-not-json", "manifest-deep-json",
    "manifest-wrong-type", "manifest-length-lie", "digest-header-lie", "huge-header",
    "server-error",
    "index-names-itself", "config-wrong-types", "config-bitflip", "layer-truncated",
    "layer-padded", "layer-bitflip", "blob-redirect-loop", *(f"mutation-{n}" for n in range(8)),
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_hostile_registry_answers_keep_the_exit_contract(
    name: str, image: BuiltImage, upstream: str, tmp_path: Path
) -> None:
    registry = _cases(image, upstream)[name]
    with serve(registry) as port:
        host = f"127.0.0.1:{port}"
        for command in ("scan", "sbom"):
            world = World(tmp_path / command)
            args = [command, f"{host}/fuzz/app:1", "--insecure-registry", host, "-f", "json"]
            if command == "scan":
                args.append("--no-vulns")
            run = world.run(*args, timeout=DEADLINE + 30)
            assert run.seconds < DEADLINE, (name, command, run.seconds)
            assert run.code in (0, 1, 2), (name, command, run.code, run.stderr[-1500:])
            assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
            lines = [line for line in run.stderr.splitlines() if line.strip()]
            assert all(line.startswith("hullcheck: ") for line in lines), (name, lines)
            errors = [line for line in lines if line.startswith("hullcheck: error:")]
            if run.code == 2:
                assert len(errors) == 1 and lines[-1] == errors[0], (name, command, lines)
            else:
                assert not errors, (name, command, lines)
            assert run.new_files == [], (name, run.new_files)
            assert KEY not in run.stdout  # redacted whenever it is found
            # (a padded blob is read only to its descriptor's size: what is read verifies)
            if name in (
                "layer-truncated",
                "layer-bitflip",
                "manifest-bitflip",
                "digest-header-lie",
            ):
                assert run.code == 2, (name, command, run.stdout[-500:])
                found = json.loads(run.stdout).get("findings", []) if run.stdout else []
                assert not [f for f in found if "aws" in f["rule"]], name  # nothing from bad bytes
            if name == "baseline":  # the real registry's answers, relayed: a full report
                doc = json.loads(run.stdout)
                if command == "scan":
                    assert run.code == 1, run.stderr
                    assert [f for f in doc["findings"] if "aws" in f["rule"]], doc["findings"]
                else:
                    assert run.code == 0, run.stderr
