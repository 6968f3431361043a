"""Package URLs, built with packageurl-python the way syft writes them."""

from __future__ import annotations

from collections.abc import Mapping

from packageurl import PackageURL


def make_purl(
    type_: str,
    name: str,
    version: str | None = None,
    namespace: str | None = None,
    qualifiers: Mapping[str, str | None] | None = None,
    *,
    subpath: str | None = None,
) -> str:
    """A purl string; empty qualifier values are left out, keys are sorted by the library."""
    quals = {k: v for k, v in (qualifiers or {}).items() if v}
    return str(
        PackageURL(
            type=type_,
            namespace=namespace or None,
            name=name,
            version=version or None,
            qualifiers=quals or None,
            subpath=subpath,
        ).to_string()
    )
