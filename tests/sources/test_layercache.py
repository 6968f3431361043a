"""The per-layer results cache: shared base layers read once, reports unchanged.

Every test compares a scan served (partly) from the cache with a scan that read every
blob (``layer_cache=False``): the reports must be the same, whiteouts and overwrites of
upper layers included, and the ``cached`` marks must say which layers were replayed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from hullcheck.imagerules.base import ScanSettings
from hullcheck.model import Practice
from hullcheck.report.json_format import render
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.secrets.allowlist import Allowlist
from hullcheck.secrets.scanner import SecretScanner
from hullcheck.sources.layercache import (
    CacheHooks,
    Entry,
    LayerCache,
    LayerRecord,
    load_facts_of,
)
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import BuiltImage, Dir, File, Layer, Whiteout, make_image
from tests.imagerules.helpers import NOW, base_layer
from tests.imagerules.test_secrets import GH_TOKEN, KEY

STATUS = b"".join(
    b"Package: p%d\nStatus: install ok installed\nVersion: 1.%d\nArchitecture: amd64\n\n" % (i, i)
    for i in range(30)
)
# a program the binary catalogers read and find nothing in
PROGRAM = b"\x7fELF" + b"\x00" * 60 + b"not a go binary" * 20


def _base() -> Layer:
    return base_layer(
        Dir("var"),
        Dir("var/lib"),
        Dir("var/lib/dpkg"),
        File("var/lib/dpkg/status", STATUS),
        File("usr/bin/tool", PROGRAM, mode=0o755),
        Dir("root"),
        Dir("root/.ssh"),
        File("root/.ssh/id_ed25519", KEY, mode=0o600),
        Dir("app"),
        File("app/settings.py", f"TOKEN = '{GH_TOKEN}'\n".encode()),
    )


def _image(tmp: Path, name: str, *upper: Layer, **kw: Any) -> BuiltImage:
    return make_image(tmp / name, [_base(), *upper], config={"User": "app"}, **kw)


def _scan(ref: str, cache: Path, *, use: bool = True, settings: ScanSettings | None = None) -> Any:
    request = ScanRequest(
        ref,
        options=SourceOptions(cache_dir=cache),
        settings=settings or ScanSettings(now=NOW),
        layer_cache=use,
    )
    return scan_image(request)


def _doc(report: Any) -> dict[str, Any]:
    doc = json.loads(render(report))
    for layer in doc["target"]["layers"]:
        layer.pop("cached", None)
    return doc


def _cached(report: Any) -> list[int]:
    return [layer["index"] for layer in report.target["layers"] if layer.get("cached")]


def _secret_files(report: Any) -> dict[tuple[str, int], str | None]:
    return {
        (f.location.file, f.location.layer_index): f.extra.get("hidden_how")
        for f in report.findings
        if f.practice is Practice.SECRETS and f.location.file
    }


def _packages(report: Any) -> set[str]:
    return {p.name for p in report.packages if p.type == "deb"}


@pytest.fixture
def images(tmp_path: Path) -> dict[str, BuiltImage]:
    return {
        # deletes the key and the package database of the base, overwrites the token
        "cleaner": _image(
            tmp_path,
            "cleaner",
            Layer(
                [
                    Whiteout("root/.ssh/id_ed25519"),
                    Whiteout("var/lib/dpkg/status"),
                    Dir("app"),
                    File("app/settings.py", b"TOKEN = None\n"),
                ],
                created_by="RUN clean",
            ),
        ),
        "plain": _image(
            tmp_path, "plain", Layer([Dir("srv"), File("srv/x", b"x")], created_by="COPY x")
        ),
    }


def test_shared_base_is_replayed_and_reports_do_not_change(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    cache = tmp_path / "cache"
    cleaner, plain = images["cleaner"].reference, images["plain"].reference
    first = _scan(cleaner, cache)
    assert _cached(first) == []
    assert LayerCache(cache).usage()[0] == 2  # both layers recorded
    second = _scan(plain, cache)
    assert _cached(second) == [0]  # the base, read once, now replayed
    again = _scan(cleaner, cache)
    assert _cached(again) == [0, 1]
    for ref, warm in ((cleaner, again), (plain, second)):
        assert _doc(warm) == _doc(_scan(ref, tmp_path / "none", use=False))
    # whole-image facts from the replayed base: the upper layer's deletions still count
    assert _secret_files(again) == {
        ("/root/.ssh/id_ed25519", 0): "deleted",
        ("/app/settings.py", 0): "overwritten",
    }
    assert _packages(again) == set()  # the dpkg database was deleted by layer 1
    assert _secret_files(second) == {
        ("/root/.ssh/id_ed25519", 0): None,
        ("/app/settings.py", 0): None,
    }
    assert _packages(second) == {f"p{i}" for i in range(30)}
    assert again.summary == first.summary  # the secrets engine's counters included


def test_damaged_record_is_ignored_with_a_warning_and_rewritten(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    cache = tmp_path / "cache"
    ref = images["plain"].reference
    clean = _doc(_scan(ref, cache))
    records = sorted((cache / "layers" / "sha256").iterdir())
    assert len(records) == 2
    for record in records:  # flip one byte in the middle of each
        data = bytearray(record.read_bytes())
        data[len(data) // 2] ^= 0xFF
        record.write_bytes(bytes(data))
    report = _scan(ref, cache)
    assert _cached(report) == []
    warnings = [d for d in report.diagnostics if d.kind == "layer-cache"]
    assert len(warnings) == 2 and "damaged" in warnings[0].message
    doc = _doc(report)
    doc["diagnostics"] = [d for d in doc["diagnostics"] if d["kind"] != "layer-cache"]
    assert doc == clean
    assert _cached(_scan(ref, cache)) == [0, 1]  # read again, stored again


def test_record_writable_by_others_is_not_trusted(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    cache = tmp_path / "cache"
    ref = images["plain"].reference
    _scan(ref, cache)
    for record in (cache / "layers" / "sha256").iterdir():
        os.chmod(record, 0o666)
    report = _scan(ref, cache)
    assert _cached(report) == []
    assert any("not trusted" in d.message for d in report.diagnostics if d.kind == "layer-cache")


def test_a_lying_diff_id_never_reuses_nor_poisons_a_record(tmp_path: Path) -> None:
    """A config that claims the base's diff_id for a blob holding something else: that
    blob is read (its secret found), and the genuine base's record stays right."""
    cache = tmp_path / "cache"
    genuine = make_image(tmp_path / "genuine", [_base()], config={"User": "app"})
    evil_layer = base_layer(Dir("srv"), File("srv/token", f"TOKEN='{GH_TOKEN}'\n".encode()))
    honest = make_image(tmp_path / "honest", [evil_layer], config={"User": "app"})
    config = json.loads(honest.blobs[honest.config_digest])
    config["rootfs"]["diff_ids"] = [genuine.diff_ids[0]]  # the lie
    liar = make_image(
        tmp_path / "liar",
        [evil_layer],
        config_bytes=json.dumps(config, sort_keys=True, separators=(",", ":")).encode(),
    )
    assert liar.layer_digests != genuine.layer_digests
    # cold: the liar's blob does not inflate to the diff_id its config claims: no record
    first = _scan(liar.reference, cache)
    assert ("/srv/token", 0) in _secret_files(first)
    assert LayerCache(cache).usage()[0] == 0
    # warm with the genuine base: the liar's other blob is still read
    _scan(genuine.reference, cache)
    report = _scan(liar.reference, cache)
    assert _cached(report) == []
    assert ("/srv/token", 0) in _secret_files(report)
    replay = _scan(genuine.reference, cache)
    assert _cached(replay) == [0]
    assert ("/srv/token", 0) not in _secret_files(replay)


def test_other_secrets_settings_do_not_share_records(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    cache = tmp_path / "cache"
    ref = images["plain"].reference
    _scan(ref, cache)

    scanner = SecretScanner(allowlist=Allowlist(paths=(re.compile(r"^/app/"),)))
    allowing = ScanSettings(now=NOW, secrets=scanner)
    report = _scan(ref, cache, settings=allowing)
    assert _cached(report) == []  # another fingerprint: read, not replayed
    assert ("/app/settings.py", 0) not in _secret_files(report)
    assert _cached(_scan(ref, cache, settings=allowing)) == [0, 1]


def test_layer_with_unreadable_entries_is_not_recorded(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    odd = Layer([Dir("srv"), File(b"srv/\xff\xfename", b"x")], created_by="COPY odd")
    img = make_image(tmp_path / "odd", [_base(), odd], config={"User": "app"})
    _scan(img.reference, cache)
    assert LayerCache(cache).usage()[0] == 1  # the base only
    assert _cached(_scan(img.reference, cache)) == [0]


def test_cache_is_bounded(tmp_path: Path, images: dict[str, BuiltImage]) -> None:
    cache = tmp_path / "cache"
    _scan(images["plain"].reference, cache)
    layers = LayerCache(cache)
    count, size = layers.usage()
    assert count == 2
    removed, _ = layers.evict(size - 1)
    assert removed >= 1 and layers.usage()[1] <= size - 1
    (cache / "layers" / "sha256" / "unrelated").write_bytes(b"keep")
    layers.evict(0)
    assert layers.usage() == (0, 0)
    assert (cache / "layers" / "sha256" / "unrelated").exists()  # only records are removed


def test_a_local_blob_changed_since_it_was_recorded_is_read_not_replayed(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    cache = tmp_path / "cache"
    img = images["plain"]
    _scan(img.reference, cache)
    base = img.path / "blobs" / "sha256" / img.layer_digests[0].removeprefix("sha256:")
    other = make_image(tmp_path / "other", [base_layer()], config={"User": "app"})
    base.write_bytes(other.blobs[other.layer_digests[0]])  # no longer matches its name
    report = _scan(img.reference, cache)
    assert 0 not in _cached(report)
    assert any(d.kind == "layer-unreadable" for d in report.diagnostics)


def test_layers_with_too_many_entries_are_not_recorded(
    tmp_path: Path, images: dict[str, BuiltImage], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hullcheck.sources import walker

    monkeypatch.setattr(walker, "MAX_RECORD_EVENTS", 3)
    cache = tmp_path / "cache"
    ref = images["plain"].reference
    _scan(ref, cache)
    assert LayerCache(cache).usage()[0] == 1  # the base has more than 3 entries
    assert _cached(_scan(ref, cache)) == [1]


def test_a_rewritten_record_keeps_the_blobs_it_listed(tmp_path: Path) -> None:
    """The same layer stored gzip-compressed by one image and zstd by another: the record
    lists both stored forms, so either replays it without being read again."""
    from hullcheck.sources.layercache import LayerRecord

    cache = LayerCache(tmp_path)
    diff_id, fingerprint = "sha256:" + "1" * 64, "f" * 64
    for blob in ("sha256:" + "a" * 64, "sha256:" + "b" * 64):
        cache.store(LayerRecord(diff_id, fingerprint, blobs=[blob], uncompressed_size=10))
    assert cache.peek_blobs(diff_id, fingerprint) == ["sha256:" + "a" * 64, "sha256:" + "b" * 64]
    assert cache.peek_blobs(diff_id, "0" * 64) == []


def test_a_named_directory_holds_the_records_and_serves_another_cache_dir(
    tmp_path: Path, images: dict[str, BuiltImage]
) -> None:
    """``--layer-cache DIR``: records in DIR itself, shared by scans whose own caches differ."""
    shared = tmp_path / "shared-layers"

    def scan(ref: str, cache: str) -> Any:
        request = ScanRequest(
            ref,
            options=SourceOptions(cache_dir=tmp_path / cache),
            settings=ScanSettings(now=NOW),
            layer_cache_url=str(shared),
        )
        return scan_image(request)

    cleaner, plain = images["cleaner"].reference, images["plain"].reference
    first = scan(cleaner, "one")
    assert _cached(first) == []
    assert len([p for p in shared.rglob("*") if p.is_file()]) == 2  # both layers, in DIR
    assert not (tmp_path / "one" / "layers").exists()  # not in the scan's own cache
    second = scan(plain, "two")
    assert _cached(second) == [0]  # the base, recorded by the other scan
    assert _doc(second) == _doc(_scan(plain, tmp_path / "fresh", use=False))


def test_loading_facts_keeps_every_other_field_of_an_entry() -> None:
    """``load_facts_of`` copies entries field by field (for speed): a field added to
    ``Entry`` and forgotten there would be lost on every replay."""
    hooks = CacheHooks(key="k", fact=lambda ref, data: 1, load=lambda v: ("loaded", v), apply=print)
    sub = Subscription("s", on_file=print, cache=hooks)
    values: dict[str, Any] = {
        f.name: f"v-{f.name}" for f in dataclasses.fields(Entry) if f.name != "facts"
    }
    entry = Entry(**values, facts={0: 7})
    plain = Entry(**{**values, "path": "other"})
    record = LayerRecord("sha256:" + "0" * 64, "fp", [], 0, events=[entry, plain])
    loaded = load_facts_of(record, [sub])
    first, second = loaded.events
    assert isinstance(first, Entry)
    assert {n: getattr(first, n) for n in values} == values
    assert first.facts == {0: ("loaded", 7)}
    assert second is plain
    assert record.events[0] is entry and entry.facts == {0: 7}
