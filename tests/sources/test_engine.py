"""Reading images from a Docker/Podman engine socket, against a fake engine.

No engine runs here, so a small HTTP server on a unix socket in a temp dir plays one:
it answers ``/images/{name}/json`` and streams a docker-archive for
``/images/get?names=``, either the real test image's archive or small ones built here
(legacy ``docker save`` with symlinked layers, and the OCI-style export of Docker 25+).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import io
import json
import socketserver
import tarfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hullcheck.errors import ImageError, InputError
from hullcheck.sources.engine import EngineOptions, open_engine_source


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def archive(entries: list[tuple[str, bytes | str]]) -> bytes:
    """A tar of (name, bytes) files and (name, "->target") symlinks, in this order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            if isinstance(data, str):
                info.type = tarfile.SYMTYPE
                info.linkname = data.removeprefix("->")
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


LAYER1 = layer_tar({"etc/os-release": b"ID=debian\n"})
LAYER2 = gzip.compress(layer_tar({"app/run.sh": b"#!/bin/sh\n"}), mtime=0)
CONFIG = json.dumps(
    {
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha(LAYER1), sha(gzip.decompress(LAYER2))]},
    }
).encode()


def legacy_export() -> bytes:
    h1, h2 = sha(LAYER1)[7:], sha(LAYER2)[7:]
    manifest = [
        {
            "Config": f"{sha(CONFIG)[7:]}.json",
            "RepoTags": ["app:1"],
            "Layers": [f"{h1}/layer.tar", f"{h2}.tar"],
        }
    ]
    return archive(
        [
            (f"{h1}.tar", LAYER1),
            (f"{h1}/layer.tar", f"->../{h1}.tar"),  # how docker save shares a layer
            (f"{h1}/VERSION", b"1.0"),
            (f"{h2}.tar", LAYER2),
            (f"{sha(CONFIG)[7:]}.json", CONFIG),
            ("manifest.json", json.dumps(manifest).encode()),
            ("repositories", b'{"app":{"1":"x"}}'),
        ]
    )


def oci_export() -> tuple[bytes, bytes]:
    oci_manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha(CONFIG),
                "size": len(CONFIG),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": sha(LAYER1),
                    "size": len(LAYER1),
                }
            ],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha(oci_manifest),
                "size": len(oci_manifest),
            }
        ],
    }
    manifest = [
        {
            "Config": f"blobs/sha256/{sha(CONFIG)[7:]}",
            "RepoTags": ["app:1"],
            "Layers": [f"blobs/sha256/{sha(LAYER1)[7:]}"],
        }
    ]
    tar = archive(
        [
            (f"blobs/sha256/{sha(LAYER1)[7:]}", LAYER1),
            (f"blobs/sha256/{sha(CONFIG)[7:]}", CONFIG),
            (f"blobs/sha256/{sha(oci_manifest)[7:]}", oci_manifest),
            ("index.json", json.dumps(index).encode()),
            ("manifest.json", json.dumps(manifest).encode()),
            ("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
        ]
    )
    return tar, oci_manifest


@dataclass
class FakeEngine:
    sock: Path
    images: dict[str, tuple[str, Callable[[], Iterator[bytes]]]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def add(self, name: str, image_id: str, export: bytes | Path) -> None:
        def chunks() -> Iterator[bytes]:
            if isinstance(export, Path):
                with export.open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        yield chunk
            else:
                for i in range(0, len(export), 65536):
                    yield export[i : i + 65536]

        self.images[name] = (image_id, chunks)

    @property
    def options(self) -> EngineOptions:
        return EngineOptions(
            host=f"unix://{self.sock}", timeout=2.0, cache_dir=self.sock.parent / "cache"
        )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[FakeEngine]:
    state = FakeEngine(tmp_path / "engine.sock")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def address_string(self) -> str:
            return "unix"

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            state.seen.append(self.path)
            if url.path.startswith("/images/") and url.path.endswith("/json"):
                name = urllib.parse.unquote(url.path[len("/images/") : -len("/json")])
                if name not in state.images:
                    return self.reply(404, b'{"message":"No such image"}')
                return self.reply(
                    200, json.dumps({"Id": state.images[name][0], "RepoDigests": []}).encode()
                )
            if url.path == "/images/get":
                name = urllib.parse.parse_qs(url.query)["names"][0]
                self.send_response(200)
                self.send_header("Content-Type", "application/x-tar")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for chunk in state.images[name][1]():
                        if chunk == b"HANG":
                            state.stop.wait(30)
                            return
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    self.wfile.write(b"0\r\n\r\n")
                return None
            return self.reply(404, b"{}")

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = socketserver.ThreadingUnixStreamServer(str(state.sock), H)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield state
    state.stop.set()
    server.shutdown()
    server.server_close()


def read_blob(src: object, digest: str, size: int) -> bytes:
    with src.open_blob(digest, size) as fh:  # type: ignore[attr-defined]
        data: bytes = fh.read()
    return data


def test_legacy_docker_save_export(engine: FakeEngine) -> None:
    engine.add("app:1", sha(CONFIG), legacy_export())
    with open_engine_source("docker:app:1", engine.options) as src:
        root = src.root_manifest()
        doc = json.loads(root.body)
        assert root.digest == sha(root.body)
        assert doc["config"]["digest"] == sha(CONFIG)
        assert [(layer["digest"], layer["mediaType"]) for layer in doc["layers"]] == [
            (sha(LAYER1), "application/vnd.oci.image.layer.v1.tar"),
            (sha(LAYER2), "application/vnd.oci.image.layer.v1.tar+gzip"),
        ]
        assert read_blob(src, sha(LAYER1), len(LAYER1)) == LAYER1
        assert read_blob(src, sha(LAYER2), len(LAYER2)) == LAYER2
        assert read_blob(src, sha(CONFIG), len(CONFIG)) == CONFIG
        assert src.info.kind == "engine" and src.info.details["image_id"] == sha(CONFIG)
    # Inspected first, then exported exactly once.
    assert [p.split("?")[0] for p in engine.seen] == ["/images/app:1/json", "/images/get"]
    cache = engine.sock.parent / "cache" / "blobs" / "sha256"
    assert (cache / sha(LAYER1)[7:]).read_bytes() == LAYER1
    assert list((engine.sock.parent / "cache" / "tmp").iterdir()) == []  # no temp files left


def test_oci_style_export_keeps_the_real_manifest(engine: FakeEngine) -> None:
    tar, oci_manifest = oci_export()
    engine.add("app:1", sha(CONFIG), tar)
    with open_engine_source("app:1", engine.options) as src:
        root = src.root_manifest()
        assert root.body == oci_manifest and root.digest == sha(oci_manifest)
        assert src.fetch_manifest(sha(oci_manifest)) is root
        assert read_blob(src, sha(LAYER1), len(LAYER1)) == LAYER1
        with pytest.raises(ImageError, match="does not have size"):
            read_blob(src, sha(LAYER1), len(LAYER1) + 1)
        with pytest.raises(ImageError, match="does not contain blob"):
            read_blob(src, "sha256:" + "7" * 64, 1)


def test_missing_image(engine: FakeEngine) -> None:
    with (
        open_engine_source("docker:nope:1", engine.options) as src,
        pytest.raises(ImageError, match=r"not in the engine .*pull or build it first"),
    ):
        src.root_manifest()


def test_export_of_another_image_is_refused(engine: FakeEngine) -> None:
    engine.add("app:1", "sha256:" + "9" * 64, legacy_export())
    with (
        open_engine_source("app:1", engine.options) as src,
        pytest.raises(ImageError, match="does not contain its image id"),
    ):
        src.root_manifest()


def test_truncated_export(engine: FakeEngine) -> None:
    engine.add("app:1", sha(CONFIG), legacy_export()[:3000])
    with (
        open_engine_source("app:1", engine.options) as src,
        pytest.raises(ImageError, match=r"not a valid tar|no manifest\.json"),
    ):
        src.root_manifest()
    assert list((engine.sock.parent / "cache" / "tmp").iterdir()) == []


def test_engine_that_stalls_mid_export(engine: FakeEngine) -> None:
    data = legacy_export()
    engine.images["app:1"] = (sha(CONFIG), lambda: iter([data[:2048], b"HANG"]))
    start = time.monotonic()
    with (
        open_engine_source("app:1", engine.options) as src,
        pytest.raises(ImageError, match="stopped sending the export"),
    ):
        src.root_manifest()
    assert time.monotonic() - start < 10


def test_bad_names_and_hosts(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a valid name"):
        open_engine_source("docker:../../etc")
    with pytest.raises(InputError, match="not supported"):
        open_engine_source("app:1", EngineOptions(host="ssh://user@host"))
    with pytest.raises(ImageError, match="does not exist"):
        open_engine_source("app:1", EngineOptions(host=f"unix://{tmp_path}/none.sock"))


@pytest.mark.images
def test_real_docker_archive_through_the_socket(engine: FakeEngine, test_images: Path) -> None:
    layout = test_images / "oci"
    index = json.loads((layout / "index.json").read_text())
    want = next(
        d["digest"]
        for d in index["manifests"]
        if d["annotations"]["org.opencontainers.image.ref.name"] == "python-npm"
    )
    oci_manifest = json.loads((layout / "blobs" / "sha256" / want[7:]).read_text())
    config_digest = oci_manifest["config"]["digest"]
    diff_ids = json.loads((layout / "blobs" / "sha256" / config_digest[7:]).read_text())["rootfs"][
        "diff_ids"
    ]
    engine.add(
        "hullcheck/python-npm:latest",
        config_digest,
        test_images / "docker-archive" / "python-npm.tar",
    )
    with open_engine_source("docker:hullcheck/python-npm:latest", engine.options) as src:
        doc = json.loads(src.root_manifest().body)
        assert doc["config"]["digest"] == config_digest
        assert [layer["digest"] for layer in doc["layers"]] == diff_ids
        for desc in doc["layers"]:
            h = hashlib.sha256()
            with src.open_blob(desc["digest"], desc["size"]) as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            assert f"sha256:{h.hexdigest()}" == desc["digest"]


def test_end_to_end_through_open_image(engine: FakeEngine, tmp_path: Path) -> None:
    """``docker:NAME`` through the dispatcher, the image model and the walker."""
    from hullcheck.sources.api import open_image
    from hullcheck.sources.open import SourceOptions

    engine.add("app:1", sha(CONFIG), legacy_export())
    options = SourceOptions(
        cache_dir=tmp_path / "cache", timeout=5, extra={"engine_host": f"unix://{engine.sock}"}
    )
    with open_image("docker:app:1", options=options) as handle:
        assert handle.image.config_digest == sha(CONFIG)
        assert [layer.digest for layer in handle.image.layers] == [sha(LAYER1), sha(LAYER2)]
        result = handle.walk()
        assert result.complete
        assert result.view.get("/etc/os-release") is not None
        assert result.view.get("/app/run.sh") is not None


def test_export_whose_index_json_names_an_index_uses_manifest_json(engine: FakeEngine) -> None:
    nested = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + "5" * 64,
                    "size": 9,
                    "platform": {"os": "linux", "architecture": "arm64"},
                }
            ],
        }
    ).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": sha(nested),
                "size": len(nested),
            }
        ],
    }
    manifest = [
        {
            "Config": f"blobs/sha256/{sha(CONFIG)[7:]}",
            "RepoTags": ["app:1"],
            "Layers": [f"blobs/sha256/{sha(LAYER1)[7:]}"],
        }
    ]
    engine.add(
        "app:1",
        sha(CONFIG),
        archive(
            [
                (f"blobs/sha256/{sha(LAYER1)[7:]}", LAYER1),
                (f"blobs/sha256/{sha(CONFIG)[7:]}", CONFIG),
                (f"blobs/sha256/{sha(nested)[7:]}", nested),
                ("index.json", json.dumps(index).encode()),
                ("manifest.json", json.dumps(manifest).encode()),
            ]
        ),
    )
    with open_engine_source("app:1", engine.options) as src:
        doc = json.loads(src.root_manifest().body)
        assert doc["config"]["digest"] == sha(CONFIG)
        assert [layer["digest"] for layer in doc["layers"]] == [sha(LAYER1)]


def test_plain_reference_prefers_the_local_engine_then_the_registry(
    engine: FakeEngine, tmp_path: Path
) -> None:
    """``app:1`` is read from the engine that holds it; ``other:2`` goes to its registry."""
    from hullcheck.sources.open import SourceOptions, open_source

    engine.add("app:1", sha(CONFIG), legacy_export())
    options = SourceOptions(
        cache_dir=tmp_path / "cache", timeout=5, extra={"engine_host": f"unix://{engine.sock}"}
    )
    local = open_source("app:1", None, options)
    try:
        assert local.info.kind == "engine"
    finally:
        local.close()
    remote = open_source("other:2", None, options)
    try:
        assert remote.info.kind == "registry"
    finally:
        remote.close()
    assert "/images/other:2/json" in engine.seen
    # An explicit transport is never second-guessed.
    explicit = open_source("registry:app:1", None, options)
    try:
        assert explicit.info.kind == "registry"
    finally:
        explicit.close()


def test_no_engine_means_the_registry_without_delay(tmp_path: Path) -> None:
    import time

    from hullcheck.sources.engine import engine_has_image

    start = time.monotonic()
    missing = {"engine_host": f"unix://{tmp_path / 'absent.sock'}"}
    assert not engine_has_image("app:1", type("O", (), {"extra": missing})())
    assert time.monotonic() - start < 1.0
