"""Package URLs, built with packageurl-python the way syft writes them."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

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
    try:
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
    except (TypeError, ValueError):
        # packageurl refuses some hostile names ("/", "" after normalising): one bad
        # package must not make a cataloger drop the whole database (scanner evasion)
        return _quoted_purl(type_, name, version, namespace, quals)


def _quoted_purl(
    type_: str, name: str, version: str | None, namespace: str | None, quals: Mapping[str, str]
) -> str:
    """A purl with every component percent-encoded as is (no type-specific rules)."""
    out = f"pkg:{quote(type_.lower(), safe='')}/"
    if namespace:
        out += quote(namespace, safe="") + "/"
    out += quote(name, safe="") or "%00"
    if version:
        out += "@" + quote(version, safe="")
    if quals:
        out += "?" + "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(quals.items())
        )
    return out
