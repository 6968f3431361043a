"""Built-in regexes rewritten for speed find exactly what their first form found."""

from __future__ import annotations

import random
import re

from hullcheck.secrets import BUILTIN_RULES

# url-password as first written: the lookbehind first, so re tried it at every byte
URL_PASSWORD_BEFORE = (
    r"(?<=[A-Za-z0-9])://(?P<user>[^\s:@/?#\"'<>]{0,64}):(?P<secret>[^\s@/?#\"'<>]{3,128})@"
    r"(?!(?:[\w\-]+\.)*(?:example\.(?:com|org|net)|bogus\.net|[\w\-]+\.(?:example|invalid|test))\b)"
    r"(?P<host>[A-Za-z0-9.\-_\[\]]{2,})"
)
_PIECES = [
    b"://", b"http", b"s", b"://", b":", b"@", b"x", b"1", b" ", b"/", b"?", b"example.com",
    b"db.internal", b"-", b".", b"\n", b'"', b"<", b"_", b"[", b"]", b"p4ssw0rd", b"\xc3",
]  # fmt: skip


def _piece(rng: random.Random) -> bytes:
    """Noise, or a URL with credentials (likely to match), or its parts out of order."""
    if rng.random() < 0.4:
        return rng.choice(_PIECES)
    parts = [
        rng.choice((b"postgres", b"https", b"", b" ", b"-")),
        b"://",
        rng.choice((b"app", b"", b"u" * 70, b"a b")),
        rng.choice((b":", b"")),
        rng.choice((b"p4ssw0rd", b"xy", b"s" * 130, b"pa/ss")),
        rng.choice((b"@", b"")),
        rng.choice((b"db.internal", b"example.com", b"x.test", b"h", b"[::1]", b"")),
        rng.choice((b"/db", b" ", b"", b":5432")),
    ]
    if rng.random() < 0.2:
        rng.shuffle(parts)
    return b"".join(parts)


def _spans(rx: re.Pattern[bytes], data: bytes) -> list[tuple[tuple[int, int], ...]]:
    return [tuple(m.span(g) for g in range(rx.groups + 1)) for m in rx.finditer(data)]


def test_url_password_finds_what_its_first_form_found() -> None:
    rule = next(r for r in BUILTIN_RULES if r.id == "url-password")
    now, before = re.compile(rule.regex.encode()), re.compile(URL_PASSWORD_BEFORE.encode())
    rng = random.Random(20261206)
    matched = 0
    for _ in range(5000):
        data = b"".join(_piece(rng) for _ in range(rng.randint(1, 12)))
        expected = _spans(before, data)
        assert _spans(now, data) == expected, data
        matched += bool(expected)
    assert matched > 50  # the samples do reach the regex's matches, not only its misses
