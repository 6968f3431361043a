"""Which network addresses a request may reach when the caller asked for public ones only.

``hullcheck serve`` pulls images named by whoever holds a write token: neither the
reference nor any redirect a registry answers with may lead to a loopback, link-local
(the cloud metadata endpoint), private or reserved address, unless the operator allowed
that registry.  Scans started by the service set ``HULLCHECK_PUBLIC_ONLY`` (and the
allowed ``host:port`` list) so that the registry client applies the same rule on every hop.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Sequence

PUBLIC_ONLY_ENV = "HULLCHECK_PUBLIC_ONLY"
"""Comma-separated ``host:port`` allowed although internal; set (even empty) = public only."""

Resolver = Callable[[str], Sequence[str]]


def resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return []
    return sorted({str(info[4][0]) for info in infos})


def is_internal(address: str) -> bool:
    """Whether an IP address is one a public-only request must not reach."""
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


def internal_address(host: str, resolver: Resolver = resolve) -> str | None:
    """The first internal address ``host`` names (None: every address is public).

    A name that does not resolve counts as internal: what cannot be checked is refused.
    """
    name = host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    try:
        return name if is_internal(name) else None
    except ValueError:
        pass  # a name, not an address
    addresses = resolver(name)
    if not addresses:
        return name
    return next((a for a in addresses if is_internal(a)), None)


def public_only_allowed() -> tuple[str, ...] | None:
    """The allowed ``host:port`` list when the environment asks for public addresses only."""
    raw = os.environ.get(PUBLIC_ONLY_ENV)
    if raw is None:
        return None
    return tuple(h.strip().lower() for h in raw.split(",") if h.strip())
