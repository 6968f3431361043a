"""Judging a candidate secret value: entropy, placeholders, references, documented examples.

Every generic rule ("a key named like a password, followed by a value") lives or dies by
these checks, so they are kept in one place and tested on their own.  A value is rejected
when it is clearly not a literal secret: empty, a variable reference (``${X}``, ``$X``,
``$(cat f)``, ``%(x)s``, ``{{ x }}``), a path, a placeholder word (``changeme``,
``example``, ``xxxx``, ``<token>``) or a documented example key such as AWS's
``AKIAIOSFODNN7EXAMPLE``.
"""

from __future__ import annotations

import math
import re
from collections import Counter

DOCUMENTED_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "AKIAI44QH8DHBEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "ASIAIOSFODNN7EXAMPLE",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
        "xoxb-not-a-real-token-this-will-not-work",
        "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",  # RFC 7617's Aladdin:open sesame
        "YWxhZGRpbjpvcGVuc2VzYW1l",  # and its lower-case form in MDN's docs
    }
)
"""Keys that vendors print in their documentation; never reported."""

KNOWN_PUBLIC = frozenset(
    {
        # OAuth "installed application" client secrets and API keys that Google ships in
        # the open-source Cloud SDK (gcloud, gsutil, bq): public by design, in every copy
        "ZmssLNjJy2998hD4CTg2ejr2",
        "wbER7576mc_1YOII0dGk7jEE",
        "d-FL95Q19q7MQmFpd7hHD0Ty",
        "AIzaSyDnacJHrKma0048b13sh8cgxNUwulubmJM",
        "AIzaSyCUuWyME_r4XylltWNeydEjKSkgXkvpVyU",
        "AIzaSyAp4DSI_Z3-mK-B8U0t7GE34n74OWDJmak",
    }
)
"""Values distributed publicly inside official software; never reported."""

_PLACEHOLDER_WORDS = frozenset(
    {
        "",
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "password",
        "passwd",
        "pass",
        "secret",
        "token",
        "apikey",
        "api_key",
        "example",
        "test",
        "testing",
        "dummy",
        "sample",
        "fake",
        "foo",
        "bar",
        "foobar",
        "baz",
        "string",
        "value",
        "default",
        "empty",
        "redacted",
        "hidden",
        "masked",
        "required",
        "optional",
        "todo",
        "tbd",
        "fixme",
        "unset",
        "notset",
        "not-set",
        "not_set",
        "unknown",
        "placeholder",
        "secretkey",
        "secret_key",
        "mypassword",
        "yourpassword",
        "your_password",
        "your-password",
        "password123",
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "abcdef",
        "abc123",
        "qwerty",
        "hunter2",
        "xyzzy",
        "p4ssw0rd",
        "passw0rd",
        "s3cr3t",
        "letmein",
        "password1",
        "abcde12345",
        "abcd1234",
    }
)

WEAK_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "passw0rd",
        "p4ssw0rd",
        "s3cr3t",
        "secret123",
        "admin123",
        "letmein",
        "qwerty",
        "abc123",
        "abcd1234",
        "123456",
        "12345678",
        "123456789",
        "1234567890",
        "welcome1",
        "toor",
    }
)
"""Placeholder-looking words that are real (weak) passwords where a credential is known
to be set: ``ENV DB_PASSWORD=password123``, a ``.pgpass`` line, a registry ``auth``."""

_PLACEHOLDER_FRAGMENTS = (
    "example",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "replace",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "insert",
    "dummy",
    "redacted",
    "xxxx",
    "****",
    "....",
    "…",
    "<",
    ">",
    "sample",
    "notreal",
    "not-real",
    "not_real",
    "not-a-real",
    "fake",
)

_REFERENCE = re.compile(
    r"""^(?:
        \$\{[^}]*\}                 # ${VAR} ${VAR:-x}
      | \$[A-Za-z_][A-Za-z0-9_]*    # $VAR
      | \$\(.*\)                    # $(cat /run/secrets/x)
      | `.*`                        # `cat file`
      | %\([^)]*\)[sdr]             # %(name)s
      | %[sdr]                      # %s
      | \{\{.*\}\}                  # {{ template }}
      | \{[A-Za-z_][\w.]*\}         # {name}
      | @[A-Za-z_][\w]*@            # @AUTOCONF@
      | %[A-Za-z_][\w]*%            # %WINDOWS_VARIABLE% (NuGet.Config, cmd)
      | __[A-Z][A-Z0-9_]*__         # __PLACEHOLDER__
      | \#\{.*\}                    # #{ruby}
      | <%.*%>                      # <%= erb %>
      | env\(.*\)                   # env(NAME)
      | secret\(.*\)
    )""",
    re.VERBOSE | re.IGNORECASE,
)
_REFERENCE_ANYWHERE = re.compile(
    r"\$\{[A-Za-z_][\w:-]*\}|\$\([^)]*\)|\{\{[^}]*\}\}"
    r"|%[sdr]|%\([^)]+\)[sdr]|\{\d*\}|\{[A-Za-z_][\w.]*\}"  # format strings: %s {} {0} {name}
)

_PATH = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\|file:|\\\\)")
_SAME_CHAR = re.compile(r"^(.)\1*$", re.DOTALL)
_IDENTIFIER = re.compile(
    r"^[A-Za-z_]+(?:[./:\-][A-Za-z_]+)*$"  # words: auth-request-type/at, a.b.c
    r"|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$"  # dotted module paths: google_oauth2.Credentials
    r"|^[A-Za-z]+(?:_[A-Za-z0-9]+)+$"  # SNAKE_CASE names: ACCESS_TOKEN_1, subject_token_0
)
SECRET_WORD = re.compile(r"(?i)pass(?:wor)?d|secret|token|api_?key")
_CODE = re.compile(r"[()\[\]]|\b(?:process\.env|os\.environ|getenv|config\.|self\.|this\.)")


def shannon_entropy(value: str | bytes) -> float:
    """Bits of entropy per character of ``value`` (0 for an empty value)."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum((c / total) * math.log2(c / total) for c in counts.values())


def is_documented_example(value: str) -> bool:
    """True for the vendor documentation keys that appear in every tutorial."""
    return (
        value in DOCUMENTED_EXAMPLES
        or value in KNOWN_PUBLIC
        or value.upper().endswith("EXAMPLE")
        or ("EXAMPLEKEY" in value.upper())
    )


def is_reference(value: str) -> bool:
    """True for a value that names where the secret comes from instead of holding it."""
    v = value.strip()
    return bool(_REFERENCE.match(v) or _REFERENCE_ANYWHERE.search(v))


def is_path(value: str) -> bool:
    """True for an absolute or relative file path (``/run/secrets/db``, ``./key.pem``)."""
    return bool(_PATH.match(value.strip()))


def is_placeholder(value: str) -> bool:
    """True for empty values, placeholder words, masks and template markers."""
    v = value.strip().strip("\"'")
    low = v.lower()
    if low in _PLACEHOLDER_WORDS or _SAME_CHAR.match(v):
        return True
    if any(fragment in low for fragment in _PLACEHOLDER_FRAGMENTS):
        return True
    return is_documented_example(v)


def char_classes(value: str) -> int:
    """How many of lower, upper, digit, other the value uses."""
    return (
        any(c.islower() for c in value)
        + any(c.isupper() for c in value)
        + any(c.isdigit() for c in value)
        + any(not c.isalnum() for c in value)
    )


def is_literal_secret(value: str, *, strict: bool) -> bool:
    """Whether ``value`` looks like a real literal credential.

    ``strict`` is for values read out of arbitrary files (source code, configs), where a
    value that looks like an identifier or an expression is code, not a password;
    lenient mode is for a value whose key is known to name a secret (``ENV DB_PASSWORD``).
    """
    v = value.strip()
    if not strict and v.lower() in WEAK_PASSWORDS:
        return True
    if not v or is_placeholder(v) or is_reference(v) or is_path(v):
        return False
    if not strict:
        # a known secret variable may hold a passphrase with spaces, not a sentence
        return len(v) >= 4 and len(v.split()) <= 4 and "\n" not in v
    if len(v) < 8 or len(v) > 256 or any(c.isspace() for c in v):
        return False
    if _IDENTIFIER.match(v) or _CODE.search(v) or "://" in v:
        return False
    # a value that names what it stands for ("some+client+secret", "subject_token_0",
    # "##invalid-password##") is a placeholder written by a developer
    if SECRET_WORD.search(v):
        return False
    if char_classes(v) < 2:
        return False
    return shannon_entropy(v) >= 3.0
