"""``hullcheck db update``: download OSV ecosystem exports and swap them in atomically.

Each export is ``<mirror>/<ECOSYSTEM>/all.zip``.  Every export is downloaded to a temp file
in the cache dir first, checked (HTTP status, Content-Length, the ``x-goog-hash`` MD5 that
Google Cloud Storage sends, a size cap, then the zip's own CRCs while importing), and only
when all of them are good is the new database renamed over the old one.  A refused,
interrupted, corrupt or hanging download raises :class:`DatabaseError` and leaves the
previous database exactly as it was.

The same mirror may serve ``<mirror>/eol.json``, a newer end-of-life table
(:mod:`hullcheck.vulns.eol`): :func:`update_eol` fetches it (a 404 just means the mirror
has none), checks it and stores it beside the database; :func:`import_eol` does the same
for a local file.  A refused document leaves the stored one as it was.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from hullcheck.analysis import Progress
from hullcheck.errors import DatabaseError, RegistryError
from hullcheck.sources.httpdeadline import BodyClock, DeadlineExceeded, body_deadline
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.transport import Transport, describe_exception
from hullcheck.vulns import eol
from hullcheck.vulns.importer import ImportStats, import_into, iter_zip
from hullcheck.vulns.store import DatabaseWriter

DEFAULT_MIRROR = "https://osv-vulnerabilities.storage.googleapis.com"
DEFAULT_ECOSYSTEMS: tuple[str, ...] = (
    "PyPI",
    "npm",
    "Go",
    "Maven",
    "RubyGems",
    "crates.io",
    "Packagist",
    "NuGet",
    "Debian",
    "Ubuntu",
    "Alpine",
    "Red Hat",
)
MAX_DOWNLOAD_BYTES = 2 * 1024 * 1024 * 1024


class NotOnMirror(DatabaseError):
    """The mirror answered 404: it does not serve that file."""


@dataclass(frozen=True, slots=True)
class Downloaded:
    ecosystem: str
    path: Path
    sha256: str
    size: int
    url: str


def resolve_mirror(cli: str | None = None, config: Mapping[str, Any] | None = None) -> str:
    """The OSV base URL: ``--mirror``, else ``$HULLCHECK_OSV_MIRROR``, else the config file's
    ``db.mirror``, else osv.dev's bucket.  Only http(s) URLs are accepted."""
    db_conf = (config or {}).get("db")
    from_config = db_conf.get("mirror") if isinstance(db_conf, Mapping) else None
    url = cli or os.environ.get("HULLCHECK_OSV_MIRROR") or from_config or DEFAULT_MIRROR
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise DatabaseError(f"OSV mirror must be an http(s) URL, not {str(url)[:100]!r}")
    return url.rstrip("/")


def export_url(mirror: str, ecosystem: str) -> str:
    return f"{mirror.rstrip('/')}/{urllib.parse.quote(ecosystem)}/all.zip"


def _goog_md5(values: Sequence[str]) -> bytes | None:
    for value in values:
        for part in value.split(","):
            key, _, digest = part.strip().partition("=")
            if key == "md5":
                try:
                    return base64.b64decode(digest, validate=True)
                except ValueError:
                    raise DatabaseError("mirror sent a malformed x-goog-hash header") from None
    return None


def download(
    url: str,
    dest_dir: Path,
    *,
    timeout: float = 30.0,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    progress: Progress | None = None,
) -> tuple[Path, str, int]:
    """Fetch ``url`` into a temp file in ``dest_dir``; (path, sha256, size).

    The registries' HTTP client does the exchange, so the mirror gets the same policy:
    retries on 429/5xx and dropped connections, redirects that never downgrade HTTPS,
    the system CA store and proxies, complete headers within 2x ``timeout``.  ``timeout``
    bounds every read; the whole body may take ``timeout + size / 64 KiB/s`` (60x
    ``timeout`` when the length is not announced), so a dripping mirror cannot hang it.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=".osv-download-", suffix=".zip", dir=dest_dir)
    tmp = Path(tmp_name)
    try:
        # two retries: a mirror that errs on the third try is down, not flaky
        http = Transport(RegistryOptions(timeout=timeout, retries=2), peer="mirror")
        try:
            with os.fdopen(fd, "wb") as out:
                resp = http.send("GET", url, what=f"GET {url}")
                try:
                    sha, size = _receive(
                        resp, out, url, timeout=timeout, max_bytes=max_bytes, progress=progress
                    )
                finally:
                    resp.close()
        finally:
            http.close()
    except RegistryError as err:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(str(err)) from None
    except DatabaseError:
        tmp.unlink(missing_ok=True)
        raise
    except (httpx.HTTPError, OSError) as err:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(f"{url}: download failed: {describe_exception(err)}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, sha, size


def _receive(
    resp: httpx.Response,
    out: BinaryIO,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    progress: Progress | None = None,
) -> tuple[str, int]:
    """Check the answer and copy its body to ``out``; (sha256, size)."""
    if resp.status_code == 404:
        raise NotOnMirror(f"{url}: HTTP 404 {resp.reason_phrase}")
    if resp.status_code != 200:
        raise DatabaseError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}")
    expected = resp.headers.get("Content-Length")
    goog_md5 = _goog_md5(resp.headers.get_list("x-goog-hash"))
    if expected is not None and (not expected.isdigit() or int(expected) > max_bytes):
        raise DatabaseError(f"{url}: file too large or bad Content-Length")
    limit = body_deadline(int(expected), timeout) if expected is not None else timeout * 60
    clock = BodyClock(limit)
    sha, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
    host = urllib.parse.urlsplit(url).netloc
    for chunk in resp.iter_raw():
        size += len(chunk)
        if size > max_bytes:
            raise DatabaseError(f"{url}: file larger than {max_bytes} bytes")
        try:
            clock.check(size)
        except DeadlineExceeded as exc:
            raise DatabaseError(f"{url}: {host} stalled: {exc}") from None
        sha.update(chunk)
        md5.update(chunk)
        out.write(chunk)
        if progress is not None:
            progress.advance(len(chunk))
    if expected is not None and size != int(expected):
        raise DatabaseError(f"{url}: download interrupted ({size} of {expected} bytes)")
    if goog_md5 is not None and md5.digest() != goog_md5:
        raise DatabaseError(f"{url}: download does not match the server's MD5")
    return sha.hexdigest(), size


@dataclass(frozen=True, slots=True)
class UpdateResult:
    ecosystem: str
    url: str
    sha256: str
    size: int
    stats: ImportStats


def update_database(
    db_path: Path,
    ecosystems: Sequence[str] = DEFAULT_ECOSYSTEMS,
    *,
    mirror: str = DEFAULT_MIRROR,
    timeout: float = 30.0,
    progress: Progress | None = None,
) -> list[UpdateResult]:
    """Download each ecosystem's export and replace those sources in one atomic swap
    (``progress`` is told each download and its bytes)."""
    db_path = db_path.expanduser()
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseError(f"cannot create {db_path.parent}: {err}") from None
    files: list[Downloaded] = []
    try:
        if progress is not None:
            progress.start(len(ecosystems), 0)
        try:
            for index, eco in enumerate(ecosystems):
                url = export_url(mirror, eco)
                if progress is not None:
                    progress.layer(index)
                path, digest, size = download(
                    url, db_path.parent, timeout=timeout, progress=progress
                )
                files.append(Downloaded(eco, path, digest, size, url))
        finally:
            if progress is not None:
                progress.stop()
        results = []
        with DatabaseWriter(db_path) as writer:
            for item in files:
                writer.drop_source(f"embedded:{item.ecosystem}")
                stats = import_into(
                    writer,
                    item.ecosystem,
                    iter_zip(item.path),
                    origin=item.url,
                    sha256=item.sha256,
                )
                results.append(
                    UpdateResult(item.ecosystem, item.url, item.sha256, item.size, stats)
                )
            writer.commit()
        return results
    finally:
        for item in files:
            item.path.unlink(missing_ok=True)


def update_eol(
    db_path: Path, *, mirror: str, timeout: float = 30.0, now: datetime | None = None
) -> eol.Stored | None:
    """Fetch ``<mirror>/eol.json`` and store it beside ``db_path``; None when the mirror
    serves none (404).  Anything else wrong raises and keeps the stored data."""
    db_path = db_path.expanduser()
    url = f"{mirror.rstrip('/')}/{eol.STORE_NAME}"
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DatabaseError(f"cannot create {db_path.parent}: {err}") from None
    try:
        path, _, _ = download(url, db_path.parent, timeout=timeout, max_bytes=eol.MAX_BYTES)
    except NotOnMirror:
        return None
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DatabaseError(f"{url}: cannot read the download: {err}") from None
    finally:
        path.unlink(missing_ok=True)
    return eol.store(raw, url, db_path, now=now)


def import_eol(source: Path, db_path: Path, *, now: datetime | None = None) -> eol.Stored:
    """Check the local EOL document ``source`` and store it beside ``db_path``."""
    if not source.is_file():
        raise DatabaseError(f"{source}: not a file")
    try:
        with source.open("rb") as fh:
            raw = fh.read(eol.MAX_BYTES + 1)
    except OSError as err:
        raise DatabaseError(f"{source}: cannot read: {err.strerror or err}") from None
    return eol.store(raw, f"file:{source.expanduser().resolve()}", db_path.expanduser(), now=now)
