"""The anchor speed hint changes how much text the slow regex reads, never what it finds."""

from __future__ import annotations

import dataclasses
import random
from re import _parser  # the width computation re itself uses

from hullcheck.secrets import BUILTIN_RULES, SecretScanner
from hullcheck.secrets.builtin import (
    ASSIGNMENT_ANCHOR,
    ASSIGNMENT_HEAD,
    ASSIGNMENT_REACH,
    ASSIGNMENT_TAIL,
    ASSIGNMENT_VALUE,
)
from hullcheck.secrets.rules import Rule, compile_rule
from hullcheck.secrets.scanner import _anchor_windows


def test_assignment_reach_is_the_longest_possible() -> None:
    head = _parser.parse("(?i)" + ASSIGNMENT_HEAD).getwidth()[1]
    # a backreference has no width of its own here: it repeats the one-byte quote
    tail = _parser.parse(ASSIGNMENT_TAIL.replace("(?P=q)", "[\"']")).getwidth()[1]
    # the anchor starts on the operator's last byte, the head's last byte
    assert (head - 1, 1 + tail) == ASSIGNMENT_REACH


def test_builtin_anchors_are_the_assignment_one() -> None:
    anchored = [r for r in BUILTIN_RULES if r.anchor is not None]
    assert [r.id for r in anchored] == ["generic-secret-assignment"]
    assert anchored[0].anchor == ASSIGNMENT_ANCHOR
    assert anchored[0].reach == ASSIGNMENT_REACH
    assert anchored[0].regex == "(?i)" + ASSIGNMENT_HEAD + ASSIGNMENT_TAIL
    assert anchored[0].anchor_next == ASSIGNMENT_VALUE
    assert ASSIGNMENT_TAIL.endswith(ASSIGNMENT_VALUE)  # the match goes on as the check says


def test_anchor_hits_whose_value_cannot_be_a_secret_read_nothing() -> None:
    rule = next(r for r in BUILTIN_RULES if r.id == "generic-secret-assignment")
    compiled = compile_rule(rule)
    assert compiled.anchor is not None and compiled.anchor_next is not None
    code = b'const token = ""; opts.password = "x"; a = {secret: \'\'}; t = "has space"\n'
    whole = [(0, len(code))]
    assert _anchor_windows(code, whole, compiled.anchor, rule.reach) != []
    assert _anchor_windows(code, whole, compiled.anchor, rule.reach, compiled.anchor_next) == []
    real = code + b'password = "Zq8#kLm2Pw"\n'
    kept = _anchor_windows(
        real, [(0, len(real))], compiled.anchor, rule.reach, compiled.anchor_next
    )
    [(start, end)] = kept  # the last line's hit only, with its reach
    assert start == real.rindex(b'= "Zq8') - ASSIGNMENT_REACH[0]
    assert end == len(real)


def _loose(anchor: bool) -> SecretScanner:
    """The assignment rule without its value checks, so every regex match is reported."""
    rule = next(r for r in BUILTIN_RULES if r.id == "generic-secret-assignment")
    rule = dataclasses.replace(rule, validator=None, paths=None)
    if not anchor:
        rule = dataclasses.replace(rule, anchor=None)
    return SecretScanner([rule])


def _found(scanner: SecretScanner, data: bytes) -> list[tuple[int, int, str | None]]:
    return [(m.start, m.end, m.key) for m in scanner.scan(data, path="/app/settings.py")]


PIECES = (
    b"password",
    b"db_password",
    b"token",
    b"client-secret",
    b"API_KEY",
    b"x",
    b"abcdefgh",
    b"s3cr3tValue99",
    b"=",
    b":",
    b":=",
    b"=>",
    b" ",
    b"   ",
    b"\n",
    b'"',
    b"'",
    b"\\",
    b".",
    b"_" * 30,
    b"v" * 250,
)


def _piece(rng: random.Random) -> bytes:
    """Noise, or an assignment (likely to match), or the parts of one out of order."""
    if rng.random() < 0.5:
        return rng.choice(PIECES)
    quote = rng.choice((b'"', b"'"))
    parts = [
        rng.choice((b"", b"my_", b"a.b-", b"_" * 40)),
        rng.choice((b"password", b"token", b"secret_key", b"credentials", b"pwd")),
        rng.choice((b"", b'"', b"'")),
        b" " * rng.randint(0, 4),
        rng.choice((b"=", b":", b":=", b"=>")),
        b"\n" * rng.randint(0, 2),
        quote,
        rng.choice((b"Zq8#kLm2Pw", b"short", b"x" * 255, b"y" * 257, b"a:b=c'd")),
        rng.choice((quote, b"")),
    ]
    if rng.random() < 0.2:
        rng.shuffle(parts)
    return b"".join(parts)


def test_anchor_windows_find_what_whole_windows_find() -> None:
    rng = random.Random(1234)
    with_anchor, without = _loose(True), _loose(False)
    total = 0
    for _ in range(3000):
        data = b"".join(_piece(rng) for _ in range(rng.randint(1, 40)))
        expected = _found(without, data)
        total += len(expected)
        assert _found(with_anchor, data) == expected, data
    assert total > 1000  # the samples do exercise the regex


def test_overlapping_candidates_keep_finditer_order() -> None:
    data = b'token = "xx_password="yyyyyyyyy" and pwd=> "zzzzzzzzzz"\n' * 3
    assert _found(_loose(True), data) == _found(_loose(False), data)
    assert len(_found(_loose(True), data)) == 6


def test_rule_without_anchor_has_no_reach() -> None:
    assert Rule("x", "x", "x", BUILTIN_RULES[0].severity, "x").anchor is None
