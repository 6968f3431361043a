"""Image references as Docker reads them: ``alpine:3.19``, ``ghcr.io/org/app@sha256:...``.

Follows the grammar of distribution/reference (the code behind ``docker pull``): the
first path component is a registry host only if it holds a ``.`` or a ``:``, is
``localhost``, or has capitals; otherwise the image lives on Docker Hub, where
single-component names get the ``library/`` prefix.  A reference with neither tag nor
digest means ``:latest``; with both, the digest decides what is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hullcheck.errors import InputError

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
"""Where Docker Hub's Registry API actually answers (``docker.io`` is only a name)."""

_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_MAX_NAME = 255

_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST_RE = re.compile(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.%a-zA-Z]+\])(?::[0-9]{{1,5}})?"
)
_TAG_RE = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST_HEX = {"sha256": 64, "sha512": 128}


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed, normalised image reference.

    ``domain`` is the registry as the user names it (``docker.io``, ``ghcr.io``,
    ``127.0.0.1:5000``); ``path`` the repository (``library/alpine``); ``tag`` is
    ``latest`` when neither tag nor digest was given.
    """

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        """The host[:port] that serves the Registry API for this domain."""
        return DOCKER_HUB_API if self.domain == DOCKER_HUB else self.domain

    @property
    def selector(self) -> str:
        """What goes after ``/manifests/``: the digest if any, else the tag."""
        return self.digest or self.tag or "latest"

    @property
    def name(self) -> str:
        """``domain/path`` without tag or digest."""
        return f"{self.domain}/{self.path}"

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def validate_digest(text: str) -> str:
    """Return ``text`` if it is ``sha256:<64 hex>`` or ``sha512:<128 hex>`` (lowercase)."""
    algo, sep, hexpart = text.partition(":")
    want = _DIGEST_HEX.get(algo)
    if not sep or want is None:
        raise InputError(f"digest {text[:80]!r} is not sha256:<hex> or sha512:<hex>")
    if len(hexpart) != want or not re.fullmatch(r"[0-9a-f]+", hexpart):
        raise InputError(f"digest {text[:80]!r} must have {want} lowercase hex digits")
    return text


def _split_domain(name: str) -> tuple[str, str]:
    first, slash, rest = name.partition("/")
    if not slash or (
        "." not in first and ":" not in first and first != "localhost" and first == first.lower()
    ):
        domain, remainder = DOCKER_HUB, name
    else:
        domain, remainder = first, rest
    if domain in _HUB_ALIASES:
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in remainder:
        remainder = f"library/{remainder}"
    return domain, remainder


def parse_reference(text: str) -> Reference:
    """Parse an image reference the way ``docker pull`` does, or raise ``InputError``."""
    raw = text.strip()
    shown = raw[:120]
    if not raw:
        raise InputError("empty image reference")
    if any(c.isspace() for c in raw) or "://" in raw:
        raise InputError(
            f"image reference {shown!r} must look like [host[:port]/]name[:tag][@digest]"
        )
    name, at, digest = raw.partition("@")
    if at:
        validate_digest(digest)
    tag: str | None = None
    colon = name.rfind(":")
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG_RE.fullmatch(tag):
            raise InputError(
                f"tag {tag[:130]!r} in {shown!r} is not valid "
                "(letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"
            )
    if not name:
        raise InputError(f"image reference {shown!r} has no repository name")
    domain, path = _split_domain(name)
    if domain != DOCKER_HUB and not _HOST_RE.fullmatch(domain):
        raise InputError(f"registry host {domain[:80]!r} in {shown!r} is not a valid host[:port]")
    if ":" in domain and not domain.endswith("]"):
        port = domain.rsplit(":", 1)[1]
        if not port or int(port) > 65535:
            raise InputError(f"registry port in {shown!r} is not a valid port")
    if path != path.lower() and _PATH_RE.fullmatch(path.lower()):
        raise InputError(f"repository name {path!r} in {shown!r} must be lowercase")
    if not _PATH_RE.fullmatch(path):
        raise InputError(
            f"repository name {path[:80]!r} in {shown!r} is not valid "
            "(lowercase letters, digits and separators '.', '_', '__', '-' between them)"
        )
    if len(domain) + 1 + len(path) > _MAX_NAME:
        raise InputError(f"image name in {shown[:60]!r}... is longer than {_MAX_NAME} characters")
    if tag is None and not at:
        tag = "latest"
    return Reference(domain=domain, path=path, tag=tag, digest=digest if at else None)
