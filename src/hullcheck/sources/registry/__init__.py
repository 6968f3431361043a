"""Reading images from OCI/Docker registries (the Distribution API), with Docker's auth.

Public entry points: ``open_registry_source(ref, options)`` and ``RegistryOptions``.
The source and its HTTP client load on first use: a command that only declares the
registry options (``lint``, ``scan`` of a local image) does not import httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hullcheck.sources.registry.options import RegistryOptions, registry_options_from

if TYPE_CHECKING:
    from hullcheck.sources.registry.source import RegistrySource, open_registry_source

_LAZY = ("RegistrySource", "open_registry_source")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from hullcheck.sources.registry import source  # noqa: PLC0415

        return getattr(source, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["RegistryOptions", "RegistrySource", "open_registry_source", "registry_options_from"]
