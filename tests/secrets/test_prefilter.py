"""The keyword prefilter finds exactly the hits a lower-cased substring search finds."""

from __future__ import annotations

import threading
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hullcheck.errors import ConfigError
from hullcheck.secrets import BUILTIN_RULES
from hullcheck.secrets.prefilter import KeywordPrefilter

# letters of both cases, separators, NUL, and latin-1 letters whose case bytes.lower()
# does not fold (É, é): the prefilter must fold exactly what bytes.lower folds
_ALPHABET = b"aAbBkKyY_-.\x00\xc9\xe9 "


def _reference(
    keywords: list[tuple[str, int]], data: bytes, limit: int
) -> dict[int, list[tuple[int, int]]]:
    """Every occurrence of every keyword in ``data.lower()``, overlapping, per rule."""
    owners: dict[bytes, list[int]] = {}
    for keyword, index in keywords:
        try:
            pattern = keyword.lower().encode("latin-1")
        except UnicodeEncodeError:
            continue
        if pattern and index not in owners.setdefault(pattern, []):
            owners[pattern].append(index)
    lowered = data.lower()
    hits: list[tuple[int, int, int]] = []
    for pattern, indexes in owners.items():
        at = lowered.find(pattern)
        while at >= 0:
            hits.extend((at + len(pattern), at, index) for index in indexes)
            at = lowered.find(pattern, at + 1)
    out: dict[int, list[tuple[int, int]]] = {}
    for end, start, index in sorted(hits):
        positions = out.setdefault(index, [])
        if len(positions) < limit:
            positions.append((start, end))
    return out


def _sorted(hits: dict[int, list[tuple[int, int]]]) -> dict[int, list[tuple[int, int]]]:
    return {index: sorted(positions) for index, positions in hits.items()}


@settings(max_examples=300, deadline=None)
@given(
    keywords=st.lists(
        st.tuples(
            st.text(alphabet="aAbBkKyY_-.\x00ÉéŁ ", min_size=0, max_size=4),
            st.integers(0, 5),
        ),
        max_size=8,
    ),
    data=st.binary(max_size=300).map(lambda b: bytes(_ALPHABET[x % len(_ALPHABET)] for x in b)),
)
def test_hits_are_those_of_a_lowercased_search(
    keywords: list[tuple[str, int]], data: bytes
) -> None:
    got = KeywordPrefilter(keywords).rule_hits(data, 1_000_000)
    assert _sorted(got) == _reference(keywords, data, 1_000_000)


def test_hits_past_the_limit_are_dropped_and_the_kept_ones_are_the_first() -> None:
    data = b"xx API_key=1 " * 50
    got = KeywordPrefilter([("api_KEY", 0), ("key", 1)]).rule_hits(data, 7)
    assert got == _reference([("api_KEY", 0), ("key", 1)], data, 7)
    assert [len(v) for v in got.values()] == [7, 7]


def test_a_file_full_of_keywords_costs_no_memory_per_hit() -> None:
    data = b"sg." * (3 << 20)  # 9 MiB, over three million hits of one keyword
    prefilter = KeywordPrefilter([("SG.", 0), ("sg.sg", 1)])
    tracemalloc.start()
    try:
        hits = prefilter.rule_hits(data, 4096)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [len(hits[0]), len(hits[1])] == [4096, 4096]
    assert hits[0][:2] == [(0, 3), (3, 6)]
    # a list of every hit would take hundreds of MB; what is kept is two short lists
    assert peak < 4 << 20


def test_threads_scan_at_once_each_with_its_own_scratch() -> None:
    prefilter = KeywordPrefilter([("password", 0), ("token", 1)])
    data = (b"x" * 4000 + b"PassWord token ") * 2000  # long enough to overlap in threads
    expected = prefilter.rule_hits(data, 10_000)
    results: list[dict[int, list[tuple[int, int]]]] = []
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            for _ in range(5):
                results.append(prefilter.rule_hits(data, 10_000))
        except BaseException as err:  # reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 20
    assert all(r == expected for r in results)
    assert len(expected[0]) == 2000


def test_no_keyword_means_no_hit_and_an_empty_file_is_fine() -> None:
    assert KeywordPrefilter([]).empty
    assert KeywordPrefilter([]).rule_hits(b"password", 10) == {}
    assert KeywordPrefilter([("Ł", 0), ("", 1)]).rule_hits(b"\x41", 10) == {}
    assert KeywordPrefilter([("a", 0)]).rule_hits(b"", 10) == {}


def test_a_keyword_the_engine_cannot_take_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="keywords cannot be compiled"):
        KeywordPrefilter([("k" * 200_000, 0)])


def test_one_keyword_set_is_compiled_once_and_each_prefilter_keeps_its_own_rules() -> None:
    first = KeywordPrefilter([("password", 0), ("token", 1)])
    second = KeywordPrefilter([("PASSWORD", 5), ("token", 7), ("token", 8)])
    other = KeywordPrefilter([("password", 0)])
    assert first._database is second._database  # the same keywords: not compiled again
    assert other._database is not first._database
    data = b"a password and a Token"
    assert first.rule_hits(data, 10) == {0: [(2, 10)], 1: [(17, 22)]}
    assert second.rule_hits(data, 10) == {5: [(2, 10)], 7: [(17, 22)], 8: [(17, 22)]}
    assert other.rule_hits(data, 10) == {0: [(2, 10)]}


def test_a_keyword_set_that_failed_fails_again() -> None:
    for _ in range(2):  # the failure is not kept as if it were a database
        with pytest.raises(ConfigError, match="keywords cannot be compiled"):
            KeywordPrefilter([("q" * 200_000, 0)])


def test_every_builtin_keyword_is_found_at_every_offset_in_every_case() -> None:
    """The engine's accelerators skip ahead over long buffers, and Vectorscan 5.4.12 (the
    wheel's) has missed matches there: ``(?i)(?:github|gh)\\w{0,15}pat=`` finds nothing in
    29 bytes of ``a`` then ``ghpat=`` (docs/secrets.md).  The prefilter is pure literals;
    this holds it to finding each built-in keyword after 0 to 99 bytes and after 4 KiB,
    upper, lower and mixed case, in one database as the scanner builds it."""
    keywords = sorted({kw for rule in BUILTIN_RULES for kw in rule.keywords})
    prefilter = KeywordPrefilter((kw, i) for i, kw in enumerate(keywords))
    missed = []
    for index, keyword in enumerate(keywords):
        raw = keyword.encode("latin-1")
        for spelled in (raw.lower(), raw.upper(), raw.swapcase()):
            for before in [*range(100), 4095, 4096]:
                filler = (b"a", b" 0", b"\x00")[before % 3]
                data = (filler * before)[:before] + spelled + filler
                if index not in prefilter.rule_hits(data, 1):
                    missed.append((keyword, spelled, filler, before))
    assert missed == []
