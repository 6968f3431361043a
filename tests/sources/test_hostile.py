"""Hostile images: every one gives a clear error or a bounded, reported partial result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import zstandard

from hullcheck.cli.main import main
from hullcheck.errors import ImageError
from hullcheck.sources.limits import Limits, MiB
from tests.fixtures.imagebuilder import (
    Device,
    Dir,
    Fifo,
    File,
    Hardlink,
    Layer,
    Member,
    Raw,
    Symlink,
    build_tar,
    header,
    make_image,
    pax_block,
)
from tests.sources.helpers import read, read_all


def _messages(result: object) -> str:
    return " | ".join(e.message for e in result.errors)  # type: ignore[attr-defined]


def test_dotdot_members_are_skipped_and_reported(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [Layer([File("../../evil", b"x"), File("a/../../evil2", b"y"), File("ok/../fine", b"z")])],
    )
    result, col = read_all(img.reference)
    paths = result.view.paths()
    assert paths == ["/fine"]
    assert "points outside the root" in _messages(result)
    assert [p for p, _, _ in col.seen] == ["/fine"]
    assert not (tmp_path.parent / "evil").exists()


def test_absolute_names_are_read_inside_the_root(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("/etc/abs", b"1"), File("./etc/dot", b"2")])])
    result, _ = read_all(img.reference)
    assert result.view.paths() == ["/etc", "/etc/abs", "/etc/dot"]
    assert result.complete


def test_link_escapes_and_loops_stay_inside(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer(
                [
                    Symlink("up", "../../../../etc/shadow"),
                    Hardlink("hl", "../../etc/shadow"),
                    Hardlink("a", "b"),
                    Hardlink("b", "a"),
                    Symlink("s1", "s2"),
                    Symlink("s2", "s1"),
                ]
            )
        ],
    )
    result, col = read_all(img.reference)
    assert "hard link /hl points outside the root" in _messages(result)
    assert result.view.resolve("/up") is None  # /etc/shadow does not exist in the image
    assert result.view.resolve("/s1") is None
    hl = result.view.get("/hl")
    assert hl is not None and hl.kind == "hardlink"
    # links carry no content
    assert all(d is None for p, _, d in col.seen)


def test_device_files_have_no_content(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [Layer([Dir("dev"), Device("dev/null"), Device("dev/sda", char=False), Fifo("dev/p")])],
    )
    result, col = read_all(img.reference)
    kinds = {p.path: p.kind for p in result.view.walk()}
    assert kinds == {"/dev": "dir", "/dev/null": "char", "/dev/sda": "block", "/dev/p": "fifo"}
    assert all(d is None for _, _, d in col.seen)


def test_pax_size_larger_than_stream_is_truncation(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("big", b"tiny", pax={"size": str(10**15)})])])
    result, _ = read_all(img.reference)
    assert not result.complete
    assert "truncated" in _messages(result)


def test_pax_header_over_limit_is_refused(tmp_path: Path) -> None:
    huge_pax = header(b"././@PaxHeader", b"x", 10**12)
    img = make_image(tmp_path / "i", [Layer([Raw(huge_pax), File("after", b"1")])])
    result, _ = read_all(img.reference)
    assert "PAX header of 1000000000000 bytes is over" in _messages(result)


def test_pax_path_and_long_names(tmp_path: Path) -> None:
    long = "d/" + "x" * 300
    tar = pax_block({"path": "renamed/by/pax"}) + build_tar([File("ignored", b"p")], end=False)
    tar += build_tar([File(long, b"L")])
    img = make_image(tmp_path / "i", [Layer(tar)])
    result, _ = read_all(img.reference)
    assert result.view.exists("/renamed/by/pax")
    assert result.view.exists("/" + long)
    assert not result.view.exists("/ignored")


def test_non_utf8_names_are_escaped_and_reported(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File(b"bad\xffname", b"1")])])
    result, col = read_all(img.reference)
    assert result.view.paths() == ["/bad\\xffname"]
    assert col.seen[0][0] == "/bad\\xffname"
    assert result.complete and not result.errors  # nothing lost: a warning
    assert "not UTF-8" in result.warnings[0].message
    json.dumps(result.view.paths(), ensure_ascii=False).encode("utf-8")


def _zero_bomb(size: int) -> bytes:
    """A zstd layer holding one file of ``size`` zero bytes (compresses ~10000:1)."""
    cctx = zstandard.ZstdCompressor(level=1)
    obj = cctx.compressobj()
    out = [obj.compress(header(b"zeros", b"0", size))]
    chunk = bytes(MiB)
    left = size
    while left:
        n = min(left, MiB)
        out.append(obj.compress(chunk[:n]))
        left -= n
    out.append(obj.compress(b"\0" * 1024))
    out.append(obj.flush())
    return b"".join(out)


def test_decompression_bomb_ratio_is_capped(tmp_path: Path) -> None:
    bomb = _zero_bomb(256 * MiB)
    assert len(bomb) < 256 * MiB // 1000
    img = make_image(tmp_path / "i", [Layer(b"", compression="zstd", stored=bomb)])
    limits = Limits(max_ratio=100, ratio_grace=4 * MiB)
    result, col = read_all(img.reference, limits=limits, max_size=0)
    assert "decompression bomb" in _messages(result)
    assert col.seen == [("/zeros", 0, None)]  # offered before the bomb went off
    assert not result.view.stats[0].complete
    assert result.view.stats[0].uncompressed_size == 0
    # the total cap stops it as well
    result, _ = read_all(img.reference, limits=Limits(max_layer_bytes=8 * MiB), max_size=0)
    assert "inflates past the 8388608-byte limit" in _messages(result)


def test_many_tiny_files_are_bounded_by_max_entries(tmp_path: Path) -> None:
    members = [File(f"d{i // 1000}/f{i}", b"") for i in range(5000)]
    img = make_image(tmp_path / "i", [Layer(members)])
    result = read(img.reference, limits=Limits(max_entries=1000))
    assert result.view.entry_count <= 1000
    assert result.view.truncated
    assert "more than 1000 paths" in _messages(result)
    assert result.view.stats[0].entries == 5000  # still all streamed (and offered)


def test_truncated_and_corrupted_blobs(tmp_path: Path) -> None:
    layer = Layer([File("f", os.urandom(200_000))])
    stored = make_image(tmp_path / "probe", [layer]).blobs
    blob = next(v for k, v in stored.items() if len(v) > 100_000)
    cut = make_image(tmp_path / "cut", [Layer(layer.members, blob=blob[: len(blob) // 2])])
    result, _ = read_all(cut.reference)
    assert not result.complete
    assert "truncated" in _messages(result)
    flipped = bytearray(blob)
    flipped[len(blob) // 2] ^= 0xFF
    bad = make_image(tmp_path / "bad", [Layer(layer.members, blob=bytes(flipped))])
    result, _ = read_all(bad.reference)
    msg = _messages(result)
    assert "does not match its digest" in msg or "corrupt gzip" in msg


def test_garbage_tar_header_is_reported(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([Raw(os.urandom(512) + bytes(1024))])])
    result, _ = read_all(img.reference)
    assert "corrupt tar header" in _messages(result)


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "nested deeper"),
        (b'{"x": "' + b"a" * (5 * MiB) + b'"}', "over the"),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"schemaVersion": 2, "mediaType": "text/plain"}', "unsupported manifest media type"),
        (b'{"schemaVersion": 1, "fsLayers": []}', "schema 1"),
    ],
    ids=["invalid", "deep", "gigantic", "list", "binary", "media-type", "schema1"],
)
def test_bad_manifests(tmp_path: Path, manifest: bytes, expected: str) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], manifest_bytes=manifest)
    with pytest.raises(ImageError, match=expected):
        read(img.reference)


def test_bad_config_and_limits(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], config_bytes=b"[]")
    with pytest.raises(ImageError, match="image config is not a JSON object"):
        read(img.reference)
    img = make_image(
        tmp_path / "j", [Layer([File("f", b"1")])], config={"Env": ["A=" + "x" * 4000]}
    )
    with pytest.raises(ImageError, match="over the 1024-byte limit"):
        read(img.reference, limits=Limits(max_config_bytes=1024))


def test_missing_blobs(tmp_path: Path) -> None:
    probe = make_image(tmp_path / "p", [Layer([File("f", b"1")])])
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], drop_blobs=probe.layer_digests)
    result = read(img.reference)
    assert "is missing from" in _messages(result)
    img = make_image(tmp_path / "j", [Layer([File("f", b"1")])], drop_blobs=[probe.config_digest])
    with pytest.raises(ImageError, match="is missing from"):
        read(img.reference)


def test_wrong_media_types(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")], media_type="application/json")])
    with pytest.raises(ImageError, match="not a layer tar"):
        read(img.reference)


def test_index_json_garbage(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], index_bytes=b'{"manifests": 3}')
    with pytest.raises(ImageError, match="no valid manifests list"):
        read(img.reference)


def test_timeout_stops_the_walk(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")]), Layer([File("g", b"2")])])
    result = read(img.reference, limits=Limits(timeout=1e-9))
    assert "timeout" in _messages(result)
    assert not result.complete


def test_cli_reports_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"1")])], manifest_bytes=b"{oops")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(tmp_path.rglob("*"))
    code = main(["scan", img.reference, "--format", "json", "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr()
    assert code == 2
    assert out.out == ""
    assert out.err.count("\n") == 1 and out.err.startswith(
        "hullcheck: error: manifest is not valid JSON"
    )
    assert "Traceback" not in out.err
    after = sorted(p for p in tmp_path.rglob("*") if "cache" not in p.parts)
    assert after == before  # nothing written outside the cache


def test_cli_partial_result_is_reported_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = Layer([File("f", os.urandom(50_000))])
    blob = next(v for v in make_image(tmp_path / "p", [layer]).blobs.values() if len(v) > 40_000)
    img = make_image(
        tmp_path / "i", [Layer([File("ok", b"1")]), Layer(layer.members, blob=blob[:-100])]
    )
    code = main(["scan", img.reference, "--format", "json", "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr()
    assert code == 2
    doc = json.loads(out.out)
    assert doc["errors"] and "layer 1" in doc["errors"][0]["message"]
    assert doc["target"]["layers"][0]["empty"] is False
    assert doc["summary"]["complete"] is False


def test_member_type_other_is_read_as_regular(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([Member("weird", b"Z", b"abc")])])
    _, col = read_all(img.reference)
    assert col.seen == [("/weird", 0, b"abc")]
