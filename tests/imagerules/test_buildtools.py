"""Build tools in the final image (HC8201), with the layer that added them."""

from __future__ import annotations

from pathlib import Path

from hullcheck.model import Severity
from tests.fixtures.imagebuilder import Dir, File, Layer, Symlink, Whiteout

from .helpers import base_layer, by_rule, scan


def test_compiler_and_tools_with_their_layer(tmp_path: Path) -> None:
    layers = [
        base_layer(File("usr/bin/dpkg", b"\x7fELF", mode=0o755)),
        Layer(
            [
                Dir("usr"),
                Dir("usr/bin"),
                File("usr/bin/gcc-12", b"\x7fELF", mode=0o755),
                Symlink("usr/bin/gcc", "gcc-12"),
                Symlink("usr/bin/cc", "/usr/bin/gcc-12"),
                File("usr/bin/curl", b"\x7fELF", mode=0o755),
                File("usr/bin/strace", b"\x7fELF", mode=0o755),
            ],
            created_by="RUN /bin/sh -c apt-get install -y gcc curl strace",
        ),
    ]
    found = {f.extra["tool"]: f for f in by_rule(scan(tmp_path, layers), "HC8201")}
    assert set(found) == {"gcc", "strace", "curl", "dpkg"}
    assert "also as cc" in found["gcc"].message  # one finding per binary
    assert found["gcc"].severity is Severity.MEDIUM and found["gcc"].location.layer_index == 1
    assert found["curl"].severity is Severity.LOW
    assert found["dpkg"].severity is Severity.INFO and found["dpkg"].location.layer_index == 0


def test_purged_tools_and_dangling_links_are_not_reported(tmp_path: Path) -> None:
    layers = [
        base_layer(File("usr/bin/make", b"\x7fELF"), Symlink("usr/bin/git", "/opt/git/bin/git")),
        Layer([Whiteout("usr/bin/make")]),
        Layer([Dir("usr"), Dir("usr/bin"), File("usr/bin/makepasswd", b"#!/bin/sh\n")]),
    ]
    assert by_rule(scan(tmp_path, layers), "HC8201") == []
