"""The one glob dialect (``hullcheck.globs``), and that every place matching paths
speaks it: catalogers, walker subscriptions, ignore rules' ``path:``, ``.dockerignore``."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hullcheck.catalog.base import glob_predicate
from hullcheck.dockerfile.dockerignore import compile_pattern
from hullcheck.globs import compile_glob, compile_globs, literal_tail, matches
from hullcheck.model import Finding, Location, Practice, Severity
from hullcheck.policy.ignores import IgnoreRule
from hullcheck.sources.walker import Subscription, _Compiled

CASES = [
    # (pattern, path, matches?)
    ("/etc/*.conf", "/etc/a.conf", True),
    ("/etc/*.conf", "/etc/sub/a.conf", False),  # * stays within one directory
    ("/etc/**", "/etc/sub/a.conf", True),  # ** at the end: everything below
    ("/app/venv/**", "/app/venv/lib/x/METADATA", True),
    ("/app/venv/**", "/app/other/x", False),
    ("**/package.json", "/app/node_modules/x/package.json", True),
    ("**/package.json", "/package.json", True),
    ("**/package.json", "/app/package.json.bak", False),
    ("/usr/**/lib.so", "/usr/lib.so", True),  # **/ is zero or more directories
    ("/usr/**/lib.so", "/usr/a/b/lib.so", True),
    ("/var/lib/dpkg/status.d/*", "/var/lib/dpkg/status.d/base", True),
    ("/var/lib/dpkg/status.d/*", "/var/lib/dpkg/status.d/x/y", False),
    ("/tmp/?.txt", "/tmp/a.txt", True),
    ("/tmp/?.txt", "/tmp/ab.txt", False),
    ("/tmp/?.txt", "/tmp//.txt", False),  # ? never matches /
    ("/tmp/[ab].txt", "/tmp/b.txt", True),
    ("/tmp/[ab].txt", "/tmp/c.txt", False),
    ("/tmp/[^ab].txt", "/tmp/c.txt", True),
    ("/tmp/[a-c]x", "/tmp/bx", True),
    ("/tmp/a+b(c).txt", "/tmp/a+b(c).txt", True),  # regex characters are literal
    ("/tmp/a+b(c).txt", "/tmp/aab(c)xtxt", False),
    ("/tmp/\\*", "/tmp/*", True),  # a backslash takes the next character literally
    ("/tmp/\\*", "/tmp/x", False),
    ("/etc/passwd", "/etc/passwd\n", False),  # the whole path, not up to a newline
    ("/Etc/passwd", "/etc/passwd", False),  # case-sensitive
    ("/tmp/[z-a]", "/tmp/q", False),  # a broken class matches nothing
]


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_dialect(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected
    assert (compile_glob(pattern).match(path) is not None) is expected


def test_several_patterns_in_one_expression() -> None:
    rx = compile_globs(["/etc/*.conf", "**/package.json", "/tmp/[z-a]"])
    assert rx is not None
    assert rx.match("/etc/a.conf") and rx.match("/x/package.json")
    assert not rx.match("/etc/sub/a.conf")
    assert compile_globs([]) is None


def _ignore_matches(pattern: str, path: str) -> bool:
    rule = IgnoreRule(id="CVE-2024-1", reason="r", path=pattern)
    finding = Finding(
        rule="CVE-2024-1",
        practice=Practice.VULNERABILITIES,
        severity=Severity.HIGH,
        title="t",
        message="m",
        location=Location(file=path),
    )
    return rule.matches(finding)


def _walker_matches(pattern: str, path: str) -> bool:
    compiled = _Compiled(Subscription("t", lambda ref, data: None, globs=(pattern,)))
    return compiled.matches(path, path.rpartition("/")[2], "file")


@pytest.mark.parametrize(("pattern", "path", "expected"), CASES)
def test_every_place_speaks_the_same_dialect(pattern: str, path: str, expected: bool) -> None:
    assert glob_predicate(pattern)(path) is expected, "catalogers"
    assert _walker_matches(pattern, path) is expected, "walker subscriptions"
    assert _ignore_matches(pattern, path) is expected, "ignore rules' path"
    assert (compile_pattern(pattern).match(path) is not None) is expected, ".dockerignore"


PATTERNS = [
    "/var/lib/rpm/Packages",
    "**/*.dist-info/METADATA",
    "**/package.json",
    "**/specifications/**/*.gemspec",
    "**.jar",
    "usr/**",
    "**",
    "a/**/b",
    "**/x?[0-9]",
]
PATHS = [
    "/var/lib/rpm/Packages",
    "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
    "six-1.16.0.dist-info/METADATA",
    "/app/node_modules/a/package.json",
    "package.json",
    "/app/package.json.bak",
    "/g/specifications/x/y/z.gemspec",
    "/lib/app.jar",
    "app.jar",
    "usr/bin/env",
    "a/b",
    "a/q/r/b",
    "/deep/x17",
    "",
    "/",
]


@pytest.mark.parametrize("count", range(1, len(PATTERNS) + 1))
def test_one_regex_of_many_globs_matches_as_any_of_them(count: int) -> None:
    # the "**/" patterns share one leading "(.*/)?": the same answers, one scan of the path
    chosen = PATTERNS[-count:]
    rx = compile_globs(chosen)
    assert rx is not None
    for path in PATHS:
        expected = any(compile_glob(p).match(path) for p in chosen)
        assert bool(rx.match(path)) == expected, (chosen, path)


@pytest.mark.parametrize(
    ("pattern", "tail"),
    [
        ("**/package.json", "package.json"),
        ("**/*.jar", ".jar"),
        ("/var/lib/rpm/Packages", "/var/lib/rpm/Packages"),
        ("usr/**", ""),
        ("**/x?[0-9]", ""),
        ("a\\*b", "b"),
        ("trailing\\", ""),
    ],
)
def test_literal_tail_is_what_every_match_ends_with(pattern: str, tail: str) -> None:
    assert literal_tail(pattern) == tail


_GLOB_CHARS = st.sampled_from(["*", "**/", "?", "[a-c]", "[^b]", "\\", "/", "a", "b", ".", "["])
_PATH_CHARS = st.sampled_from(["/", "a", "b", "c", ".", "*", "\\", "["])


@settings(max_examples=400, deadline=None)
@given(
    patterns=st.lists(st.lists(_GLOB_CHARS, max_size=6).map("".join), min_size=1, max_size=4),
    paths=st.lists(st.lists(_PATH_CHARS, max_size=8).map("".join), max_size=8),
)
def test_the_set_with_its_tail_test_answers_as_its_globs_one_by_one(
    patterns: list[str], paths: list[str]
) -> None:
    globs = compile_globs(patterns)
    assert globs is not None
    for path in paths:
        expected = any(compile_glob(p).match(path) for p in patterns)
        assert bool(globs.match(path)) == expected, (patterns, path)
