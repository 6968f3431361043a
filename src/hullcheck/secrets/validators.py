"""Structural checks that turn a regex hit into a confident finding.

A validator receives the candidate secret (bytes) and returns whether it is well formed:
a GitHub/npm token whose CRC32 checksum matches, a JWT whose header decodes to JSON with
an ``alg``, a private key block whose body is long enough base64, a Docker ``auth``
value that decodes to ``user:password``.  Rules name their validator in ``VALIDATORS``
so the rule table stays plain data.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Mapping

from hullcheck.secrets.values import (
    SECRET_WORD,
    is_literal_secret,
    is_placeholder,
    shannon_entropy,
)

Validator = Callable[[bytes], bool]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62_checksum(body: str) -> str:
    """The 6-character base62 CRC32 of ``body``, as GitHub and npm tokens end with."""
    n = zlib.crc32(body.encode("ascii"))
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(6, "0")


def _crc32_token(secret: bytes, prefix_len: int) -> bool:
    """``prefix`` + 30 random base62 + 6 checksum chars (GitHub 2021 format, npm)."""
    try:
        text = secret.decode("ascii")
    except UnicodeDecodeError:
        return False
    body, check = text[prefix_len:-6], text[-6:]
    return len(body) == 30 and base62_checksum(body) == check


def github_token(secret: bytes) -> bool:
    """ghp_/gho_/ghu_/ghs_/ghr_ tokens carry a CRC32 of their random part."""
    if len(secret) != 40:
        # ghr_ refresh tokens are longer and not documented to carry the same checksum
        return secret.startswith(b"ghr_") and shannon_entropy(secret[4:]) > 3.5
    return _crc32_token(secret, 4)


def npm_token(secret: bytes) -> bool:
    """npm_ tokens follow GitHub's format: 30 random base62 characters and a CRC32."""
    return _crc32_token(secret, 4)


def _b64decode(text: bytes) -> bytes | None:
    padded = text + b"=" * (-len(text) % 4)
    try:
        return base64.b64decode(
            padded, altchars=b"-_" if b"-" in text or b"_" in text else None, validate=True
        )
    except (binascii.Error, ValueError):
        return None


def jwt(secret: bytes) -> bool:
    """A JWT whose header is JSON with ``alg`` and whose payload is a JSON object."""
    parts = secret.split(b".")
    if len(parts) < 2:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + b"=" * (-len(parts[0]) % 4)))
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + b"=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return False
    if not (isinstance(header, dict) and "alg" in header and isinstance(payload, dict)):
        return False
    # documentation tokens: jwt.io's "John Doe", library READMEs' {"some": "payload"}
    if payload.get("name") == "John Doe" or payload.get("sub") == "1234567890":
        return False
    return bool(_JWT_CLAIMS.intersection(payload))


_JWT_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "scope"})


_PEM_BODY = re.compile(rb"-----BEGIN [A-Z0-9 ]*-----(.*?)-----END", re.DOTALL)
_PEM_HEADER_LINE = re.compile(rb"^[A-Za-z-]+: .*$", re.MULTILINE)


def private_key(secret: bytes) -> bool:
    """A PEM/OpenSSH/PGP private block whose body is real base64 of a plausible length.

    Rejects documentation stubs (``MIIE...``, ``<your key>``) and blocks that only
    hold a few characters.
    """
    m = _PEM_BODY.search(secret)
    if not m:
        return False
    body = _PEM_HEADER_LINE.sub(b"", m.group(1))
    body = body.replace(b"\\n", b"").replace(b"\\r", b"")
    compact = re.sub(rb"[\s\\\"',+]", b"", body)
    if b"..." in compact or b"<" in compact or len(compact) < 64:
        return False
    if not re.fullmatch(rb"[A-Za-z0-9+/=]+", compact):
        return False
    return shannon_entropy(compact[:512]) > 4.5


def docker_auth(secret: bytes) -> bool:
    """``auths.<registry>.auth`` is base64 of ``user:password`` with a real password."""
    raw = _b64decode(secret)
    if raw is None or b":" not in raw:
        return False
    user, _, password = raw.partition(b":")
    try:
        text = password.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(user) and is_literal_secret(text, strict=False)


def basic_credentials(secret: bytes) -> bool:
    """A password read from a credentials file (netrc, pgpass, pypirc, npmrc)."""
    try:
        text = secret.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return is_literal_secret(text, strict=False)


_WORDS = re.compile(r"[A-Za-z]+(?:[-_][A-Za-z]+)*")


def cli_credential(secret: bytes) -> bool:
    """A ``--password VALUE`` value; a bare word is prose (``--password options``)."""
    text = secret.decode("utf-8", "replace")
    return (
        basic_credentials(secret)
        and not _WORDS.fullmatch(text)
        and not SECRET_WORD.search(text)  # "--password=123Abpassword" in help text
    )


_DES_CRYPT = re.compile(rb"[./0-9A-Za-z]{13}")
_NOT_TOKEN_CHARS = re.compile(r"[\\()|\[\]{}*<>$`]")


def token_value(secret: bytes) -> bool:
    """A registry/API token value read from a config file (``_authToken=...``).

    Real tokens are long and random (``npm_...``, a UUID, base64); a short word
    (``MYTOKEN``) or regex source (``npm_.+``) is documentation or code.
    """
    text = secret.decode("utf-8", "replace")
    return (
        basic_credentials(secret)
        and len(text) >= 16
        and not _NOT_TOKEN_CHARS.search(text)
        and not _WORDS.fullmatch(text)
        and shannon_entropy(text) >= 3.0
    )


def url_password(secret: bytes) -> bool:
    """The password part of ``scheme://user:password@host``, if it is a literal."""
    try:
        text = secret.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if text.lower() in {"password", "pass", "passwd", "pwd", "secret", "x-oauth-basic"}:
        return False
    return is_literal_secret(text, strict=False) and not is_placeholder(text)


def generic_assignment(secret: bytes) -> bool:
    """A quoted or config-file value assigned to a password-like key in any file."""
    try:
        text = secret.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return is_literal_secret(text, strict=True)


def high_entropy(secret: bytes) -> bool:
    """For keyed vendor rules: the value must look random, not like a word."""
    return not is_placeholder(secret.decode("latin-1")) and shannon_entropy(secret) >= 3.0


def k8s_secret_value(secret: bytes) -> bool:
    """A ``data:`` value of a Kubernetes Secret that decodes to a non-placeholder."""
    raw = _b64decode(secret.strip(b"\"'"))
    if raw is None:
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return len(raw) >= 8  # binary key material (e.g. a DER key) is still a secret
    return is_literal_secret(text, strict=False)


def htpasswd(secret: bytes) -> bool:
    """An htpasswd/shadow hash of a known crypt scheme (not a locked ``*``/``!``), or a
    13-character DES crypt (``htpasswd -d``) that is not one repeated character."""
    if secret.startswith((b"$", b"{SHA}", b"{SSHA}")):
        return len(secret) >= 13
    return _DES_CRYPT.fullmatch(secret) is not None and len(set(secret)) > 4


VALIDATORS: Mapping[str, Validator] = {
    "github-token": github_token,
    "npm-token": npm_token,
    "jwt": jwt,
    "private-key": private_key,
    "docker-auth": docker_auth,
    "basic-credentials": basic_credentials,
    "url-password": url_password,
    "cli-credential": cli_credential,
    "token-value": token_value,
    "generic-assignment": generic_assignment,
    "high-entropy": high_entropy,
    "k8s-secret-value": k8s_secret_value,
    "htpasswd": htpasswd,
}
"""Validators by name, as rules refer to them."""
