"""Reading images from OCI/Docker registries (the Distribution API), with Docker's auth.

Public entry points: ``open_registry_source(ref, options)`` and ``RegistryOptions``.
"""

from __future__ import annotations

from hullcheck.sources.registry.options import RegistryOptions, registry_options_from
from hullcheck.sources.registry.source import RegistrySource, open_registry_source

__all__ = ["RegistryOptions", "RegistrySource", "open_registry_source", "registry_options_from"]
