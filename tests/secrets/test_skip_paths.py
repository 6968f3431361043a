"""The shortcuts in deciding which paths to read: they must skip exactly what the regexes
and the allow-list would skip, only faster."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hullcheck.secrets import Allowlist, SecretScanner
from hullcheck.secrets.scanner import _SKIP_NEEDLES, DEFAULT_SKIP_PATHS

# every word the built-in skip regexes spell, near misses of them, and plain names, so
# generated paths hit each alternative and each boundary of the needles
_PARTS = (
    *("usr", "lib", "share", "local", "site-packages", "dist-packages", "node_modules"),
    *("vendor", "vendored", "third_party", "test", "tests", "testing", "testdata"),
    *("test_data", "__tests__", "fixture", "fixtures", "dummyserver", "example"),
    *("examples", "sample", "samples", "spec", "Tests", "FIXTURES", "tes", "exampl"),
    *("a_test.go", "b_test.py", "c_test.rb", "test_d.py", "e.test.js", "f.spec.mts"),
    *("g.spec.cjsx", "h.test.ts", "latest.js", "contest.py", "specs", "index.js", "key.pem"),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.sampled_from(_PARTS), min_size=1, max_size=8),
    st.booleans(),
)
def test_needles_never_skip_less_than_the_regex(parts: list[str], rooted: bool) -> None:
    path = ("/" if rooted else "") + "/".join(parts)
    expected = next((reason for reason, rx in DEFAULT_SKIP_PATHS if re.search(rx, path)), None)
    assert SecretScanner().skip_reason(path, 0) == expected, path


def test_needles_guard_only_the_builtin_regex_they_were_written_for() -> None:
    for reason, rx in _SKIP_NEEDLES:
        assert (reason, rx) in DEFAULT_SKIP_PATHS
    # the same reason with a user's own regex is searched on every path
    custom = SecretScanner(skip_paths=[("package-tests", r"/node_modules/.*/private/")])
    assert custom.skip_reason("/app/node_modules/x/private/k.js", 0) == "package-tests"
    builtin = SecretScanner()
    assert builtin.skip_reason("/app/node_modules/x/fixtures/k.js", 0) == "package-tests"
    assert builtin.skip_reason("/app/node_modules/x/private/k.js", 0) is None


def test_allows_paths_says_whether_any_path_can_be_allowed() -> None:
    assert not Allowlist().allows_paths
    assert Allowlist.build(paths=["^/a$"]).allows_paths
    # an entry scoped to some rules never allows the whole file
    assert not Allowlist.build(paths=["^/a$"], rules=["jwt"]).allows_paths
    assert not Allowlist.build(regexes=["x"], stopwords=["y"]).allows_paths
    merged = Allowlist().merged(Allowlist.build(paths=["^/b$"]))
    assert merged.allows_paths
    assert SecretScanner(allowlist=merged).skip_reason("/b", 0) == "allowlisted-path"
    assert SecretScanner(allowlist=merged).skip_reason("/c", 0) is None
