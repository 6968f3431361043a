"""The build context walk: what a COPY source takes, bounded and never following links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hullcheck.dockerfile.buildcontext import BuildContext, context_sources
from hullcheck.dockerfile.dockerignore import DockerIgnore
from hullcheck.dockerfile.parser import parse


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, body in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(body)


def _paths(found: list[object] | None) -> list[str]:
    assert found is not None
    return sorted(f.path for f in found)


def test_sources_cover_context_dir_glob_file(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.txt": "a", "src/b.py": "b", "src/sub/c.py": "c", ".git/HEAD": "h"})
    ctx = BuildContext(tmp_path)
    assert _paths(ctx.covered(".")) == [".git/HEAD", "a.txt", "src/b.py", "src/sub/c.py"]
    assert _paths(ctx.covered("./src/")) == ["src/b.py", "src/sub/c.py"]
    assert _paths(ctx.covered("/src")) == ["src/b.py", "src/sub/c.py"]
    assert _paths(ctx.covered("s*")) == ["src/b.py", "src/sub/c.py"]
    assert _paths(ctx.covered("src/*.py")) == ["src/b.py"]
    assert _paths(ctx.covered("a.txt")) == ["a.txt"]
    assert _paths(ctx.covered("missing")) == []
    assert ctx.covered("$SRC") is None
    assert _paths(ctx.covered("../outside")) == []  # clamped to the root, as Docker does


def test_single_file_copy_does_not_walk(tmp_path: Path) -> None:
    _tree(tmp_path, {"a.txt": "a", "b/c": "c"})
    ctx = BuildContext(tmp_path)
    assert _paths(ctx.covered("a.txt")) == ["a.txt"]
    assert ctx._files is None


def test_ignore_applies_and_exceptions_reach_into_excluded_dirs(tmp_path: Path) -> None:
    _tree(tmp_path, {"docs/a.md": "", "docs/keep.md": "", "x.py": ""})
    ignore = DockerIgnore.from_text("docs\n!docs/keep.md\n")
    assert _paths(BuildContext(tmp_path, ignore).covered(".")) == ["docs/keep.md", "x.py"]


def test_symlinks_not_followed_and_fifos_never_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _tree(outside, {"id_rsa": "key"})
    root = tmp_path / "ctx"
    _tree(root, {"ok.txt": "fine"})
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "key").symlink_to(outside / "id_rsa")
    os.mkfifo(root / "pipe")
    ctx = BuildContext(root)
    files = ctx.covered(".")
    assert _paths(files) == ["ok.txt"]
    assert ctx.covered("link") is None  # resolves outside the context: not ours to read
    assert ctx.read(next(f for f in files or [] if f.path == "ok.txt")) == b"fine"


def test_bounds_mark_the_context_truncated(tmp_path: Path) -> None:
    _tree(tmp_path, {f"f{i:03}": "x" * 10 for i in range(50)})
    ctx = BuildContext(tmp_path, max_files=20)
    assert len(ctx.covered(".") or []) <= 20 and ctx.truncated
    ctx = BuildContext(tmp_path, max_read_bytes=25)
    reads = [ctx.read(f) for f in ctx.covered(".") or []]
    assert reads[:2] == [b"x" * 10] * 2 and reads[2] is None and ctx.truncated


@pytest.mark.parametrize(
    ("line", "sources"),
    [
        ("COPY . /app", ["."]),
        ("COPY a b /dst/", ["a", "b"]),
        ('COPY ["a b", "/dst"]', ["a b"]),
        ("COPY --from=build /app /app", []),
        ("ADD https://example.com/x.tgz /x", []),
        ("ADD git@github.com:o/r.git /r", []),
        ("COPY <<EOF /x\nhi\nEOF", []),
        ("RUN cp a b", []),
    ],
)
def test_context_sources(line: str, sources: list[str]) -> None:
    ins = parse(f"FROM debian:12\n{line}\n").instructions[1]
    assert context_sources(ins) == sources
