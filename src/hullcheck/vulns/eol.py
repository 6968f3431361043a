"""End-of-life data: the document format, the shipped and stored copies, and which one wins.

The package ships ``hullcheck/data/eol.json``, a dated document (``as_of``) of end-of-support
dates per distribution release (and per language runtime release, for the Dockerfile
rule HC1005).  ``hullcheck db update`` can store a newer one beside the vulnerability
database (``eol.json`` in the same folder): :func:`current_eol` uses the stored copy only
when its ``as_of`` is *later* than the shipped one's, so an old download never hides
the newer data of an upgraded hullcheck.  Every document, shipped, downloaded or
imported, goes through :func:`parse_document`: bounded size, fixed keys, strict dates.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path

from hullcheck.errors import DatabaseError

FORMAT_VERSION = 1
MAX_BYTES = 1 << 20
MAX_PRODUCTS = 200
MAX_RELEASES = 400
MAX_TEXT = 4000
FUTURE_SLACK = timedelta(days=2)
"""A document dated further ahead than this is refused: a wrong (or hostile) ``as_of`` in
the future would otherwise win over every later shipped table."""
STORE_NAME = "eol.json"
STORE_FORMAT = "hullcheck-eol-store/1"

_PRODUCT = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_RELEASE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEYS = frozenset(
    {"version", "as_of", "about", "sources", "distributions", "runtimes", "free_extended",
     "aliases"}
)  # fmt: skip
_RELEASE_KEYS = frozenset({"eol", "extended", "name"})


@dataclass(frozen=True, slots=True)
class Release:
    """One release: its end of (free) security support, a later extended end, a codename."""

    key: str
    eol: date
    extended: date | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class EolData:
    """A checked EOL document, and where it came from (``shipped`` or the stored file)."""

    as_of: date
    distributions: Mapping[str, Mapping[str, Release]]
    runtimes: Mapping[str, Mapping[str, Release]] = field(default_factory=dict)
    free_extended: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    source: str = "shipped"
    """``shipped`` or the stored file's origin (URL or imported path)."""
    path: Path | None = None
    """The stored file used, None for the shipped data."""
    note: str | None = None
    """Why a stored file exists but was not used (older, or unreadable)."""

    def find(
        self, product: str, version: str, *, runtime: bool = False, series: bool = False
    ) -> Release | None:
        """The release of ``product`` (an os-release ID, an alias, or a runtime name) that
        ``version`` belongs to: the exact key, else ``major.minor``, else ``major``.

        With ``series``, a bare major (``python:3``, ``php:7``) with no entry of its own
        stands for its whole series: the release of it that is supported the longest.
        """
        table = (self.runtimes if runtime else self.distributions).get(
            self.aliases.get(product, product), {}
        )
        if not table or not version:
            return None
        parts = version.split(".")
        for key in (version, ".".join(parts[:2]), parts[0]):
            if key in table:
                return table[key]
        if series and version.isdigit():
            members = [r for k, r in table.items() if k.split(".")[0] == version]
            if members:
                return max(members, key=lambda r: self.end_of_support(product, r))
        return None

    def end_of_support(self, product: str, release: Release) -> date:
        """The last day of *free* security support: the extended date where it is free."""
        if release.extended is not None and self.aliases.get(product, product) in (
            self.free_extended
        ):
            return release.extended
        return release.eol

    def codenames(self, product: str) -> dict[str, str]:
        """Codename -> release key (``bookworm`` -> ``12``) for a distribution."""
        table = self.distributions.get(product, {})
        return {r.name.lower(): key for key, r in table.items() if r.name}


def _fail(origin: str, why: str) -> DatabaseError:
    return DatabaseError(f"{origin[:200]}: not a valid EOL document: {why}")


def _date(origin: str, where: str, value: object) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise _fail(origin, f"{where} must be a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(origin, f"{where} {value!r} is not a real date") from None


def _table(origin: str, section: str, value: object) -> dict[str, dict[str, Release]]:
    if not isinstance(value, dict) or len(value) > MAX_PRODUCTS:
        raise _fail(origin, f"'{section}' must be an object of at most {MAX_PRODUCTS} entries")
    out: dict[str, dict[str, Release]] = {}
    for product, releases in value.items():
        if not _PRODUCT.match(product):
            raise _fail(origin, f"bad name {product[:40]!r} in '{section}'")
        if not isinstance(releases, dict) or len(releases) > MAX_RELEASES:
            raise _fail(origin, f"{section}.{product} must be an object of releases")
        rows: dict[str, Release] = {}
        for key, rel in releases.items():
            where = f"{section}.{product}.{key[:32]}"
            if not _RELEASE.match(key):
                raise _fail(origin, f"bad release {where!r}")
            if not isinstance(rel, dict) or "eol" not in rel or not set(rel) <= _RELEASE_KEYS:
                raise _fail(origin, f"{where} must hold 'eol' and only {sorted(_RELEASE_KEYS)}")
            eol = _date(origin, f"{where}.eol", rel["eol"])
            extended = (
                _date(origin, f"{where}.extended", rel["extended"]) if "extended" in rel else None
            )
            if extended is not None and extended < eol:
                raise _fail(origin, f"{where}.extended is before its eol")
            name = rel.get("name")
            if name is not None and (not isinstance(name, str) or not _NAME.match(name)):
                raise _fail(origin, f"{where}.name is not a plain codename")
            rows[key] = Release(key, eol, extended, name)
        out[product] = rows
    return out


def parse_document(
    raw: bytes, origin: str, *, now: datetime | None = None, check_future: bool = True
) -> EolData:
    """Check and read an EOL document; :class:`DatabaseError` (one line) if it is not one."""
    if len(raw) > MAX_BYTES:
        raise _fail(origin, f"larger than {MAX_BYTES} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _fail(origin, "not UTF-8 JSON") from None
    except RecursionError:
        raise _fail(origin, "nested too deeply") from None
    if not isinstance(doc, dict):
        raise _fail(origin, "not a JSON object")
    unknown = set(doc) - _TOP_KEYS
    if unknown:
        raise _fail(origin, f"unknown key {sorted(unknown)[0][:40]!r}")
    if doc.get("version") != FORMAT_VERSION or isinstance(doc.get("version"), bool):
        raise _fail(origin, f"'version' must be {FORMAT_VERSION}")
    as_of = _date(origin, "as_of", doc.get("as_of"))
    if check_future and as_of > ((now or datetime.now(UTC)) + FUTURE_SLACK).date():
        raise _fail(origin, f"as_of {as_of} is in the future")
    about, sources = doc.get("about", ""), doc.get("sources", [])
    if not isinstance(about, str) or len(about) > MAX_TEXT:
        raise _fail(origin, "'about' must be a short text")
    if (
        not isinstance(sources, list)
        or len(sources) > 50
        or not all(isinstance(s, str) and len(s) <= 500 for s in sources)
    ):
        raise _fail(origin, "'sources' must be a short list of texts")
    distributions = _table(origin, "distributions", doc.get("distributions"))
    runtimes = _table(origin, "runtimes", doc.get("runtimes", {}))
    free = doc.get("free_extended", [])
    if not isinstance(free, list) or not all(
        isinstance(d, str) and d in distributions for d in free
    ):
        raise _fail(origin, "'free_extended' must list distributions of the document")
    aliases = doc.get("aliases", {})
    if (
        not isinstance(aliases, dict)
        or len(aliases) > MAX_PRODUCTS
        or not all(_PRODUCT.match(k) and v in distributions for k, v in aliases.items())
    ):
        raise _fail(origin, "'aliases' must map names to distributions of the document")
    return EolData(as_of, distributions, runtimes, frozenset(free), dict(aliases))


def shipped_bytes() -> bytes:
    return resources.files("hullcheck").joinpath("data", STORE_NAME).read_bytes()


@cache
def shipped() -> EolData:
    """The data file inside the package (checked like any other, but never "future")."""
    return parse_document(shipped_bytes(), "shipped eol.json", check_future=False)


def store_path(db_path: Path) -> Path:
    """Where ``db update`` keeps EOL data for the database at ``db_path``: beside it."""
    return db_path.expanduser().parent / STORE_NAME


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored file's header: where the document came from, when, its hash."""

    origin: str
    imported_at: str
    sha256: str
    data: EolData


def read_stored(path: Path) -> Stored | None:
    """The stored EOL data at ``path``; None when there is none; DatabaseError if damaged."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise DatabaseError(f"{path}: cannot read stored EOL data: {err.strerror}") from None
    if len(raw) > 2 * MAX_BYTES:
        raise DatabaseError(f"{path}: stored EOL data is damaged (too large)")
    try:
        wrapper = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DatabaseError(f"{path}: stored EOL data is damaged (not JSON)") from None
    if (
        not isinstance(wrapper, dict)
        or wrapper.get("format") != STORE_FORMAT
        or not all(isinstance(wrapper.get(k), str) for k in ("origin", "imported_at", "sha256"))
        or not isinstance(wrapper.get("document"), dict)
    ):
        raise DatabaseError(f"{path}: stored EOL data is damaged: run 'hullcheck db update'")
    body = json.dumps(wrapper["document"]).encode()
    data = parse_document(body, str(path), check_future=False)
    origin = str(wrapper["origin"])[:500]
    return Stored(origin, str(wrapper["imported_at"])[:40], str(wrapper["sha256"])[:64],
                  _with_source(data, origin, path))  # fmt: skip


def _with_source(data: EolData, source: str, path: Path | None, note: str | None = None) -> EolData:
    return EolData(data.as_of, data.distributions, data.runtimes, data.free_extended,
                   data.aliases, source, path, note)  # fmt: skip


def store(raw: bytes, origin: str, db_path: Path, *, now: datetime | None = None) -> Stored:
    """Check ``raw`` and store it beside the database (temp file, fsync, rename).

    A document that does not pass :func:`parse_document` raises before anything is
    written, so the previously stored data stays.
    """
    data = parse_document(raw, origin, now=now)
    target = store_path(db_path)
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha256(raw).hexdigest()
    wrapper = {
        "format": STORE_FORMAT,
        "origin": origin[:500],
        "imported_at": stamp,
        "sha256": digest,
        "document": json.loads(raw.decode("utf-8")),
    }
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".eol-", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise DatabaseError(f"cannot write EOL data next to {db_path}: {err.strerror}") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(wrapper, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise DatabaseError(f"cannot write EOL data {target}: {err.strerror}") from None
    return Stored(origin[:500], stamp, digest, _with_source(data, origin[:500], target))


_CACHE: dict[tuple[Path, int, int], EolData] = {}


def current_eol(db_path: Path | None = None) -> EolData:
    """The EOL data to judge with: the stored copy beside ``db_path`` (default: the
    default database's folder) when it is newer than the shipped one, else the shipped.

    A damaged stored copy never stops a lint or a scan: the shipped data is used and
    ``note`` says why (``db status`` shows it).
    """
    from hullcheck.vulns.store import default_db_path  # noqa: PLC0415 - keeps lint imports light

    path = store_path(db_path or default_db_path())
    base = shipped()
    try:
        stat = path.stat()
    except OSError:
        return base
    key = (path, stat.st_mtime_ns, stat.st_size)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    try:
        stored = read_stored(path)
    except DatabaseError as err:
        result = _with_source(base, "shipped", None, f"{err} (using the shipped data)")
    else:
        if stored is None:
            result = base
        elif stored.data.as_of > base.as_of:
            result = stored.data
        else:
            result = _with_source(
                base,
                "shipped",
                None,
                f"stored EOL data ({stored.data.as_of}) is not newer than the shipped "
                f"({base.as_of}): using the shipped data",
            )
    _CACHE.clear()
    _CACHE[key] = result
    return result
