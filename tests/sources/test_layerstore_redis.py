"""Layer records shared through a real redis-server: fleet workers on different machines
(here: different local cache directories) read a shared base layer once, a record
anyone could write is trusted only with the operator's HMAC key, and a Redis that dies
or stops answering never fails a scan."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as RedisClient

from hullcheck.cli.main import main
from hullcheck.imagerules.base import ScanSettings
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources import layerstore_redis
from hullcheck.sources.layerstore_redis import KEY_ENV, PREFIX, RedisLayerCache
from hullcheck.sources.open import SourceOptions
from tests.fixtures.imagebuilder import BuiltImage
from tests.fleet.conftest import Redis, start_redis
from tests.imagerules.helpers import NOW
from tests.sources.shared_store import cache_warnings, scan_through, without_cache_warnings
from tests.sources.test_layercache import _cached, _doc, _packages, _secret_files, images

__all__ = ["images"]  # the fixture, shared with the local store's tests


@pytest.fixture
def redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Redis]:
    monkeypatch.setenv(KEY_ENV, "operator-key")
    server = start_redis(tmp_path / "redis")
    try:
        yield server
    finally:
        if server.process.poll() is None:
            os.kill(server.process.pid, signal.SIGCONT)
        server.stop()


def _client(redis: Redis) -> Any:
    import redis as redis_mod

    return redis_mod.Redis.from_url(redis.url)


def test_two_machines_share_the_base_layer(
    tmp_path: Path, redis: Redis, images: dict[str, BuiltImage]
) -> None:
    cleaner, plain = images["cleaner"].reference, images["plain"].reference
    first = scan_through(cleaner, tmp_path / "machine-a", redis.url)
    assert _cached(first) == []
    assert len(list(_client(redis).scan_iter(match=PREFIX + "*"))) == 2
    ttl = _client(redis).ttl(next(iter(_client(redis).scan_iter(match=PREFIX + "*"))))
    assert 29 * 86400 < ttl <= 30 * 86400
    second = scan_through(plain, tmp_path / "machine-b", redis.url)
    assert _cached(second) == [0]  # the base, recorded by the other machine
    assert not (tmp_path / "machine-b" / "layers").exists()
    assert cache_warnings(second) == []
    assert _doc(second) == _doc(scan_through(plain, tmp_path / "none", None))
    assert _packages(second) == {f"p{i}" for i in range(30)}
    assert _secret_files(second) == {
        ("/root/.ssh/id_ed25519", 0): None,
        ("/app/settings.py", 0): None,
    }


@pytest.mark.parametrize("how", ["flip", "other-key"])
def test_a_record_without_the_operators_hmac_is_ignored(
    tmp_path: Path,
    redis: Redis,
    images: dict[str, BuiltImage],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    plain = images["plain"].reference
    clean = _doc(scan_through(plain, tmp_path / "none", None))
    scan_through(images["cleaner"].reference, tmp_path / "a", redis.url)
    client = _client(redis)
    names = list(client.scan_iter(match=PREFIX + "*"))
    assert len(names) == 2
    if how == "flip":
        for name in names:  # one byte of the compressed body
            value = bytearray(client.get(name))
            value[-5] ^= 0x01
            client.set(name, bytes(value))
    else:  # rewritten by someone with another key: a well-formed record, wrong HMAC
        monkeypatch.setenv(KEY_ENV, "attacker-key")
        scan_through(images["cleaner"].reference, tmp_path / "attacker", f"{redis.url}?ttl=60")
        attacker = RedisLayerCache(redis.url, tmp_path)
        for name in names:
            value = client.get(name)
            magic, _, rest = value.partition(b"\n")
            _, _, payload = rest.partition(b"\n")
            client.set(
                name, magic + b"\n" + attacker._mac(name.decode(), payload) + b"\n" + payload
            )
        monkeypatch.setenv(KEY_ENV, "operator-key")
    report = scan_through(plain, tmp_path / "b", redis.url)
    assert _cached(report) == []
    warnings = cache_warnings(report)
    assert warnings and all("HMAC does not verify" in w for w in warnings)
    assert without_cache_warnings(report) == clean


def test_redis_killed_midscan_through(
    tmp_path: Path, redis: Redis, images: dict[str, BuiltImage], monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = images["cleaner"].reference
    clean = _doc(scan_through(ref, tmp_path / "none", None))
    real_load = RedisLayerCache.load

    def load_then_kill(self: RedisLayerCache, *args: Any) -> Any:
        out = real_load(self, *args)  # the first layer's lookup reaches the server
        if redis.process.poll() is None:
            redis.process.kill()
            redis.process.wait(10)
        return out

    monkeypatch.setattr(RedisLayerCache, "load", load_then_kill)
    report = scan_through(ref, tmp_path / "a", redis.url)
    warnings = cache_warnings(report)
    assert len(warnings) == 1 and "unreachable" in warnings[0]
    assert without_cache_warnings(report) == clean


def test_redis_that_stops_answering_costs_one_timeout(
    tmp_path: Path,
    redis: Redis,
    images: dict[str, BuiltImage],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(layerstore_redis, "TIMEOUT", 0.5)
    ref = images["plain"].reference
    clean = _doc(scan_through(ref, tmp_path / "none", None))
    os.kill(redis.process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    report = scan_through(ref, tmp_path / "a", redis.url)
    warnings = cache_warnings(report)
    assert len(warnings) == 1 and "unreachable" in warnings[0]
    assert without_cache_warnings(report) == clean


def test_a_redis_layer_cache_needs_the_key(
    tmp_path: Path,
    images: dict[str, BuiltImage],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    argv = ["scan", "--cache-dir", str(tmp_path / "c"), "--layer-cache", "redis://127.0.0.1:1/0"]
    assert main([*argv, images["plain"].reference]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error:" in err[0] and KEY_ENV in err[0]


def test_cache_info_and_clean_reach_the_redis_records_and_only_them(
    tmp_path: Path,
    redis: Redis,
    images: dict[str, BuiltImage],
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = RedisClient.from_url(redis.url)
    client.set("celery-task-meta-1", b"a Celery result sharing the database")
    scan_through(images["cleaner"].reference, tmp_path / "a", redis.url)
    records = len(list(client.scan_iter(match=PREFIX + "*")))
    assert records == 2
    cache = ["--cache-dir", str(tmp_path / "a"), "--layer-cache", redis.url]
    capsys.readouterr()
    assert main(["cache", "info", *cache]) == 0
    out = capsys.readouterr().out
    assert f"redis://127.0.0.1:{redis.port}/0: 2 layer records" in out
    assert main(["cache", "clean", *cache]) == 0
    assert "removed 2 layer records" in capsys.readouterr().out
    assert list(client.scan_iter(match=PREFIX + "*")) == []
    assert client.get("celery-task-meta-1") is not None  # not hullcheck's: kept
    assert main(["cache", "info", *cache]) == 0
    assert ": 0 layer records" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis://:hunter2-secret@127.0.0.1:1/0", "unreachable"),
        ("redis://:hunter2-secret@[::1/0", "not a redis URL"),
    ],
)
def test_cache_info_on_a_bad_redis_is_one_error_without_the_password(
    tmp_path: Path, redis: Redis, capsys: pytest.CaptureFixture[str], url: str, says: str
) -> None:
    assert main(["cache", "info", "--cache-dir", str(tmp_path), "--layer-cache", url]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and says in err[0], err
    assert "hunter2" not in captured.out + captured.err


def test_layers_the_store_holds_are_replayed_not_handed_to_the_helper(
    tmp_path: Path, redis: Redis, images: dict[str, BuiltImage]
) -> None:
    cleaner = images["cleaner"].reference

    def scan(cache: Path) -> Any:
        options = SourceOptions(cache_dir=cache, parallel=True)
        request = ScanRequest(
            cleaner,
            options=options,
            settings=ScanSettings(now=NOW),
            layer_cache_url=redis.url,
        )
        return scan_image(request)

    first = scan(tmp_path / "machine-a")  # layer 1 read by the helper, stored from here
    assert _cached(first) == []
    assert len(list(_client(redis).scan_iter(match=PREFIX + "*"))) == 2
    again = scan(tmp_path / "machine-b")
    assert _cached(again) == [0, 1]
    assert _doc(again) == _doc(first)


def test_an_oversized_value_is_refused_after_one_byte_too_many(
    tmp_path: Path, redis: Redis, images: dict[str, BuiltImage]
) -> None:
    scan_through(images["cleaner"].reference, tmp_path / "a", redis.url)
    name = next(iter(_client(redis).scan_iter(match=PREFIX + "*"))).decode()
    value = _client(redis).get(name)
    store = RedisLayerCache(redis.url, tmp_path)
    assert store._fetch(name) == value
    store.max_value = 100
    assert store._fetch(name) == value[:101]  # read up to one byte past the limit, no more
    assert store._fetch(PREFIX + "absent") is None
    diff_id, fingerprint = name.removeprefix(PREFIX).rsplit(":", 1)
    assert store.load(diff_id, fingerprint, []) is None
    assert store.warnings and "over 100 bytes" in store.warnings[-1]
