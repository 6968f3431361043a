"""Overall deadlines: a registry or engine that trickles its headers or body a byte a
second is given up on within a bounded time, named, and nothing it sent is reported.

The per-read timeout of httpx never fires on a trickle (every byte arrives in time), so
these use a fake server: the real registry cannot be made to misbehave this way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hullcheck.errors import RegistryError
from hullcheck.sources.engine import EngineOptions
from hullcheck.sources.httpdeadline import body_deadline, header_deadline
from hullcheck.sources.registry import RegistryOptions
from tests.fixtures.imagebuilder import File, Layer, build_tar, make_image
from tests.fuzz.cli_harness import World
from tests.sources.test_registry_faults import (
    BLOB,
    BLOB_DIGEST,
    FakeServer,
    Handler,
    fake,
    read_all,
    registry_app,
    root_manifest,
    send,
)

__all__ = ["fake"]  # the fixture, imported for pytest

# 1.5 s per read: a byte a second never trips it, so only the overall deadlines can end these
TRICKLE = RegistryOptions(timeout=1.5, retries=1, backoff=0.01, max_retry_wait=1.0)
KEY_ID = "AKIA" + "Z7QWERTYUIOPASDF"
SECRET = f'AWS_ACCESS_KEY_ID = "{KEY_ID}"\n'.encode()


def trickle(h: Handler, data: bytes, stop: Callable[[], bool]) -> None:
    for i in range(len(data)):
        if stop():
            return
        h.wfile.write(data[i : i + 1])
        h.wfile.flush()
        time.sleep(1.0)


def test_the_default_deadlines_exist_and_are_finite() -> None:
    reg = RegistryOptions()
    eng = EngineOptions()
    for timeout in (reg.timeout, eng.timeout):
        assert 0 < timeout < 600
        assert math.isfinite(header_deadline(timeout))
    # a 1 KiB blob gets about the grace; a 1 GiB blob hours, never forever
    assert body_deadline(1024, reg.timeout) < reg.timeout + 1
    assert 3600 < body_deadline(1 << 30, reg.timeout) < 6 * 3600
    assert math.isfinite(body_deadline(None, reg.timeout))


def test_header_trickle_ends_at_the_header_deadline(fake: Callable[..., FakeServer]) -> None:
    def manifest(h: Handler, n: int) -> None:
        trickle(h, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", srv.stop.is_set)

    srv = fake(registry_app(manifest=manifest))
    start = time.monotonic()
    with pytest.raises(RegistryError) as err:
        root_manifest(f"127.0.0.1:{srv.port}/test/app:1", TRICKLE)
    elapsed = time.monotonic() - start
    msg = str(err.value)
    assert f"127.0.0.1:{srv.port} stalled" in msg
    assert "response headers" in msg
    assert elapsed < header_deadline(TRICKLE.timeout) + 2


def test_body_trickle_ends_at_the_body_deadline(fake: Callable[..., FakeServer]) -> None:
    small = BLOB[:4096]

    def blob(h: Handler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(small)))
        h.end_headers()
        trickle(h, small, srv.stop.is_set)

    srv = fake(registry_app(blob=blob))
    start = time.monotonic()
    with pytest.raises(RegistryError) as err:
        read_all(srv, TRICKLE, size=len(small))
    elapsed = time.monotonic() - start
    msg = str(err.value)
    assert f"from 127.0.0.1:{srv.port}" in msg
    assert "body stalled" in msg
    assert elapsed < body_deadline(len(small), TRICKLE.timeout) + 2


def test_a_full_speed_blob_is_not_cut(fake: Callable[..., FakeServer]) -> None:
    srv = fake(registry_app())
    assert read_all(srv, TRICKLE) == BLOB
    assert BLOB_DIGEST.startswith("sha256:")


# -- the same through the CLI: exit 2, one error line, nothing from the served bytes ----


def image_registry(
    blobs: dict[str, bytes], manifest: bytes, media_type: str
) -> Callable[..., None]:
    def app(h: Handler, n: int) -> None:
        if h.path == "/v2/":
            send(h, 200, b"{}")
        elif "/manifests/" in h.path:
            send(h, 200, manifest, {"Content-Type": media_type})
        elif "/blobs/" in h.path:
            digest = h.path.rsplit("/", 1)[1]
            if digest in blobs:
                send(h, 200, blobs[digest])
            else:
                send(h, 404)
        else:
            send(h, 404)

    return app


def layer_files(module: str, package: str) -> list[File]:
    dist = f"usr/lib/python3/dist-packages/{package}-1.0.dist-info/METADATA"
    meta = f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n".encode()
    return [File(f"app/{module}.py", SECRET), File(dist, meta)]


def served_image(tmp_path: Path) -> tuple[dict[str, bytes], bytes, str, list[str]]:
    image = make_image(
        tmp_path / "img",
        [Layer(layer_files("settings", "goodpkg"), compression="none")],
        form="oci",
    )
    manifest = image.blobs[image.manifest_digest]
    return (
        dict(image.blobs),
        manifest,
        "application/vnd.oci.image.manifest.v1+json",
        (image.layer_digests),
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("hullcheck: error:")]


@pytest.mark.parametrize("command", ["scan", "sbom"])
def test_cli_tampered_layer_is_refused_and_nothing_from_it_is_reported(
    fake: Callable[..., FakeServer], tmp_path: Path, command: str
) -> None:
    blobs, manifest, media_type, layers = served_image(tmp_path)
    # a valid tar of the same size holding the secret under another name: what a
    # tampering mirror could serve; its digest differs only at the end of the stream
    evil = build_tar(layer_files("evil", "evilpkg"))
    assert len(evil) == len(blobs[layers[0]]) and evil != blobs[layers[0]]
    honest = fake(image_registry(dict(blobs), manifest, media_type))
    blobs[layers[0]] = evil
    srv = fake(image_registry(blobs, manifest, media_type))
    world = World(tmp_path / "world")
    extra = ["--no-vulns", "--fail-on", "none"] if command == "scan" else []
    # the control: served honestly, the layer's file is in the output
    # (its own world: the honest blob must not be in the cache the tampered run reads)
    good = World(tmp_path / "control").run(
        command, f"127.0.0.1:{honest.port}/test/app:1", "-f", "json", *extra
    )
    assert good.code == 0, good.stderr
    assert ("settings.py" if command == "scan" else "goodpkg") in good.stdout
    run = world.run(command, f"127.0.0.1:{srv.port}/test/app:1", "-f", "json", *extra, timeout=60)
    assert run.code == 2, run.stderr
    lines = error_lines(run.stderr)
    assert len(lines) == 1, run.stderr
    assert "does not match its digest" in lines[0]
    assert "evil" not in run.stdout and KEY_ID[:8] not in run.stdout
    assert run.max_rss_kib < 256 * 1024


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_cli_trickle_ends_with_one_error_naming_the_host(
    fake: Callable[..., FakeServer], tmp_path: Path, stage: str
) -> None:
    blobs, manifest, media_type, layers = served_image(tmp_path)
    base = image_registry(blobs, manifest, media_type)

    def app(h: Handler, n: int) -> None:
        if layers[0].partition(":")[2] not in h.path:
            base(h, n)
        elif stage == "headers":
            trickle(h, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", srv.stop.is_set)
        else:
            data = blobs[layers[0]]
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            trickle(h, data, srv.stop.is_set)

    srv = fake(app)
    world = World(tmp_path / "world")
    run = world.run(
        "scan",
        f"127.0.0.1:{srv.port}/test/app:1",
        "--no-vulns",
        "--timeout",
        "1.5",
        timeout=60,
    )
    assert run.code == 2, run.stderr
    lines = error_lines(run.stderr)
    assert len(lines) == 1, run.stderr
    assert f"127.0.0.1:{srv.port}" in lines[0]
    assert ("response headers" if stage == "headers" else "body stalled") in lines[0]
    assert KEY_ID[:8] not in run.stdout
    assert run.seconds < 30
    assert run.max_rss_kib < 256 * 1024


# -- db update goes through the same client -------------------------------------------


@pytest.mark.parametrize("stage", ["headers", "body"])
def test_db_update_trickle_ends_naming_the_mirror(
    fake: Callable[..., FakeServer], tmp_path: Path, stage: str
) -> None:
    from hullcheck.errors import DatabaseError
    from hullcheck.vulns.update import update_database

    def app(h: Handler, n: int) -> None:
        if stage == "headers":
            trickle(h, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", srv.stop.is_set)
        else:
            h.send_response(200)
            h.send_header("Content-Length", "4096")
            h.end_headers()
            trickle(h, b"P" * 4096, srv.stop.is_set)

    srv = fake(app)
    db = tmp_path / "db" / "osv.sqlite3"
    start = time.monotonic()
    with pytest.raises(DatabaseError) as err:
        update_database(db, ["PyPI"], mirror=f"http://127.0.0.1:{srv.port}", timeout=1.5)
    assert f"127.0.0.1:{srv.port} stalled" in str(err.value)
    assert ("response headers" if stage == "headers" else "body stalled") in str(err.value)
    assert time.monotonic() - start < 8
    assert not db.exists()
    assert list(db.parent.iterdir()) == []  # no half-written download left behind
