"""API tokens: made at random, stored as SHA-256 only, scoped, revocable.

Scopes nest: ``read`` sees reports, ``write`` also submits scans and manages watches,
``admin`` also manages tokens.  A token is 32 random bytes, so a plain SHA-256 is a
sound way to store it (no password stretching is needed for a secret with 256 bits).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hullcheck.server.db import Token

SCOPES = ("read", "write", "admin")
PREFIX = "hcs_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def allows(held: str, needed: str) -> bool:
    """Whether a token of scope ``held`` may do what needs ``needed``."""
    return SCOPES.index(held) >= SCOPES.index(needed)


def create_token(session: Session, name: str, scope: str) -> tuple[Token, str]:
    """A new token row and the token itself (shown once; only its hash is stored)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    token = PREFIX + secrets.token_urlsafe(32)
    row = Token(name=name[:200], token_hash=hash_token(token), scope=scope)
    session.add(row)
    session.flush()
    return row, token


def lookup(session: Session, token: str) -> Token | None:
    """The live token row for ``token`` (None: unknown or revoked)."""
    wanted = hash_token(token)
    row = session.scalar(select(Token).where(Token.token_hash == wanted))
    if row is None or row.revoked_at is not None:
        return None
    # the index lookup above already matched; compare again in constant time for form
    return row if hmac.compare_digest(row.token_hash, wanted) else None


def revoke(session: Session, token_id: int) -> bool:
    row = session.get(Token, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    return True
