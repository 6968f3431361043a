"""Mutations of valid inputs, as hypothesis strategies, and the bounded-call harness.

``mutated(seed)`` draws one hostile variant of a real, valid input: truncated, bit
flipped, bytes deleted or duplicated, or with a huge number, deep nesting, odd unicode
or NUL bytes inserted at some offset (several of these stacked).  ``bounded(fn)`` calls
``fn`` and checks the standard every reader must meet: it returns or raises a
``HullcheckError`` with a one-line message, within a time and a memory budget.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections.abc import Callable
from typing import TypeVar

from hypothesis import settings
from hypothesis import strategies as st

from hullcheck.errors import HullcheckError

T = TypeVar("T")
SCALE = int(os.environ.get("HULLCHECK_FUZZ_SCALE", "1"))
"""Multiply every test's example budget (e.g. 20 for a long local fuzzing session)."""


def examples(n: int) -> settings:
    """``@examples(40)``: a modest budget for CI, scaled up by HULLCHECK_FUZZ_SCALE."""
    return settings(max_examples=n * SCALE)


INSERTS: tuple[bytes, ...] = (
    b"99999999999999999999999999999999",
    b"-1",
    b"18446744073709551616",
    b"1e999999",
    b"[" * 5000,
    b"{" * 5000,
    b'{"a":' * 3000,
    b"\x00" * 16,
    b"\x00",
    "\u202e\ufeff\U0010ffff\ud7ff".encode(),
    "\u0000\u200b../".encode(),
    b"\xff\xfe\xfd",
    b"\xc0\xaf",  # overlong UTF-8 '/'
    b"../../../../etc/passwd",
    b"\n" * 64,
    b"A" * 70_000,
    b"\x7f\xff\xff\xff",
    b"\xff\xff\xff\xff\xff\xff\xff\xff",
    b"&a [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
)


@st.composite
def _one(draw: st.DrawFn, data: bytes) -> bytes:
    n = len(data)
    kind = draw(st.sampled_from(("truncate", "flip", "insert", "delete", "dup", "set")))
    if n == 0:
        return draw(st.sampled_from(INSERTS))
    pos = draw(st.integers(0, n - 1))
    if kind == "truncate":
        return data[:pos]
    if kind == "flip":
        bit = draw(st.integers(0, 7))
        return data[:pos] + bytes([data[pos] ^ (1 << bit)]) + data[pos + 1 :]
    if kind == "set":
        value = draw(st.sampled_from((0x00, 0xFF, 0x7F, 0x80, 0x22, 0x5C, 0x2F)))
        return data[:pos] + bytes([value]) + data[pos + 1 :]
    if kind == "delete":
        length = draw(st.integers(1, 64))
        return data[:pos] + data[pos + length :]
    if kind == "dup":
        length = draw(st.integers(1, 256))
        return data[:pos] + data[pos : pos + length] * draw(st.integers(2, 50)) + data[pos:]
    insert = draw(st.one_of(st.sampled_from(INSERTS), st.binary(min_size=1, max_size=32)))
    return data[:pos] + insert + data[pos:]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes, max_mutations: int = 3) -> bytes:
    """A hostile variant of ``seed`` (see the module docstring)."""
    data = seed
    for _ in range(draw(st.integers(1, max_mutations))):
        data = draw(_one(data))
    return data


def check_message(err: HullcheckError) -> None:
    """What the CLI will print: one non-empty line of bounded length."""
    text = str(err)
    assert text.strip(), f"empty message from {type(err).__name__}"
    assert "\n" not in text and "\r" not in text, text[:300]
    assert "Traceback" not in text


def bounded(
    fn: Callable[[], T],
    *,
    seconds: float = 5.0,
    peak_bytes: int | None = None,
) -> T | HullcheckError:
    """Call ``fn``: it returns, or raises a ``HullcheckError`` (returned); anything else
    propagates and fails the test.  Also asserts the time and (optionally, through
    tracemalloc) the peak Python memory it took."""
    if peak_bytes is not None:
        tracemalloc.start()
    start = time.monotonic()
    try:
        result: T | HullcheckError = fn()
    except HullcheckError as err:
        check_message(err)
        result = err
    finally:
        elapsed = time.monotonic() - start
        peak = 0
        if peak_bytes is not None:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s (budget {seconds} s)"
    if peak_bytes is not None:
        assert peak < peak_bytes, f"peak {peak} bytes (budget {peak_bytes})"
    return result
