"""The merged view: whiteouts, opaque dirs, provenance of each path, wasted bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.sources import layerfs
from tests.fixtures.imagebuilder import (
    Dir,
    File,
    Layer,
    Opaque,
    Symlink,
    Whiteout,
    make_image,
)
from tests.sources.helpers import read_all


def test_whiteout_hides_file_and_remembers_layers(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer([Dir("etc"), File("etc/a", b"A" * 10), File("etc/b", b"B")]),
            Layer([File("etc/a", b"AA" * 10)]),
            Layer([Whiteout("etc/a")]),
        ],
    )
    result, col = read_all(img.reference)
    a = result.view.get("/etc/a")
    assert a is not None
    assert (a.added_by, a.changed_by, a.deleted_by, a.layer_index) == (0, (1,), 2, 1)
    assert a.hidden and not result.view.exists("/etc/a")
    assert result.view.exists("/etc/b")
    assert "/etc/a" not in result.view.paths()
    assert "/etc/a" in result.view.paths(include_hidden=True)
    # both versions of /etc/a were offered as they streamed
    assert [(p, layer) for p, layer, _ in col.seen if p == "/etc/a"] == [
        ("/etc/a", 0),
        ("/etc/a", 1),
    ]
    stats = result.view.stats
    assert [s.bytes_added for s in stats] == [11, 20, 0]
    assert [s.bytes_wasted for s in stats] == [10, 20, 0]
    assert stats[2].whiteouts == 1


def test_opaque_dir_hides_lower_children_only(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer([Dir("d"), File("d/old", b"1"), Dir("d/sub"), File("d/sub/x", b"2")]),
            Layer([Dir("d"), File("d/new", b"3"), Opaque("d")]),
        ],
    )
    result, _ = read_all(img.reference)
    view = result.view
    assert view.listdir("/d") == ["new"]
    old = view.get("/d/old")
    assert old is not None and old.deleted_by == 1
    x = view.get("/d/sub/x")
    assert x is not None and x.deleted_by == 1
    assert view.exists("/d/new")


def test_whiteout_of_directory_hides_subtree_and_readd(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer([Dir("opt"), Dir("opt/app"), File("opt/app/key", b"k")]),
            Layer([Whiteout("opt/app")]),
            Layer([Dir("opt/app"), File("opt/app/other", b"o")]),
        ],
    )
    result, _ = read_all(img.reference)
    view = result.view
    key = view.get("/opt/app/key")
    assert key is not None and key.deleted_by == 1
    app = view.get("/opt/app")
    assert app is not None and not app.hidden and 2 in app.changed_by
    assert view.listdir("/opt/app") == ["other"]


def test_whiteout_in_same_layer_does_not_hide_that_layers_file(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("a", b"1"), Whiteout("a")])])
    result, _ = read_all(img.reference)
    assert result.view.exists("/a")


def test_file_replacing_directory_hides_its_children(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [Layer([Dir("x"), File("x/y", b"12345")]), Layer([File("x", b"now a file")])],
    )
    result, _ = read_all(img.reference)
    y = result.view.get("/x/y")
    assert y is not None and y.deleted_by == 1
    assert result.view.stats[0].bytes_wasted == 5


def test_resolve_follows_symlinks_inside_root(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer(
                [
                    Dir("usr"),
                    Dir("usr/lib"),
                    File("usr/lib/os-release", b"ID=x\n"),
                    Dir("etc"),
                    Symlink("etc/os-release", "../usr/lib/os-release"),
                    Symlink("etc/escape", "../../../../usr/lib/os-release"),
                    Symlink("etc/abs", "/usr/lib/os-release"),
                    Symlink("loop1", "loop2"),
                    Symlink("loop2", "loop1"),
                ]
            )
        ],
    )
    result, _ = read_all(img.reference)
    view = result.view
    assert view.resolve("/etc/os-release") == "/usr/lib/os-release"
    assert view.resolve("/etc/escape") == "/usr/lib/os-release"  # .. stops at /
    assert view.resolve("/etc/abs") == "/usr/lib/os-release"
    assert view.resolve("/loop1") is None
    assert view.resolve("/nope") is None


def test_duplicate_entries_last_wins(tmp_path: Path) -> None:
    img = make_image(tmp_path / "i", [Layer([File("f", b"first"), File("f", b"second!")])])
    result, col = read_all(img.reference)
    f = result.view.get("/f")
    assert f is not None and f.size == 7 and f.changed_by == ()
    assert [d for p, _, d in col.seen if p == "/f"] == [b"first", b"second!"]
    assert result.view.stats[0].bytes_wasted == 5


def test_walk_is_kept_once_built_and_dropped_by_any_change() -> None:
    from hullcheck.sources.layerfs import LayerFS, LayerStats

    view = LayerFS(stats=[LayerStats(index=i, digest=f"d{i}") for i in range(3)])
    view.add("etc", "dir", 0, 0, 0o755, 0, 0, None)
    view.add("etc/a", "file", 0, 1, 0o644, 0, 0, None)
    assert [p.path for p in view.walk()] == ["/etc", "/etc/a"]
    assert [p.path for p in view.walk()] == ["/etc", "/etc/a"]  # the kept walk, again
    view.add("etc/b", "file", 1, 1, 0o644, 0, 0, None)
    assert [p.path for p in view.walk()] == ["/etc", "/etc/a", "/etc/b"]
    view.whiteout("etc", "a", 2)
    assert [p.path for p in view.walk()] == ["/etc", "/etc/b"]
    view.opaque("etc", 3)
    assert [p.path for p in view.walk()] == ["/etc"]


def test_waste_is_named_by_path_for_every_way_a_version_is_hidden(tmp_path: Path) -> None:
    img = make_image(
        tmp_path / "i",
        [
            Layer(
                [
                    Dir("etc"),
                    File("etc/a", b"A" * 10),
                    Dir("opt/deep/er"),
                    File("opt/deep/er/x", b"X" * 7),
                    File("opt/empty", b""),
                    File("srv/dup", b"D" * 3),
                    File("srv/dup", b"D" * 4),
                ]
            ),
            Layer([File("etc/a", b"A" * 5)]),
            Layer([Whiteout("etc/a"), Opaque("opt")]),
        ],
    )
    result, _ = read_all(img.reference)
    waste = result.view.waste
    # overwritten then deleted; a whole subtree hidden by an opaque directory; a duplicate
    # entry of one layer; an empty file wastes nothing and is not kept
    assert waste == {"/etc/a": [15, 2], "/opt/deep/er/x": [7, 1], "/srv/dup": [3, 1]}
    assert sum(s.bytes_wasted for s in result.view.stats) == 25


def test_waste_by_path_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    view = layerfs.LayerFS()
    view.stats = [layerfs.LayerStats(0, "sha256:a"), layerfs.LayerStats(1, "sha256:b")]
    monkeypatch.setattr(layerfs, "MAX_WASTE_PATHS", 10)
    for i in range(40):
        view.add(f"f{i}", "file", 0, i + 1, 0o644, 0, 0, None)
    view.opaque("", 1)
    assert len(view.waste) <= 10
    # the largest are the ones kept, and every byte is still counted per layer
    assert "/f39" in view.waste and "/f0" not in view.waste
    assert view.stats[0].bytes_wasted == sum(range(1, 41))


def test_numbers_too_wide_for_a_column_are_kept_as_they_are() -> None:
    # a PAX header can give any uid; the view must neither crash nor change it
    view = layerfs.LayerFS()
    view.stats = [layerfs.LayerStats(0, "sha256:a")]
    view.add("etc", "dir", 0, 0, 0o755, 0, 0, None)
    view.add("etc/odd", "file", 0, 5, 0o4755, 2**70, -(2**65), None)
    view.add("etc/plain", "file", 0, 7, 0o644, 1000, 1000, None)
    odd = view.get("/etc/odd")
    assert odd is not None and (odd.size, odd.uid, odd.gid) == (5, 2**70, -(2**65))
    assert odd.mode == 0o104755
    plain = view.get("/etc/plain")
    assert plain is not None and (plain.size, plain.uid, plain.gid) == (7, 1000, 1000)
    # a later version with ordinary numbers replaces the wide ones
    view.stats.append(layerfs.LayerStats(1, "sha256:b"))
    view.add("etc/odd", "file", 1, 3, 0o755, 0, 0, None)
    again = view.get("/etc/odd")
    assert again is not None and (again.size, again.uid, again.gid, again.changed_by) == (
        3,
        0,
        0,
        (1,),
    )
    assert view.waste == {"/etc/odd": [5, 1]}


def test_every_kind_and_link_reads_back() -> None:
    view = layerfs.LayerFS()
    view.stats = [layerfs.LayerStats(0, "sha256:a")]
    kinds = ["file", "dir", "symlink", "hardlink", "char", "block", "fifo"]
    for kind in kinds:
        view.add(f"k-{kind}", kind, 0, 0, 0o600, 0, 0, "/target" if "link" in kind else None)
    got = {p.path: (p.kind, p.link_target) for p in view.walk()}
    assert got == {f"/k-{kind}": (kind, "/target" if "link" in kind else None) for kind in kinds}
