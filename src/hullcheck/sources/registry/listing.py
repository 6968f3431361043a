"""What a registry holds: its repositories (``_catalog``) and a repository's tags.

Both lists are paginated by the Distribution API's ``Link: <...>; rel="next"`` header and
are read within bounds (pages, bytes, entries), since a registry's answer is as hostile
as any other input.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse

from hullcheck.errors import RegistryError
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.transport import read_bounded

MAX_PAGES = 1000
MAX_PAGE_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 100_000
PAGE_SIZE = 1000
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


def _pages(client: RegistryClient, path: str, key: str, what: str) -> list[str]:
    found: list[str] = []
    next_path: str | None = f"{path}?n={PAGE_SIZE}"
    for _ in range(MAX_PAGES):
        if next_path is None:
            return found
        resp = client.request(next_path, {"Accept": "application/json"}, what)
        deadline = time.monotonic() + client.options.timeout * 4
        body = read_bounded(resp, MAX_PAGE_BYTES, what, deadline)
        if resp.status_code != 200:
            raise client._status_error(resp, what, body)
        try:
            doc = json.loads(body)
        except ValueError:
            raise RegistryError(f"{what}: the registry's answer is not JSON") from None
        names = doc.get(key) if isinstance(doc, dict) else None
        if names is None:
            names = []
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise RegistryError(f"{what}: {key} is not a list of names")
        found.extend(names)
        if len(found) > MAX_ENTRIES:
            raise RegistryError(f"{what}: more than {MAX_ENTRIES} entries")
        link = _NEXT.search(resp.headers.get("link", ""))
        next_path = None
        if link:
            target = urllib.parse.urlsplit(link.group(1))
            if (
                target.netloc
                and target.netloc != urllib.parse.urlsplit(client.base_url or "").netloc
            ):
                raise RegistryError(f"{what}: a next page on another host ({target.netloc})")
            next_path = target.path + (f"?{target.query}" if target.query else "")
            if not next_path.startswith(path):
                raise RegistryError(f"{what}: a next page outside {path}")
    raise RegistryError(f"{what}: more than {MAX_PAGES} pages")


def list_tags(client: RegistryClient) -> list[str]:
    """Every tag of the client's repository, in the registry's order."""
    return _pages(client, f"/v2/{client.ref.path}/tags/list", "tags", f"tags of {client.ref.name}")


def list_repositories(client: RegistryClient) -> list[str]:
    """Every repository of the client's registry (needs catalogue access)."""
    return _pages(client, "/v2/_catalog", "repositories", f"catalogue of {client.host}")
