"""Which submitted image references the service will pull: registries only, no SSRF.

A reference submitted over HTTP is hostile.  It may only name a registry image (never a
local path, archive, layout or engine socket), and its registry may not resolve to a
loopback, link-local, private or otherwise internal address unless the operator listed
that registry (``--allow-registry``): otherwise a token holder could make the service
probe the cloud metadata endpoint or the host's own ports.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence

LOCAL_PREFIXES = ("oci:", "oci-archive:", "docker-archive:", "dir:", "docker:", "/", ".", "~")

Resolver = Callable[[str], Sequence[str]]


class RefusedReference(ValueError):
    """A reference the service will not pull; the message says why."""


def _resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def internal(address: str) -> bool:
    """Whether an address is one a submitted reference must not reach."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


def registry_host(reference: str) -> str:
    """``host[:port]`` of a registry reference (Docker Hub for a bare name)."""
    ref = reference.removeprefix("registry:")
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def check_reference(reference: str, allowed: Sequence[str], resolve: Resolver = _resolve) -> str:
    """The reference, if the service may pull it; else ``RefusedReference``."""
    ref = reference.strip()
    if not ref or len(ref) > 1000 or any(c.isspace() or ord(c) < 32 for c in ref):
        raise RefusedReference("an image reference is one line without spaces")
    if ref.startswith(LOCAL_PREFIXES) or "://" in ref or ".." in ref:
        raise RefusedReference("only registry images can be submitted, not local paths or sources")
    host = registry_host(ref)
    if host in allowed:
        return ref
    name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]", 1)[0]
    addresses = resolve(name)
    if not addresses:
        raise RefusedReference(f"registry {host} does not resolve")
    bad = [a for a in addresses if internal(a)]
    if bad:
        raise RefusedReference(
            f"registry {host} resolves to an internal address ({bad[0]}); "
            "the operator must allow it with --allow-registry"
        )
    return ref
