""".dockerignore parsing and matching, against the examples of Docker's documentation
("Build context: .dockerignore files") and moby/patternmatcher's semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from hullcheck.dockerfile.dockerignore import DockerIgnore, ignore_file_for, parse_lines

DOCS_EXAMPLE = """\
# comment
*/temp*
*/*/temp*
temp?
"""


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("somedir/temporary.txt", True),
        ("somedir/temp", True),
        ("somedir/temp/inner.txt", True),  # a matched directory takes its contents
        ("somedir/subdir/temporary.txt", True),
        ("tempa", True),
        ("tempb", True),
        ("temp", False),
        ("tempab", False),
        ("temporary.txt", False),  # */temp* needs one directory level
        ("a/b/c/temporary.txt", False),
        ("comment", False),
    ],
)
def test_docs_example(path: str, excluded: bool) -> None:
    assert DockerIgnore.from_text(DOCS_EXAMPLE).excluded(path) is excluded


@pytest.mark.parametrize(
    ("text", "path", "excluded"),
    [
        ("**/*.go", "main.go", True),
        ("**/*.go", "cmd/tool/main.go", True),
        ("**/*.go", "main.gox", False),
        ("*.md\n!README.md", "CHANGELOG.md", True),
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README*.md\nREADME-secret.md", "README-secret.md", True),
        ("*.md\n!README*.md\nREADME-secret.md", "README-x.md", False),
        ("*.md\nREADME-secret.md\n!README*.md", "README-secret.md", False),  # last match wins
        ("/foo/bar", "foo/bar", True),  # a leading slash is the context root
        ("foo/bar/", "foo/bar/x", True),
        ("./foo", "foo", True),  # cleaned like filepath.Clean
        ("foo/../bar", "bar", True),
        ("*", "x", True),
        ("*", "dir/x", True),  # through the parent directory
        ("dir/**", "dir/a/b", True),
        ("dir/**", "dira", False),
        ("**/node_modules", "node_modules/x.js", True),
        ("**/node_modules", "a/b/node_modules/x.js", True),
        ("temp?", "temp/x", False),
        ("[a-c]x", "bx", True),
        ("[a-c]x", "dx", False),
        ("[^a]x", "bx", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a.b", "axb", False),  # '.' is literal
        ("  .env  ", ".env", True),  # surrounding spaces are trimmed
        ("#.env", ".env", False),  # a comment, not a pattern
        (" #.env", "#.env", True),  # only a line *starting* with # is a comment
        ("! .env", ".env", False),
        ("secrets\n!secrets/keep", "secrets/keep", False),
        ("secrets\n!secrets/keep", "secrets/other", True),
    ],
)
def test_patterns(text: str, path: str, excluded: bool) -> None:
    assert DockerIgnore.from_text(text).excluded(path) is excluded


def test_parse_normalises_like_readall() -> None:
    text = "\ufeff/a/\n\n  # not a comment?\n# comment\n!/b/./c\n//d\n!\n"
    assert parse_lines(text) == ["a", "# not a comment?", "!b/c", "d", "!"]


def test_prunes_only_without_exceptions() -> None:
    assert DockerIgnore.from_text(".git").prunes(".git")
    assert not DockerIgnore.from_text(".git\n!.git/HEAD").prunes(".git")


def test_dockerfile_specific_ignore_file_wins(tmp_path: Path) -> None:
    dockerfile = tmp_path / "sub" / "app.Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text("FROM scratch\n")
    assert ignore_file_for(dockerfile, tmp_path) is None
    (tmp_path / ".dockerignore").write_text("x\n")
    assert ignore_file_for(dockerfile, tmp_path) == tmp_path / ".dockerignore"
    beside = tmp_path / "sub" / "app.Dockerfile.dockerignore"
    beside.write_text("y\n")
    assert ignore_file_for(dockerfile, tmp_path) == beside
