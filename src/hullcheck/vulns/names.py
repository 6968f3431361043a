"""Package names as advisories key them: one spelling per ecosystem, for the store's index."""

from __future__ import annotations

import re

_PEP503 = re.compile(r"[-_.]+")
# Ecosystems whose registries treat names case-insensitively.
_CASELESS = frozenset({"PyPI", "NuGet", "Packagist", "Maven", "RubyGems"})


def base_ecosystem(ecosystem: str) -> str:
    """``Debian:12`` -> ``Debian``; ``Red Hat:rhel_aus:8.6::appstream`` -> ``Red Hat``."""
    return ecosystem.split(":", 1)[0].strip()


def normalize_name(ecosystem: str, name: str) -> str:
    """The index key of ``name`` in ``ecosystem`` (PEP 503 for PyPI: ``PyYAML`` -> ``pyyaml``)."""
    base = base_ecosystem(ecosystem)
    name = name.strip()
    if base == "PyPI":
        return _PEP503.sub("-", name).lower()
    if base in _CASELESS:
        return name.lower()
    return name
