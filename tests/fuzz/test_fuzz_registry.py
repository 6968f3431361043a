"""Hostile registry answers, through the CLI's exit contract.

A small image is served by a scripted HTTP registry on 127.0.0.1 that answers wrongly in
one way per case: documents that are not JSON, nested without end, flipped, truncated or
of the wrong type; headers that lie (Content-Type, Content-Length, Docker-Content-Digest)
or are huge; blobs cut short, padded, flipped or redirected in a loop; an index that names
itself; and seeded byte mutations of the manifest served as if they were the real one.
(The real registry, Debian's docker-registry, cannot be made to answer like this; its
well-behaved answers are tested in tests/sources/test_registry_integration.py.)

``scan`` and ``sbom`` each run as a user runs them (a subprocess in a sealed world): the
exit code is 0, 1 or 2, exit 2 ends with exactly one ``hullcheck: error:`` line, there is
no traceback, nothing is written outside the cache, the run ends well within its
deadline, and the key planted in the layer never appears unless the layer was verified.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import BuiltImage, File, Layer, make_image

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


@dataclass
class Registry:
    """The image's documents and blobs, and one way of answering wrongly."""

    image: BuiltImage
    manifest: Answer | None = None
    blob: Callable[[Handler, Registry, str], None] | None = None

    @property
    def manifest_body(self) -> bytes:
        return self.image.blobs[self.image.manifest_digest]

    def good_manifest(self, h: Handler, body: bytes | None = None) -> None:
        body = self.manifest_body if body is None else body
        _send(h, 200, body, {"Content-Type": OCI_MANIFEST, "Docker-Content-Digest": _digest(body)})

    def good_blob(self, h: Handler, digest: str) -> None:
        data = self.image.blobs.get(digest)
        if data is None:
            _send(h, 404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}')
        else:
            _send(h, 200, data, {"Content-Type": "application/octet-stream"})


@contextlib.contextmanager
def serve(registry: Registry) -> Iterator[int]:
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                if self.path == "/v2/":
                    _send(self, 200, b"{}")
                elif "/manifests/" in self.path:
                    (registry.manifest or (lambda h, r: r.good_manifest(h)))(self, registry)
                elif "/blobs/" in self.path:
                    digest = self.path.rsplit("/", 1)[1]
                    if registry.blob is not None:
                        registry.blob(self, registry, digest)
                    else:
                        registry.good_blob(self, digest)
                else:
                    _send(self, 404)

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


def _wrong_typed_config(image: BuiltImage) -> Answer:
    """A consistent image (digests recomputed) whose config fields have wrong JSON types."""
    config = json.loads(image.blobs[image.config_digest])
    config["config"] = {"Env": "PATH=/bin", "User": 5, "Cmd": {"a": 1}}
    config_bytes = json.dumps(config).encode()
    manifest = json.loads(image.blobs[image.manifest_digest])
    manifest["config"]["digest"] = _digest(config_bytes)
    manifest["config"]["size"] = len(config_bytes)
    body = json.dumps(manifest).encode()
    image.blobs[_digest(config_bytes)] = config_bytes
    return lambda h, r: r.good_manifest(h, body)


def _blob_for_layer(change: Callable[[bytes], bytes]) -> Callable[[Handler, Registry, str], None]:
    def answer(h: Handler, r: Registry, digest: str) -> None:
        data = r.image.blobs.get(digest, b"")
        if digest in r.image.layer_digests:
            data = change(data)
        _send(h, 200, data, {"Content-Type": "application/octet-stream"})

    return answer


def _config_bitflip(h: Handler, r: Registry, digest: str) -> None:
    data = r.image.blobs.get(digest, b"")
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


def _cases(image: BuiltImage) -> dict[str, Registry]:
    manifests: dict[str, Answer] = {
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
        "config-wrong-types": _wrong_typed_config(image),
        **_seeded_mutations(image, 8),
    }
    blobs: dict[str, Callable[[Handler, Registry, str], None]] = {
        "config-bitflip": _config_bitflip,
        "layer-truncated": _blob_for_layer(lambda b: b[: len(b) // 2]),
        "layer-padded": _blob_for_layer(lambda b: b + b"\0" * 1024),
        "layer-bitflip": _blob_for_layer(lambda b: _flip(b, len(b) // 2)),
        "blob-redirect-loop": _redirect_loop,
    }
    cases = {name: Registry(image, manifest=answer) for name, answer in manifests.items()}
    cases.update({name: Registry(image, blob=answer) for name, answer in blobs.items()})
    return cases


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> BuiltImage:
    return make_image(tmp_path_factory.mktemp("fuzz-registry") / "img", [Layer(MEMBERS)])


NAMES = [
    "manifest-bitflip", "manifest-not-json", "manifest-deep-json", "manifest-wrong-type",
    "manifest-length-lie", "digest-header-lie", "huge-header", "server-error",
    "index-names-itself", "config-wrong-types", "config-bitflip", "layer-truncated",
    "layer-padded", "layer-bitflip", "blob-redirect-loop", *(f"mutation-{n}" for n in range(8)),
]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_hostile_registry_answers_keep_the_exit_contract(
    name: str, image: BuiltImage, tmp_path: Path
) -> None:
    registry = _cases(image)[name]
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
