"""Which submitted image references the service will pull: registries only, no SSRF.

A reference submitted over HTTP is hostile.  It may only name a registry image (never a
local path, archive, layout or engine socket), and its registry may not resolve to a
loopback, link-local, private or otherwise internal address unless the operator listed
that registry (``--allow-registry``): otherwise a token holder could make the service
probe the cloud metadata endpoint or the host's own ports.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.sources.netpolicy import Resolver, internal_address, resolve

LOCAL_PREFIXES = ("oci:", "oci-archive:", "docker-archive:", "dir:", "docker:", "/", ".", "~")


class RefusedReference(ValueError):
    """A reference the service will not pull; the message says why."""


def registry_host(reference: str) -> str:
    """``host[:port]`` of a registry reference (Docker Hub for a bare name)."""
    ref = reference.removeprefix("registry:")
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return first
    return "docker.io"


def check_reference(reference: str, allowed: Sequence[str], resolver: Resolver = resolve) -> str:
    """The reference, if the service may pull it; else ``RefusedReference``."""
    ref = reference.strip()
    if not ref or len(ref) > 1000 or any(c.isspace() or ord(c) < 32 for c in ref):
        raise RefusedReference("an image reference is one line without spaces")
    if ref.startswith(LOCAL_PREFIXES) or "://" in ref or ".." in ref:
        raise RefusedReference("only registry images can be submitted, not local paths or sources")
    host = registry_host(ref)
    if host in allowed:
        return ref
    bad = internal_address(host, resolver)
    if bad is not None:
        raise RefusedReference(
            f"registry {host} resolves to an internal address ({bad}) or not at all; "
            "the operator must allow it with --allow-registry"
        )
    return ref
