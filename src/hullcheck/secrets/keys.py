"""Does a variable name hold a secret?  (``DB_PASSWORD`` yes, ``PASSWORD_FILE`` no.)

Used by the context mode of the scanner, where the key is known: a Dockerfile ``ENV``/
``ARG``/``LABEL``, an image config ``Env`` entry.  The decision is made on the last word of
the name, because suffixes such as ``_FILE``, ``_PATH``, ``_URL`` or ``_LENGTH`` turn a
secret-sounding name into a pointer or a setting.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[_\-.\s/]+|(?<=[a-z0-9])(?=[A-Z])")

_SECRET_LAST = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "passphrase",
        "passcode",
        "secret",
        "secrets",
        "token",
        "apikey",
        "secretkey",
        "privatekey",
        "accesskey",
        "credential",
        "credentials",
        "creds",
        "pat",
        "auth",
        "authtoken",
    }
)
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "secret",
        "private",
        "access",
        "auth",
        "encryption",
        "signing",
        "master",
        "client",
        "app",
        "account",
        "service",
        "storage",
        "license",
        "licence",
        "subscription",
        "shared",
        "hmac",
        "jwt",
        "session",
        "crypt",
        "cipher",
    }
)


def words(name: str) -> list[str]:
    """``dbPassword`` / ``DB_PASSWORD`` / ``db.password`` -> ``["db", "password"]``."""
    return [w.lower() for w in _SPLIT.split(name.strip()) if w]


def is_secret_key(name: str) -> bool:
    """Whether a variable called ``name`` would hold a credential."""
    parts = words(name)
    if not parts:
        return False
    last = parts[-1]
    if last in _SECRET_LAST:
        return True
    if last == "key" and len(parts) >= 2 and parts[-2] in _KEY_QUALIFIERS:
        return True
    # Rails' SECRET_KEY_BASE and friends: a secret whose name ends in a qualifier
    return "".join(parts).endswith(("secretkeybase", "secrettoken", "masterkey"))
