"""Value heuristics and structural validators."""

from __future__ import annotations

import pytest

from hullcheck.secrets.validators import base62_checksum, github_token, jwt, npm_token
from hullcheck.secrets.values import (
    is_literal_secret,
    is_placeholder,
    is_reference,
    shannon_entropy,
)

from .corpus import JWT, checksummed


def test_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("abcd") == 2.0


@pytest.mark.parametrize(
    "value",
    ["${X}", "$X", "$(cat /run/secrets/x)", "%(pw)s", "{{ pw }}", "{password}", "@PW@", "`cat f`"],
)
def test_references(value: str) -> None:
    assert is_reference(value)
    assert not is_literal_secret(value, strict=False)


@pytest.mark.parametrize(
    "value",
    [
        "changeme",
        "CHANGE_ME",
        "example-key",
        "xxxxxxxx",
        "<token>",
        "********",
        "your_password",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "",
    ],
)
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


def test_strict_mode_rejects_code_and_words() -> None:
    assert is_literal_secret("hunter2x9", strict=False)
    assert is_literal_secret("hunter2x9", strict=True)
    for code in ["self.password", "getpass()", "PASSWORD_HASH", "https://example.org/x", "abc"]:
        assert not is_literal_secret(code, strict=True), code


def test_github_and_npm_checksums() -> None:
    token = checksummed("ghp_")
    assert github_token(token.encode())
    broken = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not github_token(broken.encode())
    assert npm_token(checksummed("npm_").encode())
    assert base62_checksum("") == "000000"


def test_jwt_structure() -> None:
    assert jwt(JWT.encode())
    assert not jwt(b"eyJub3Q.eyJqc29u.c2ln")
