"""Whiteouts and opaque markers in hostile orders: the merged view follows the OCI spec.

The spec: a whiteout only hides what *lower* layers put there, whatever its position in
its own layer.  The runtimes agree with it except for one order, an entry written before
its own plain ``.wh.NAME`` in the same layer: moby's and containerd's overlay unpackers
(the default ones) refuse that layer (``mknod`` over the existing path), their copying
unpackers delete the entry.  The view keeps it, as the spec says, and the walk warns
(``layer-entry``).  Opaque markers in any order: all of them agree, no warning.
(docs/security-model.md, *Whiteout order*.)
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from hullcheck.sources.walker import WalkResult
from tests.fixtures.imagebuilder import Dir, File, Layer, Member, Opaque, Whiteout, make_image
from tests.sources.helpers import read_all

LOWER = Layer(
    [Dir("d"), File("d/old", b"1"), Dir("d/sub"), File("d/sub/deep", b"2"), File("top", b"3")]
)


def _walk(tmp: Path, *upper: list[Member]) -> WalkResult:
    img = make_image(tmp / "img", [LOWER, *(Layer(m) for m in upper)])
    result, _ = read_all(img.reference)
    assert result.complete and not result.errors and not result.invalid
    return result


def _view(tmp: Path, *upper: list[Member]) -> tuple[list[str], list[str]]:
    result = _walk(tmp, *upper)
    hidden = sorted(p.path for p in result.view.hidden())
    return result.view.paths(), hidden


def _order_warnings(result: WalkResult) -> list[str]:
    return [w.message for w in result.warnings if "later in the same layer" in w.message]


def test_whiteout_before_and_after_a_recreated_file(tmp_path: Path) -> None:
    before, _ = _view(tmp_path / "a", [Whiteout("top"), File("top", b"new")])
    after, _ = _view(tmp_path / "b", [File("top", b"new"), Whiteout("top")])
    assert "/top" in before and "/top" in after  # the same layer's file is never hidden


def test_only_an_entry_before_its_own_marker_is_warned_about(tmp_path: Path) -> None:
    # marker first: every runtime agrees (the file replaces the whiteout), no warning
    assert _order_warnings(_walk(tmp_path / "a", [Whiteout("top"), File("top", b"n")])) == []
    # a lower layer's file whited out: the ordinary case, no warning
    assert _order_warnings(_walk(tmp_path / "b", [Whiteout("top")])) == []
    # the layer's own file, then its marker: runtimes disagree with the spec, one warning
    after = _walk(tmp_path / "c", [File("top", b"n"), File("x", b"1"), Whiteout("top")])
    assert _order_warnings(after) == [
        "layer 1: 1 entry whited out by a .wh. marker later in the same layer: kept, as the "
        "OCI image spec says (Docker's and containerd's overlay unpackers refuse this layer, "
        "their copying unpackers delete the path) (first: /top)"
    ]
    assert after.view.exists("/top") and after.view.get("/top").layer_index == 1  # type: ignore[union-attr]


def test_a_marker_over_a_directory_the_layer_wrote_into_is_warned_about(tmp_path: Path) -> None:
    # d comes from the lower layer; this layer writes d/new, then whites d out: overlay
    # unpackers find d in the layer's own folder (mknod fails), copying ones delete d/new
    result = _walk(tmp_path, [File("d/new", b"n"), Whiteout("d")])
    assert [w.path for w in result.warnings] == ["/d"]
    assert not result.view.exists("/d/old")  # the lower layer's content is still hidden
    info = result.view.get("/d/new")
    assert info is not None and info.layer_index == 1 and not info.hidden


@pytest.mark.parametrize("order", list(itertools.permutations(["opq", "new", "dir"])), ids="-".join)
def test_opaque_markers_in_any_order_give_no_warning(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    members = {"opq": Opaque("d"), "new": File("d/new", b"n"), "dir": Dir("d")}
    assert _walk(tmp_path, [members[k] for k in order]).warnings == []


@pytest.mark.parametrize("order", list(itertools.permutations(["opq", "new", "dir"])), ids="-".join)
def test_opaque_marker_in_any_position(tmp_path: Path, order: tuple[str, ...]) -> None:
    members = {"opq": Opaque("d"), "new": File("d/new", b"n"), "dir": Dir("d")}
    paths, hidden = _view(tmp_path, [members[k] for k in order])
    assert "/d/new" in paths
    assert "/d/old" not in paths and "/d/sub/deep" not in paths
    assert {"/d/old", "/d/sub", "/d/sub/deep"} <= set(hidden)


def test_directory_whited_out_then_refilled_in_the_same_layer(tmp_path: Path) -> None:
    paths, hidden = _view(tmp_path, [Whiteout("d"), File("d/fresh", b"f")])
    assert "/d/fresh" in paths and "/d/old" not in paths and "/d/sub" not in paths
    assert "/d/old" in hidden


def test_whiteouts_cannot_reach_outside_or_upwards(tmp_path: Path) -> None:
    paths, hidden = _view(
        tmp_path, [File("d/.wh..", b""), File("d/.wh...", b""), File(".wh.", b"")]
    )
    assert hidden == [] and {"/d/old", "/top"} <= set(paths)


def test_a_whiteout_in_a_later_layer_hides_the_recreated_file(tmp_path: Path) -> None:
    paths, hidden = _view(tmp_path, [File("top", b"new")], [Whiteout("top")])
    assert "/top" not in paths and "/top" in hidden


def test_opaque_then_whiteout_of_the_same_layers_file_in_the_next(tmp_path: Path) -> None:
    paths, _ = _view(tmp_path, [Opaque("d"), File("d/new", b"n")], [Whiteout("d/new")])
    assert not [p for p in paths if p.startswith("/d/")]


def test_repeated_markers_cost_one_walk_and_still_warn(tmp_path: Path) -> None:
    # a layer of many copies of one marker over a large lower folder: each copy used to
    # walk the whole hidden tree again (4,000 copies over 20,000 files took 5 s)
    lower = Layer([Dir("big"), *(File(f"big/f{i}", b"x") for i in range(3000))])
    upper = Layer([Whiteout("big") for _ in range(3000)])
    img = make_image(tmp_path / "img", [lower, upper])
    result, _ = read_all(img.reference)
    assert not result.view.exists("/big/f0") and not result.view.exists("/big")
    assert _order_warnings(result) == []
    # the layer writes below the folder between two copies: the second copy warns
    again = _walk(tmp_path / "b", [Whiteout("d"), File("d/new", b"n"), Whiteout("d")])
    assert [w.path for w in again.warnings] == ["/d"]
    assert again.view.get("/d/new") is not None and not again.view.exists("/d/old")


def test_repeated_opaque_markers_hide_the_lower_folder_once_and_keep_the_layer_s_own(
    tmp_path: Path,
) -> None:
    result = _walk(
        tmp_path, [Opaque("d"), File("d/new", b"n"), Opaque("d"), Opaque("d"), File("d/x", b"x")]
    )
    assert not result.view.exists("/d/old") and not result.view.exists("/d/sub/deep")
    assert result.view.exists("/d/new") and result.view.exists("/d/x")
    assert _order_warnings(result) == []
