"""Extended attributes from PAX ``SCHILY.xattr.*`` records reach ``TarEntry`` and ``FileRef``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hullcheck.model import FileRef
from hullcheck.sources.api import open_image
from hullcheck.sources.limits import Limits
from hullcheck.sources.tarstream import MAX_XATTRS, TarError, TarStream
from hullcheck.sources.walker import Subscription
from tests.fixtures.imagebuilder import File, Layer, build_tar, make_image

CAP = b"\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"


def _entries(data: bytes) -> list:  # type: ignore[type-arg]
    return list(TarStream(io.BytesIO(data).read, Limits()))


def test_schily_xattrs_are_kept_binary_and_sorted() -> None:
    pax = {"SCHILY.xattr.user.b": "2", "SCHILY.xattr.security.capability": CAP, "mtime": "1"}
    (entry,) = _entries(build_tar([File("bin/ping", b"x", pax=pax)]))  # type: ignore[arg-type]
    assert entry.xattrs == (("security.capability", CAP), ("user.b", b"2"))


def test_xattrs_do_not_leak_to_the_next_member() -> None:
    pax = {"SCHILY.xattr.security.capability": CAP}
    first, second = _entries(build_tar([File("a", b"1", pax=pax), File("b", b"2")]))  # type: ignore[arg-type]
    assert first.xattrs and second.xattrs == ()


def test_xattrs_are_bounded() -> None:
    pax = {f"SCHILY.xattr.user.k{i:03}": "v" for i in range(100)}
    (entry,) = _entries(build_tar([File("a", b"1", pax=pax)]))
    assert len(entry.xattrs) == MAX_XATTRS


def test_corrupt_pax_record_is_an_image_error() -> None:
    from tests.fixtures.imagebuilder import Raw, header

    body = b"99 SCHILY.xattr.security.capability=\n"
    bad = header(b"././@PaxHeader", b"x", len(body)) + body + b"\0" * (512 - len(body))
    with pytest.raises(TarError):
        _entries(build_tar([Raw(bad), File("a", b"1")]))


def test_walker_hands_xattrs_to_subscribers(tmp_path: Path) -> None:
    pax = {"SCHILY.xattr.security.capability": CAP}
    img = make_image(tmp_path / "i", [Layer([File("usr/bin/ping", b"x", pax=pax)])])  # type: ignore[arg-type]
    seen: list[FileRef] = []
    with open_image(img.reference) as handle:
        handle.walk([Subscription("x", lambda ref, _: seen.append(ref), all_entries=True)])
    assert seen[0].xattrs == (("security.capability", CAP),)


def test_a_with_xattrs_subscription_sees_only_entries_that_carry_some(tmp_path: Path) -> None:
    pax = {"SCHILY.xattr.security.capability": CAP}
    layers = [
        Layer([File("usr/bin/ping", b"x", pax=pax), File("usr/bin/ls", b"y")]),  # type: ignore[arg-type]
        Layer([File("usr/bin/ls", b"z", pax={"SCHILY.xattr.user.a": "1"})]),
    ]
    img = make_image(tmp_path / "i", layers)
    seen: list[tuple[str, int | None]] = []
    every: list[str] = []
    with open_image(img.reference) as handle:
        handle.walk(
            [
                Subscription(
                    "x",
                    lambda ref, _: seen.append((ref.path, ref.layer_index)),
                    all_entries=True,
                    with_xattrs=True,
                ),
                Subscription("all", lambda ref, _: every.append(ref.path), all_entries=True),
            ]
        )
    assert seen == [("/usr/bin/ping", 0), ("/usr/bin/ls", 1)]
    assert every == ["/usr/bin/ping", "/usr/bin/ls", "/usr/bin/ls"]
