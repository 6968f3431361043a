"""A forked helper reads later layers while the walk reads the first: same reports.

Every scan here runs twice, with ``parallel=True`` (the helper forced, whatever the
machine's cores) and ``parallel=False``; the JSON reports must be equal, findings,
packages, counters, warnings and errors included.  The images hold what a helper could
get wrong: a hard link to a file of a lower layer (the helper has not read it), a secret
deleted and one overwritten by later layers, a dpkg database replaced, a layer that cannot
be recorded (an oddity), one that does not match its digest, and a helper that dies.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hullcheck.imagerules.base import ScanSettings
from hullcheck.report.json_format import render
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources import layerhelper, walker
from hullcheck.sources.layercache import LayerCache
from hullcheck.sources.layerhelper import LayerHelper
from hullcheck.sources.limits import Deadline, ReadTimeout
from hullcheck.sources.open import SourceOptions
from hullcheck.sources.walker import Walker
from tests.fixtures.imagebuilder import (
    Dir,
    File,
    Hardlink,
    Layer,
    Whiteout,
    make_image,
)
from tests.imagerules.helpers import NOW, base_layer
from tests.imagerules.test_secrets import GH_TOKEN, KEY

STATUS = b"".join(
    b"Package: p%d\nStatus: install ok installed\nVersion: 1.%d\nArchitecture: amd64\n\n" % (i, i)
    for i in range(12)
)
AWS = b"aws_access_key_id = AKIAQYLPMN5HHHFPZAM2\naws_secret_access_key = " + b"k" * 40 + b"\n"


def _layers(*extra: Layer) -> list[Layer]:
    base = base_layer(
        Dir("var"),
        Dir("var/lib"),
        Dir("var/lib/dpkg"),
        File("var/lib/dpkg/status", STATUS),
        Dir("usr/bin"),
        File("usr/bin/tool", b"#!/bin/sh\necho tool\n", mode=0o4755),
        Dir("root"),
        Dir("root/.ssh"),
        File("root/.ssh/id_ed25519", KEY, mode=0o600),
        Dir("app"),
        File("app/settings.py", f"TOKEN = '{GH_TOKEN}'\n".encode()),
    )
    upper = Layer(
        [
            Dir("app"),
            File("app/settings.py", b"TOKEN = None\n"),
            Hardlink("app/tool", "usr/bin/tool"),  # to a file of the layer below
            File("app/aws.ini", AWS),
        ],
        created_by="COPY app /app",
    )
    cleaner = Layer(
        [
            Whiteout("root/.ssh/id_ed25519"),
            Dir("var/lib/dpkg"),
            File("var/lib/dpkg/status", STATUS.replace(b"1.3\n", b"9.9\n")),
            Dir("tmp", mode=0o1777),
        ],
        created_by="RUN clean",
    )
    return [base, upper, cleaner, *extra]


def _scan(ref: str, cache: Path, *, parallel: bool, use_cache: bool = False) -> Any:
    request = ScanRequest(
        ref,
        options=SourceOptions(cache_dir=cache, parallel=parallel),
        settings=ScanSettings(now=NOW),
        layer_cache=use_cache,
    )
    return scan_image(request)


def _doc(report: Any) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(render(report))
    for layer in doc["target"]["layers"]:
        layer.pop("cached", None)
    return doc


HELPED: list[list[int]] = []
"""Per walk, the layers replayed from the helper's records (filled by ``helpers_started``)."""


@pytest.fixture
def helpers_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the helpers forked, counted in this process."""
    pids: list[int] = []
    real = LayerHelper.__init__
    real_run = Walker.run

    def spy(self: LayerHelper, work: Any) -> None:
        real(self, work)
        pids.append(self.pid)

    def run(self: Walker) -> Any:
        result = real_run(self)
        HELPED.append(list(result.helped_layers))
        return result

    HELPED.clear()
    monkeypatch.setattr(LayerHelper, "__init__", spy)
    monkeypatch.setattr(Walker, "run", run)
    return pids


def _reaped(pids: list[int]) -> bool:
    """Whether every one of these children has ended and been reaped (no zombie)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_reports_are_the_same_with_the_helper(tmp_path: Path, helpers_started: list[int]) -> None:
    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    alone = _scan(built.reference, tmp_path / "c1", parallel=False)
    assert helpers_started == []
    helped = _scan(built.reference, tmp_path / "c2", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED == [[], [1, 2]]  # the helper's records were used, not read again
    assert _doc(helped) == _doc(alone)
    assert not [layer for layer in helped.target["layers"] if layer.get("cached")]
    rules = {f.rule for f in helped.findings}
    # the base's key deleted and its token overwritten later, the upper layer's own key
    assert {"private-key", "github-token", "aws-access-key-id"} <= rules
    assert _reaped(helpers_started)


def test_helper_records_fill_the_layer_cache(tmp_path: Path, helpers_started: list[int]) -> None:
    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    cache = tmp_path / "cache"
    cold = _scan(built.reference, cache, parallel=True, use_cache=True)
    assert len(helpers_started) == 1
    assert HELPED == [[1, 2]]
    assert LayerCache(cache).usage()[0] == 3  # layer 0 by the walk, 1 and 2 by the helper
    warm = _scan(built.reference, cache, parallel=True, use_cache=True)
    assert len(helpers_started) == 1  # every layer replayed: nothing left to fork for
    assert [layer["index"] for layer in warm.target["layers"] if layer.get("cached")] == [0, 1, 2]
    assert _doc(warm) == _doc(cold) == _doc(_scan(built.reference, tmp_path / "n", parallel=False))


def test_a_layer_the_helper_cannot_record_is_read_by_the_walk(
    tmp_path: Path, helpers_started: list[int]
) -> None:
    odd = Layer(  # a duplicate entry: an oddity, never recorded, so never replayed
        [Dir("srv"), File("srv/a", b"one"), File("srv/a", b"two " + AWS)], created_by="odd"
    )
    built = make_image(tmp_path / "img", _layers(odd), config={"User": "app"})
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED == [[1, 2]]  # layer 3 was read again, here
    alone = _scan(built.reference, tmp_path / "c2", parallel=False)
    assert _doc(helped) == _doc(alone)
    assert any("stored earlier in the same layer" in d.message for d in helped.diagnostics)


def test_a_corrupt_later_layer_is_reported_as_without_the_helper(
    tmp_path: Path, helpers_started: list[int]
) -> None:
    layers = _layers()
    tar = layers[2].tar()
    layers[2] = Layer(tar, created_by="RUN clean", blob=b"\x1f\x8b" + b"\x00" * 40)
    built = make_image(tmp_path / "img", layers, config={"User": "app"})
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED == [[1]]
    alone = _scan(built.reference, tmp_path / "c2", parallel=False)
    assert _doc(helped) == _doc(alone)
    assert helped.errors and not helped.complete


def test_a_helper_that_dies_costs_time_not_findings(
    tmp_path: Path, helpers_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def dies(self: Walker, layers: Any, deadline: Any, inflation: Any, send: Any) -> None:
        os._exit(9)  # as a kill -9 or the OOM killer would

    monkeypatch.setattr(Walker, "_help", dies)
    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED == [[]]  # every layer read here
    alone = _scan(built.reference, tmp_path / "c2", parallel=False)
    assert _doc(helped) == _doc(alone)
    assert _reaped(helpers_started)


def test_registry_and_single_layer_images_are_not_forked(tmp_path: Path) -> None:
    layers = [Layer([File("a", b"a")]), Layer([File("b", b"b")])]
    built = make_image(tmp_path / "img", layers)
    from hullcheck.sources.api import open_image

    with open_image(built.reference) as handle:
        local = Walker(handle.source, handle.image, parallel=True)
        local._fingerprint = "fp"
        assert local._helper_wanted()
        registry = SimpleNamespace(info=SimpleNamespace(kind="registry"))
        remote = Walker(registry, handle.image, parallel=True)
        remote._fingerprint = "fp"
        assert not remote._helper_wanted()
        one = dataclasses.replace(handle.image, layers=handle.image.layers[:1])
        single = Walker(handle.source, one, parallel=True)
        single._fingerprint = "fp"
        assert not single._helper_wanted()
        assert not Walker(handle.source, handle.image, parallel=False)._helper_wanted()


@pytest.mark.parametrize(
    "ref",
    ["oci:{images}/oci:python-npm", "docker-archive:{images}/docker-archive/secret-deleted.tar"],
)
def test_real_images_report_the_same(
    test_images: Path, tmp_path: Path, ref: str, helpers_started: list[int]
) -> None:
    reference = ref.format(images=test_images)
    helped = _scan(reference, tmp_path / "c1", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED[0] == list(range(1, len(helped.target["layers"])))
    assert _doc(helped) == _doc(_scan(reference, tmp_path / "c2", parallel=False))
    assert helped.packages


# -- the helper process itself -------------------------------------------------------


def test_helper_sends_in_order_and_none_for_a_layer_it_cannot_record() -> None:
    def work(send: Any) -> None:
        send(b"first")
        send(None)
        send(b"x" * (3 << 20))  # larger than the pipe: the writer thread carries it

    helper = LayerHelper(work)
    try:
        deadline = Deadline(10)
        assert helper.receive(deadline) == b"first"
        assert helper.receive(deadline) is None
        assert helper.receive(deadline) == b"x" * (3 << 20)
        assert helper.receive(deadline) is None  # gone: the walk reads the rest itself
    finally:
        helper.close()
    assert _reaped([helper.pid])


def test_a_stuck_helper_is_waited_for_until_the_deadline_then_killed() -> None:
    helper = LayerHelper(lambda send: time.sleep(60))
    try:
        started = time.monotonic()
        with pytest.raises(ReadTimeout):
            helper.receive(Deadline(0.3))
        assert time.monotonic() - started < 2
    finally:
        started = time.monotonic()
        helper.close()
        assert time.monotonic() - started < 1  # killed, not waited for
    assert _reaped([helper.pid])


def test_ctrl_c_is_left_to_the_walk() -> None:
    import signal

    def work(send: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # ignored here: the helper goes on
        send(b"still here")

    helper = LayerHelper(work)
    try:
        assert helper.receive(Deadline(10)) == b"still here"
    finally:
        helper.close()


def test_a_layer_with_more_content_than_a_helper_record_keeps_is_read_by_the_walk(
    tmp_path: Path, helpers_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # records wait in memory on both sides: past the bound, the walk reads the layer itself
    monkeypatch.setattr(walker, "HELPER_CONTENT_BYTES", len(STATUS) // 2)
    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert HELPED == [[1]]  # layer 2 rewrites the dpkg database: too much to keep
    assert _doc(helped) == _doc(_scan(built.reference, tmp_path / "c2", parallel=False))


def test_no_process_to_spare_means_a_slower_scan_not_a_failed_one(
    tmp_path: Path, helpers_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")  # EAGAIN

    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    alone = _scan(built.reference, tmp_path / "c2", parallel=False)
    monkeypatch.setattr(layerhelper.os, "fork", no_fork)
    frozen = gc.get_freeze_count()
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert HELPED == [[], []] and helpers_started == []  # alone, then helped with no fork
    assert gc.get_freeze_count() == frozen  # the collector is not left frozen
    assert _doc(helped) == _doc(alone)


def test_a_record_the_helper_sends_that_does_not_decode_is_read_here(
    tmp_path: Path, helpers_started: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the helper reads hostile bytes: what it sends goes through the cache's checked decoder
    def garbage(self: Walker, layers: Any, deadline: Any, inflation: Any, send: Any) -> None:
        for n, _ in enumerate(layers):
            send(b'{"v": 1, "diff_id": 7}' if n else b"not json")

    monkeypatch.setattr(Walker, "_help", garbage)
    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    helped = _scan(built.reference, tmp_path / "c1", parallel=True)
    assert len(helpers_started) == 1
    assert HELPED == [[]]  # both records refused, both layers read here
    assert _doc(helped) == _doc(_scan(built.reference, tmp_path / "c2", parallel=False))


def test_no_parallel_on_the_command_line_forks_no_helper(
    tmp_path: Path, helpers_started: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    from hullcheck.cli.main import main

    built = make_image(tmp_path / "img", _layers(), config={"User": "app"})
    args = ["scan", built.reference, "--no-vulns", "-q", "-f", "json"]
    args += ["--cache-dir", str(tmp_path / "c"), "--no-layer-cache", "--fail-on", "none"]
    assert main([*args, "--no-parallel"]) == 0
    assert helpers_started == []
    assert main(args) == 0  # by default: a helper when this machine has a second core
    assert len(helpers_started) == (1 if walker._spare_core() else 0)
    capsys.readouterr()


def test_fleet_scans_fork_no_helper() -> None:
    import argparse

    from hullcheck.cli.fleet import _scan_args

    for extra in ({"no_layer_cache": True}, {"no_layer_cache": False, "layer_cache": None}):
        args = argparse.Namespace(**{"layer_cache": None, **extra})
        assert "--no-parallel" in _scan_args(args)
