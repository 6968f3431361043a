"""Files larger than Limits.spill_bytes that catalogers read (programs, jars) are spilled
to an unnamed file in the cache and read by offset: memory stays flat and the packages
inside are still found (issue 11: every hostile input under 256 MB)."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

from hullcheck.catalog.subscriber import CatalogSubscriber
from hullcheck.sources import walker as walker_module
from hullcheck.sources.api import open_image
from hullcheck.sources.limits import Limits
from hullcheck.sources.open import SourceOptions
from tests.catalog.test_golang import go_binary  # noqa: F401 - the module's Go build fixture
from tests.fixtures.imagebuilder import Dir, File, Layer, make_image

from .cli_harness import World

BIG = 200 << 20
POM = b"groupId=org.apache.logging.log4j\nartifactId=log4j-core\nversion=2.14.1\n"


def _filler(size: int) -> bytes:
    block = bytearray(1 << 20)
    block[::600] = bytes(i % 251 for i in range(len(block[::600])))  # low entropy, not zeros
    return bytes(block) * (size >> 20)


def _jar(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:  # stored: the jar is as large as its data
        archive.writestr("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties", POM)
        archive.writestr("data/blob.bin", _filler(size))
    return buf.getvalue()


def test_big_program_and_jar_are_read_from_a_spool(tmp_path: Path, go_binary: Path) -> None:  # noqa: F811
    w = World(tmp_path / "w")
    program = go_binary.read_bytes()
    program += _filler(BIG - len(program) + (1 << 20))[: BIG - len(program)]
    make_image(
        w.work / "img",
        [
            Layer(
                [
                    Dir("usr/local/bin"),
                    File("usr/local/bin/hello", program, mode=0o755),
                    File("opt/app.jar", _jar(BIG)),
                ],
                compression="none",
            )
        ],
    )
    del program
    run = w.run("sbom", "oci:img", "-f", "json", timeout=240)
    assert run.code == 0, run.stderr
    names = {p["name"] for p in json.loads(run.stdout)["packages"]}
    assert {"example.com/hello", "log4j-core"} <= names
    # two 200 MiB files read whole: held in memory they would cost 400 MiB and more
    assert run.max_rss_kib < 140 * 1024, f"peak RSS {run.max_rss_kib // 1024} MiB"
    leftovers = [p for p in w.cache.rglob("*") if p.is_file() and p.stat().st_size > 100 << 20]
    assert leftovers == []  # the spools had no name and are gone
    assert run.new_files == []


def test_spooled_and_in_memory_reads_agree(tmp_path: Path, go_binary: Path) -> None:  # noqa: F811

    img = make_image(
        tmp_path / "img",
        [
            Layer(
                [
                    Dir("usr/local/bin"),
                    File("usr/local/bin/hello", go_binary.read_bytes(), mode=0o755),
                    File("opt/app.jar", _jar(2 << 20)),
                    File("srv/readme.txt", b"x" * 5000),
                ]
            )
        ],
    )
    spilled: list[int] = []
    original = walker_module.SpooledFile.create

    def counting(directory: Path | None = None) -> walker_module.SpooledFile:
        spilled.append(1)
        return original(directory)

    def packages(spill_bytes: int) -> set[tuple[str, str, str]]:
        options = SourceOptions(limits=Limits(spill_bytes=spill_bytes), cache_dir=tmp_path / "c")
        with open_image(str(img.reference), options=options) as handle:
            sub = CatalogSubscriber()
            result = sub.finish(handle.walk(sub.subscriptions()))
        assert not result.errors
        return {(p.type, p.name, p.version) for p in result.packages}

    in_memory = packages(64 << 20)
    assert spilled == []
    walker_module.SpooledFile.create = counting  # type: ignore[method-assign]
    try:
        spooled = packages(1 << 20)
    finally:
        walker_module.SpooledFile.create = original  # type: ignore[method-assign]
    assert len(spilled) == 2  # the program and the jar; the small text file never
    assert spooled == in_memory
    assert ("maven", "log4j-core", "2.14.1") in spooled
    assert any(t == "golang" and n == "example.com/hello" for t, n, _ in spooled)
    assert os.listdir(tmp_path / "c" / "spool") == []
