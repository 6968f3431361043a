"""Whiteouts and opaque markers in hostile orders: the merged view follows the OCI spec.

The spec: a whiteout only hides what *lower* layers put there, whatever its position in
its own layer.  (moby's own unpacker deletes a same-layer file that precedes a plain
``.wh.NAME``; the view keeps it visible, so a scanner over-reports rather than misses.)
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.fixtures.imagebuilder import Dir, File, Layer, Member, Opaque, Whiteout, make_image
from tests.sources.helpers import read_all

LOWER = Layer(
    [Dir("d"), File("d/old", b"1"), Dir("d/sub"), File("d/sub/deep", b"2"), File("top", b"3")]
)


def _view(tmp: Path, *upper: list[Member]) -> tuple[list[str], list[str]]:
    img = make_image(tmp / "img", [LOWER, *(Layer(m) for m in upper)])
    result, _ = read_all(img.reference)
    assert result.complete and not result.errors and not result.invalid
    hidden = sorted(p.path for p in result.view.hidden())
    return result.view.paths(), hidden


def test_whiteout_before_and_after_a_recreated_file(tmp_path: Path) -> None:
    before, _ = _view(tmp_path / "a", [Whiteout("top"), File("top", b"new")])
    after, _ = _view(tmp_path / "b", [File("top", b"new"), Whiteout("top")])
    assert "/top" in before and "/top" in after  # the same layer's file is never hidden


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
