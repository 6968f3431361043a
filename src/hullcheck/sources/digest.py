"""Content digests: validation of digest strings and hashing while reading."""

from __future__ import annotations

import hashlib
import re

from hullcheck.errors import ImageError

_DIGEST = re.compile(r"^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")


def check_digest(value: object, what: str) -> str:
    """Return ``value`` if it is a well-formed sha256/sha512 digest, else raise ImageError."""
    if not isinstance(value, str) or not _DIGEST.match(value):
        shown = value if isinstance(value, str) and len(value) < 200 else type(value).__name__
        raise ImageError(f"{what} has an invalid digest {shown!r}")
    return value


def new_hasher(digest: str) -> hashlib._Hash:
    """A hash object of the algorithm named by ``digest`` (already validated)."""
    return hashlib.sha512() if digest.startswith("sha512:") else hashlib.sha256()


def digest_of(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def blob_name(digest: str) -> str:
    """``algo/hex``: the relative path of a blob in an OCI layout or the cache."""
    algo, _, hexpart = digest.partition(":")
    return f"{algo}/{hexpart}"
