"""Registry credentials of watches, encrypted at rest with a key from the environment.

``HULLCHECK_SERVER_KEY`` holds a Fernet key (``hullcheck serve --new-key`` prints one);
without it the service refuses to store credentials rather than keep them readable.
"""

from __future__ import annotations

import os

from cryptography.fernet import Fernet, InvalidToken

KEY_ENV = "HULLCHECK_SERVER_KEY"


class VaultError(ValueError):
    """Credentials cannot be stored or read (no key, or the wrong one)."""


def new_key() -> str:
    return Fernet.generate_key().decode()


def _fernet() -> Fernet:
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise VaultError(f"set {KEY_ENV} to store registry credentials (encrypted)")
    try:
        return Fernet(key.encode())
    except ValueError:
        raise VaultError(f"{KEY_ENV} is not a Fernet key (hullcheck serve --new-key)") from None


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise VaultError(f"stored credentials do not open with this {KEY_ENV}") from None
