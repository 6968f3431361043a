"""What a fleet scan covers: a registry's catalogue, a list of references, or the
service's watched tags."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable
from pathlib import Path

from hullcheck.errors import InputError, RegistryError
from hullcheck.fleet.task import TRANSIENT_MARKS
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.listing import list_repositories, list_tags
from hullcheck.sources.registry.options import RegistryOptions

MAX_TARGETS = 1_000_000


def _patiently(call: Callable[[], list[str]], attempts: int = 6) -> list[str]:
    """Retry a listing the registry rate-limited or briefly refused, backing off."""
    for n in range(attempts):
        try:
            return call()
        except RegistryError as err:
            lowered = str(err).lower()
            if n == attempts - 1 or not any(m in lowered for m in TRANSIENT_MARKS):
                raise
            time.sleep(min(60.0, 2.0 * 2**n))
    raise AssertionError("unreachable")


def from_registry(
    registry: str,
    options: RegistryOptions,
    repositories: str = "*",
    tags: str = "*",
) -> list[str]:
    """``HOST/REPO:TAG`` for every repository and tag of ``registry`` matching the globs."""
    probe = RegistryClient(parse_reference(f"{registry}/catalogue-probe:latest"), options)
    try:
        every = _patiently(lambda: list_repositories(probe))
        names = [n for n in every if fnmatch.fnmatchcase(n, repositories)]
    finally:
        probe.close()
    found: list[str] = []
    for name in sorted(names):
        client = RegistryClient(parse_reference(f"{registry}/{name}:latest"), options)
        try:
            found += [
                f"{registry}/{name}:{t}"
                for t in sorted(list_tags(client))
                if fnmatch.fnmatchcase(t, tags)
            ]
        finally:
            client.close()
        if len(found) > MAX_TARGETS:
            raise InputError(f"{registry} holds more than {MAX_TARGETS} tags")
    return found


def from_file(path: Path) -> list[str]:
    """One reference a line; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: {err.strerror if isinstance(err, OSError) else err}") from None
    refs = [line.strip() for line in text.splitlines()]
    return [r for r in refs if r and not r.startswith("#")]


def from_watches(database: str) -> list[str]:
    """Every tag the service's watches have seen (``hullcheck serve``'s database)."""
    try:
        from sqlalchemy import select  # noqa: PLC0415 - the server extra is optional

        from hullcheck.server.db import Image, Tag, Watch, open_database  # noqa: PLC0415
    except ImportError:
        raise InputError(
            "--watches needs the server extra: pip install 'hullcheck[server]'"
        ) from None
    sessions = open_database(database)
    with sessions() as session:
        watched = set(session.scalars(select(Watch.repository)))
        rows = session.execute(
            select(Image.repository, Tag.tag).join(Tag, Tag.image_id == Image.id)
        )
        return sorted(f"{repo}:{tag}" for repo, tag in rows if repo in watched)


def resolve_digests(
    references: list[str], options: RegistryOptions, jobs: int = 4
) -> dict[str, str]:
    """The manifest digest each registry reference names now (unresolvable ones left out).

    Tags that name the same digest (``latest``, ``1.2``, ``1.2.3``; a base pushed to several
    repositories) are then scanned once: a manifest request is far cheaper than a scan.
    """
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    def one(reference: str) -> tuple[str, str | None]:
        try:
            client = RegistryClient(parse_reference(reference), options)
        except InputError:
            return reference, None
        try:
            return reference, client.get_manifest(client.ref.selector).digest
        except (RegistryError, InputError):
            return reference, None  # the scan will say what is wrong with it
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return {ref: digest for ref, digest in pool.map(one, references) if digest}
