from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hullcheck.catalog import golang
from hullcheck.catalog.base import CatalogContext

from .helpers import ref

GO = shutil.which("go")


def _go_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GOCACHE": str(tmp / "gocache"),
        "GOPATH": str(tmp / "gopath"),
        "GOFLAGS": "-mod=mod",
        "GOPROXY": "off",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }


@pytest.fixture(scope="module")
def go_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GO is None:
        pytest.skip("go is not installed")
    tmp = tmp_path_factory.mktemp("gobuild")
    app, dep = tmp / "app", tmp / "dep"
    app.mkdir()
    dep.mkdir()
    (dep / "go.mod").write_text("module example.com/greet\n\ngo 1.18\n")
    (dep / "greet.go").write_text('package greet\n\nfunc Hello() string { return "hi" }\n')
    (app / "go.mod").write_text(
        "module example.com/hello\n\ngo 1.18\n\nrequire example.com/greet v1.2.3\n\n"
        "replace example.com/greet v1.2.3 => ../dep\n"
    )
    (app / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\t"example.com/greet"\n)\n\n'
        "func main() { fmt.Println(greet.Hello()) }\n"
    )
    out = tmp / "hello"
    subprocess.run(
        [GO, "build", "-o", str(out), "."], cwd=app, env=_go_env(tmp), check=True, timeout=240
    )
    return out


def test_matches_go_version_m(go_binary: Path) -> None:
    data = go_binary.read_bytes()
    info = golang.read_build_info(data)
    assert info is not None
    expected = subprocess.run(
        [str(GO), "version", "-m", str(go_binary)], capture_output=True, text=True, check=True
    ).stdout
    assert golang.format_go_version_m(info, str(go_binary)) == expected
    assert info.main is not None
    assert info.main.path == "example.com/hello"


def test_packages_main_deps_stdlib(go_binary: Path) -> None:
    pkgs = golang.parse(
        ref("/usr/bin/hello", mode=0o100755), go_binary.read_bytes(), CatalogContext()
    )
    by_name = {p.name: p for p in pkgs}
    assert by_name["example.com/hello"].version == "(devel)"
    assert by_name["example.com/hello"].metadata["main_module"] is True
    # the dependency was replaced by a local directory: the binary holds the replacement
    greet = by_name["../dep"]
    assert (greet.version, greet.metadata["replaces"]) == ("(devel)", "example.com/greet")
    stdlib = by_name["stdlib"]
    assert stdlib.version.startswith("go1.")
    assert stdlib.purl == f"pkg:golang/stdlib@{stdlib.version[2:]}"
    assert by_name["example.com/hello"].purl == "pkg:golang/example.com/hello@%28devel%29"


def test_stripped_section_headers_still_found(go_binary: Path) -> None:
    data = bytearray(go_binary.read_bytes())
    data[0x28:0x30] = b"\0" * 8  # e_shoff = 0: no section table, magic scan must find it
    info = golang.read_build_info(bytes(data))
    assert info is not None
    assert info.main is not None


def test_not_go() -> None:
    assert golang.read_build_info(b"\x7fELF" + b"\0" * 100) is None
    assert golang.read_build_info(b"#!/bin/sh\necho hi\n") is None
    truncated = golang.MAGIC + b"\x08\x02" + b"\0" * 16 + b"\xff\xff\xff\xff"
    with pytest.raises(ValueError):
        golang.read_build_info(truncated.ljust(48, b"\xff"))


def test_modinfo_replacements_and_settings() -> None:
    info = golang._parse_modinfo(
        "go1.22.2",
        "path\tex.com/cmd\nmod\tex.com\tv1.0.0\th1:x\ndep\tgolang.org/x/text\tv0.3.0\th1:a\n"
        "=>\tgithub.com/fork/text\tv0.3.1\th1:b\nbuild\t-ldflags=-s -w\n",
    )
    assert info.deps[0].replaced_by is not None
    assert info.deps[0].replaced_by.path == "github.com/fork/text"
    assert info.settings == (("-ldflags", "-s -w"),)


def test_found_in_an_image_by_the_walker(go_binary: Path, tmp_path: Path) -> None:
    from hullcheck.sbom import inventory_for
    from tests.fixtures.imagebuilder import Dir, File, Layer, make_image

    data = go_binary.read_bytes()
    img = make_image(
        tmp_path / "img",
        [
            Layer(
                [
                    Dir("usr/local/bin"),
                    File("usr/local/bin/hello", data, mode=0o755),
                    File("srv/copy-not-executable", data, mode=0o644),
                ]
            )
        ],
        form="oci",
    )
    inv = inventory_for(str(img.reference))
    files = {p.files for p in inv.packages if p.type == "golang"}
    assert files == {("/usr/local/bin/hello",)}
    assert "example.com/hello" in {p.name for p in inv.packages}
