"""The blob cache: verified atomic writes, LRU eviction, concurrent use, cache clean."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import BinaryIO

import pytest

from hullcheck.cli.main import main
from hullcheck.errors import ImageError
from hullcheck.sources.api import ImageHandle
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.cache import BlobCache, default_cache_dir
from hullcheck.sources.open import SourceOptions, open_source
from hullcheck.sources.resolve import resolve_image
from tests.fixtures.imagebuilder import File, Layer, make_image


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_put_get_and_refuse_mismatch(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c")
    data = b"hello"
    path = cache.put(_digest(data), data)
    assert path.read_bytes() == data
    assert cache.get(_digest(data)) == path
    with pytest.raises(ImageError, match="does not match"):
        cache.put(_digest(b"other"), data)
    assert cache.get(_digest(b"other")) is None
    assert list((tmp_path / "c" / "tmp").iterdir()) == []  # nothing half-written left


def test_lru_eviction(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c", max_bytes=250)
    blobs = [bytes([i]) * 100 for i in range(3)]
    for i, b in enumerate(blobs[:2]):
        cache.put(_digest(b), b)
        os.utime(cache.get(_digest(b)) or "", (1000 + i, 1000 + i))
    cache.get(_digest(blobs[0]))  # blob 0 becomes most recently used
    cache.put(_digest(blobs[2]), blobs[2])
    assert cache.get(_digest(blobs[1])) is None
    assert cache.get(_digest(blobs[0])) is not None
    assert cache.usage() == (2, 200)


def test_concurrent_writers_of_the_same_blob(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "c")
    data = os.urandom(1 << 20)
    errors: list[BaseException] = []

    def store() -> None:
        try:
            cache.put(_digest(data), data)
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert (cache.get(_digest(data)) or Path()).read_bytes() == data
    assert list((tmp_path / "c" / "tmp").iterdir()) == []


def test_default_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("HULLCHECK_CACHE_DIR", raising=False)
    assert default_cache_dir() == tmp_path / "xdg" / "hullcheck"
    monkeypatch.setenv("HULLCHECK_CACHE_DIR", str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert default_cache_dir(str(tmp_path / "flag")) == tmp_path / "flag"


class _CountingRemote:
    """An OCI layout pretending to be a registry, counting blob downloads."""

    def __init__(self, reference: str) -> None:
        self._inner = open_source(reference)
        self.opened: list[str] = []

    @property
    def info(self) -> SourceInfo:
        return SourceInfo("registry", "fake/registry:1")

    def root_manifest(self) -> Manifest:
        return self._inner.root_manifest()

    def fetch_manifest(self, digest: str) -> Manifest:
        return self._inner.fetch_manifest(digest)

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        self.opened.append(digest)
        return self._inner.open_blob(digest, size)

    def close(self) -> None:
        self._inner.close()


def test_remote_layers_are_cached_once_verified(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("a", b"1" * 1000)]), Layer([File("b", b"2")])])
    options = SourceOptions(cache_dir=tmp_path / "cache")
    for run in range(2):
        remote = _CountingRemote(img.reference)
        handle = ImageHandle(remote, resolve_image(remote), options)
        result = handle.walk()
        handle.close()
        assert result.complete
        layer_opens = [d for d in remote.opened if d in img.layer_digests]
        assert layer_opens == (img.layer_digests if run == 0 else [])
    cache = BlobCache(tmp_path / "cache")
    assert all(cache.get(d) for d in img.layer_digests)


def test_corrupt_remote_layer_is_not_cached(tmp_path: Path) -> None:
    probe = make_image(tmp_path / "p", [Layer([File("a", os.urandom(5000))])])
    blob = probe.blobs[probe.layer_digests[0]]
    img = make_image(tmp_path / "i", [Layer([File("a", b"")], blob=blob[:-10])])
    remote = _CountingRemote(img.reference)
    options = SourceOptions(cache_dir=tmp_path / "cache")
    result = ImageHandle(remote, resolve_image(remote), options).walk()
    assert not result.complete
    assert BlobCache(tmp_path / "cache").usage() == (0, 0)
    assert list((tmp_path / "cache" / "tmp").iterdir()) == []


def test_cache_clean_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = BlobCache(tmp_path / "c")
    cache.put(_digest(b"x"), b"x")
    assert main(["cache", "info", "--cache-dir", str(tmp_path / "c")]) == 0
    assert "1 blobs, 1 bytes" in capsys.readouterr().out
    assert main(["cache", "clean", "--cache-dir", str(tmp_path / "c")]) == 0
    assert "removed 1 blobs" in capsys.readouterr().out
    assert cache.usage() == (0, 0)
