"""Hostile layers in every source form, through the CLI's exit contract.

Two kinds of hostile layer: a valid tar mutated (the image's digests computed over the
mutated bytes, so the walk reads all of it instead of stopping at a digest mismatch), and
a well-formed tar whose *structure* is hostile (drawn sequences of Latin-1 names, devices,
FIFOs, unknown type flags, duplicates, hard links to earlier, later, missing or the same
paths, whiteouts and opaque markers).  Each is put in every source form (OCI layout, OCI
archive, docker-archive with a plain or gzip ``layer.tar``, Docker 25 archive) and given to
``scan`` and ``sbom``: the exit code is 0, 1 or 2; every stderr line is a ``hullcheck:``
line; exit 2 ends with exactly one ``hullcheck: error:`` line, and only then.
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hullcheck.cli.main import main
from tests.fixtures.imagebuilder import (
    Device,
    Dir,
    Fifo,
    File,
    Hardlink,
    Layer,
    Member,
    Opaque,
    Symlink,
    Whiteout,
    build_tar,
    make_image,
)

from .mutations import examples, mutated

FORMS = [
    ("oci", "gzip"),
    ("oci-archive", "zstd"),
    ("docker-archive", "none"),
    ("docker-archive", "gzip"),  # docker load accepts a compressed layer.tar
    ("docker25", "gzip"),
]
SEED = build_tar(
    [
        Dir("etc"),
        File("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
        File("app/settings.py", b"DEBUG = True\n"),
        Symlink("etc/alt", "os-release"),
        Hardlink("etc/hard", "etc/os-release"),
        File("x" * 150, b"long name through PAX"),
        Whiteout("tmp/gone"),
        Opaque("opt"),
    ]
)
_counter = itertools.count()

NAMES = ["a", "b", "d/c", b"caf\xe9", "d"]


@st.composite
def hostile_member(draw: st.DrawFn) -> Member:
    name = draw(st.sampled_from(NAMES))
    other = draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(["file", "dir", "link", "hard", "dev", "fifo", "odd", "wh", "opq"]))
    if kind == "file":
        return File(name, b"x" * draw(st.integers(0, 3)))
    if kind == "dir":
        return Dir(name)
    if kind == "link":
        return Symlink(name, other)
    if kind == "hard":
        return Hardlink(name, other)
    if kind == "dev":
        return Device(name if isinstance(name, str) else "dev", char=draw(st.booleans()))
    if kind == "fifo":
        return Fifo(name if isinstance(name, str) else "fifo")
    if kind == "odd":
        return Member(name, draw(st.sampled_from([b"Z", b"S", b"V", b"\x01"])), b"odd")
    if kind == "wh":
        return Whiteout(name if isinstance(name, str) else "a")
    return Opaque("d")


def _tmp(root: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=root, prefix=f"ex{next(_counter)}-"))


def _check_contract(capsys: pytest.CaptureFixture[str], tmp: Path, ref: str, command: str) -> None:
    args = [command, ref, "-f", "json", "--cache-dir", str(tmp / "cache")]
    if command == "scan":
        args += ["--no-vulns"]
    code = main(args)
    err = capsys.readouterr().err.splitlines()
    assert code in (0, 1, 2), code
    assert all(line.startswith("hullcheck: ") for line in err), err
    errors = [line for line in err if line.startswith("hullcheck: error:")]
    if code == 2:
        assert len(errors) == 1 and err[-1] == errors[0], err
    else:
        assert not errors, err


@pytest.mark.parametrize(("form", "compression"), FORMS, ids=[f"{f}-{c}" for f, c in FORMS])
@given(data=st.data())
@examples(8)
def test_mutated_layer_in_every_form(
    form: str,
    compression: str,
    data: st.DataObject,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tar = data.draw(mutated(SEED, max_mutations=3))
    tmp = _tmp(tmp_path)
    img = make_image(tmp / "img", [Layer(tar, compression=compression)], form=form)
    command = data.draw(st.sampled_from(["scan", "sbom"]))
    _check_contract(capsys, tmp, img.reference, command)


@pytest.mark.parametrize("form", FORMS[:3], ids=[f"{f}-{c}" for f, c in FORMS[:3]])
@given(
    layers=st.tuples(
        st.lists(hostile_member(), min_size=1, max_size=6),
        st.lists(hostile_member(), min_size=1, max_size=6),
    ),
    command=st.sampled_from(["scan", "sbom"]),
)
@examples(10)
def test_hostile_structure_in_every_form(
    form: tuple[str, str],
    layers: tuple[list[Member], list[Member]],
    command: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tmp = _tmp(tmp_path)
    kind, compression = form
    img = make_image(
        tmp / "img", [Layer(members, compression=compression) for members in layers], form=kind
    )
    _check_contract(capsys, tmp, img.reference, command)
