"""The hygiene rule's path patterns, apart from the analyser (its tests must all fail when
it crashes: ``tests/meta``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hullcheck.imagerules.hygiene import CACHE_KIND, CACHE_KINDS

_PIECES = [
    "/var/lib/apt/lists/",
    "/var/cache/apt/",
    "archives/",
    "x.deb",
    "pkgcache.bin",
    "lock",
    "/var/cache/apk/",
    "/var/cache/dnf/",
    "/var/cache/zypp/",
    "/root",
    "/home/u",
    "/.cache/pip/",
    "/.npm/_cacache/",
    "/.cache/yarn/",
    "/usr/local/share/.cache/yarn/",
    "/.cache/go-build/",
    "/usr/lib/ruby/gems/3.1.0/cache/",
    "a.gem",
    "f",
    "/",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5))
def test_one_cache_search_names_the_kind_the_list_names_first(pieces: list[str]) -> None:
    path = "".join(pieces)
    first = next((name for name, rx in CACHE_KINDS if rx.search(path)), None)
    match = CACHE_KIND.match(path)
    assert (CACHE_KINDS[int(str(match.lastgroup)[1:])][0] if match else None) == first
