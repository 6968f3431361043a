"""Images held by a local Docker or Podman engine, read through its API socket.

``docker:nginx:1.27`` asks the engine (``$DOCKER_HOST``, ``/var/run/docker.sock`` or
podman's socket) for ``GET /images/{name}/json`` to check the image exists, then
streams ``GET /images/get?names=...`` (a docker-archive tar) exactly once, in order.
The export's entries cannot be understood before its ``manifest.json``, which comes
last, so each file is hashed while it is copied into hullcheck's blob cache under its
own digest (written to a temporary name, then renamed: nothing half-written is ever
visible); the small metadata files stay in memory.  From ``manifest.json`` (or the OCI
``index.json`` newer engines add) an OCI manifest is served whose blobs are those
cached files, so the rest of hullcheck reads an engine image like any other.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import posixpath
import re
import tempfile
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from hullcheck.errors import HullcheckError, ImageError, InputError
from hullcheck.sources.base import Manifest, SourceInfo
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.digest import blob_name, check_digest
from hullcheck.sources.httpdeadline import (
    BodyClock,
    DeadlineExceeded,
    body_deadline,
    header_deadline,
    send_within,
)
from hullcheck.sources.limits import Limits
from hullcheck.sources.mediatypes import (
    INDEXES,
    MANIFESTS,
    OCI_CONFIG,
    OCI_LAYER_GZIP,
    OCI_LAYER_TAR,
    OCI_LAYER_ZSTD,
    OCI_MANIFEST,
)
from hullcheck.sources.tarstream import HARDLINK, REGULAR, SYMLINK, TarEntry, TarError, TarStream

MIB = 1024 * 1024
_META_FILES = frozenset({"manifest.json", "index.json", "oci-layout", "repositories"})
_MAX_META = 4 * MIB
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}")
_ENGINE_PREFIXES = ("docker-daemon:", "docker:", "podman:")


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Where the engine listens and how long to wait for it.

    ``host`` is a ``DOCKER_HOST``-style URL (``unix:///run/docker.sock``,
    ``tcp://127.0.0.1:2375``); ``None`` means ``$DOCKER_HOST``, ``$CONTAINER_HOST``,
    then the usual Docker and Podman socket paths.  ``timeout`` bounds connecting and
    every read of the export stream.  ``cache_dir`` receives the exported blobs.
    """

    host: str | None = None
    timeout: float = 120.0
    cache_dir: Path | None = None
    max_entries: int = 100_000


def engine_options_from(options: object | None) -> EngineOptions:
    """``EngineOptions`` from the dispatcher's ``SourceOptions`` (``cache_dir``,
    ``timeout``, ``extra["engine_host"]``), or the defaults."""
    if isinstance(options, EngineOptions):
        return options
    extra = getattr(options, "extra", None)
    host = extra.get("engine_host") if isinstance(extra, Mapping) else None
    timeout = getattr(options, "timeout", None)
    cache_dir = getattr(options, "cache_dir", None)
    return EngineOptions(
        host=host if isinstance(host, str) and host else None,
        timeout=float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 120.0,
        cache_dir=cache_dir if isinstance(cache_dir, Path) else None,
    )


@dataclass(frozen=True, slots=True)
class _Endpoint:
    base_url: str
    transport: httpx.HTTPTransport
    shown: str


def _socket_candidates() -> list[Path]:
    paths = [Path("/var/run/docker.sock"), Path("/run/docker.sock")]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        paths += [Path(runtime) / "podman" / "podman.sock", Path(runtime) / "docker.sock"]
    paths += [
        Path(f"/run/user/{os.getuid()}/podman/podman.sock"),
        Path("/run/podman/podman.sock"),
        Path.home() / ".docker" / "run" / "docker.sock",
    ]
    return paths


def resolve_endpoint(host: str | None) -> _Endpoint:
    """Turn a ``DOCKER_HOST`` value (or the defaults) into an HTTP transport."""
    url = host or os.environ.get("DOCKER_HOST") or os.environ.get("CONTAINER_HOST")
    if not url:
        for path in _socket_candidates():
            if path.is_socket():
                return _Endpoint("http://engine", httpx.HTTPTransport(uds=str(path)), str(path))
        raise ImageError(
            "no Docker or Podman engine socket found (set DOCKER_HOST, or start the engine)"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "unix":
        sock = parts.path or parts.netloc
        if not Path(sock).exists():
            raise ImageError(f"engine socket {sock} does not exist (from DOCKER_HOST={url})")
        return _Endpoint("http://engine", httpx.HTTPTransport(uds=sock), sock)
    if parts.scheme in ("tcp", "http", "https"):
        if not parts.hostname:
            raise InputError(f"DOCKER_HOST={url[:100]} names no host")
        netloc = parts.netloc
        tls = parts.scheme == "https" or os.environ.get("DOCKER_TLS_VERIFY", "") not in ("", "0")
        if tls:
            certs = Path(os.environ.get("DOCKER_CERT_PATH") or Path.home() / ".docker")
            transport = httpx.HTTPTransport(
                verify=str(certs / "ca.pem"),
                cert=(str(certs / "cert.pem"), str(certs / "key.pem")),
            )
            return _Endpoint(f"https://{netloc}", transport, f"https://{netloc}")
        return _Endpoint(f"http://{netloc}", httpx.HTTPTransport(), f"tcp://{netloc}")
    raise InputError(
        f"engine address {url[:100]!r} is not supported (use unix:///path.sock or tcp://host:port)"
    )


class _ResponseStream(io.RawIOBase):
    """The export response as a sequential file for the bounded tar reader."""

    def __init__(self, chunks: Iterator[bytes], shown: str, clock: BodyClock) -> None:
        super().__init__()
        self._chunks = chunks
        self._pending = b""
        self._shown = shown
        self._clock = clock
        self._received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if not self._pending:
            try:
                self._pending = next(self._chunks, b"")
            except httpx.TimeoutException:
                raise ImageError(
                    f"the engine at {self._shown} stopped sending the export"
                ) from None
            except httpx.TransportError as exc:
                raise ImageError(
                    f"the engine at {self._shown} broke off the export ({str(exc)[:120]})"
                ) from None
            if not self._pending:
                return 0
            self._received += len(self._pending)
            try:
                self._clock.check(self._received)
            except DeadlineExceeded as exc:
                raise ImageError(f"the engine at {self._shown} stalled the export: {exc}") from None
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


@dataclass
class _Export:
    """What the export held: metadata in memory, every other file by digest in the cache."""

    meta: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)

    def resolve(self, name: str, depth: int = 0) -> tuple[str, int]:
        name = posixpath.normpath(name.lstrip("/"))
        if name in self.files:
            return self.files[name]
        target = self.links.get(name)
        if target is None or depth > 8:
            raise ImageError(f"the engine's export does not contain {name[:120]!r}")
        return self.resolve(target, depth + 1)


class EngineSource:
    """One image of a local Docker/Podman engine, exported once into the blob cache."""

    def __init__(self, name: str, options: EngineOptions) -> None:
        self.name = name
        self.options = options
        self._endpoint = resolve_endpoint(options.host)
        self._http = httpx.Client(
            transport=self._endpoint.transport,
            base_url=self._endpoint.base_url,
            timeout=httpx.Timeout(options.timeout),
        )
        cache = options.cache_dir or default_cache_dir()
        self._blob_dir = cache / "blobs" / "sha256"
        self._tmp_dir = cache / "tmp"  # the blob cache's own temp dir: cleaned when stale
        self._details: dict[str, str] = {"engine": self._endpoint.shown}
        self._export: _Export | None = None
        self._root: Manifest | None = None
        self._manifests: dict[str, Manifest] = {}

    @property
    def info(self) -> SourceInfo:
        return SourceInfo(kind="engine", reference=self.name, details=dict(self._details))

    # -- talking to the engine ------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        try:
            return send_within(
                self._http,
                self._http.build_request("GET", path, params=params),
                header_deadline(self.options.timeout),
            )
        except DeadlineExceeded as exc:
            raise ImageError(f"the engine at {self._endpoint.shown} stalled: {exc}") from None
        except httpx.TimeoutException:
            raise ImageError(
                f"the engine at {self._endpoint.shown} did not answer within "
                f"{self.options.timeout:g}s"
            ) from None
        except httpx.TransportError as exc:
            raise ImageError(
                f"cannot reach the engine at {self._endpoint.shown} ({str(exc)[:120]})"
            ) from None

    def _inspect(self) -> dict[str, Any]:
        quoted = urllib.parse.quote(self.name, safe="/:@")
        resp = self._get(f"/images/{quoted}/json")
        try:
            body = _read_bounded(resp, MIB, self._endpoint.shown)
        finally:
            resp.close()
        if resp.status_code == 404:
            raise ImageError(
                f"image {self.name} is not in the engine at {self._endpoint.shown} "
                "(pull or build it first)"
            )
        if resp.status_code != 200:
            raise ImageError(
                f"the engine at {self._endpoint.shown} answered {resp.status_code} "
                f"for image {self.name}"
            )
        try:
            doc = json.loads(body)
        except ValueError:
            raise ImageError("the engine's image inspection is not JSON") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("Id"), str):
            raise ImageError("the engine's image inspection has no image Id")
        return doc

    def _load(self) -> _Export:
        if self._export is not None:
            return self._export
        inspect = self._inspect()
        image_id = str(inspect["Id"])
        self._details["image_id"] = image_id
        repo_digests = inspect.get("RepoDigests")
        if isinstance(repo_digests, list) and repo_digests and isinstance(repo_digests[0], str):
            self._details["repo_digest"] = repo_digests[0]
        resp = self._get("/images/get", params={"names": self.name})
        try:
            if resp.status_code != 200:
                body = _read_bounded(resp, 65536, self._endpoint.shown)
                raise ImageError(
                    f"the engine refused to export {self.name} ({resp.status_code}: "
                    f"{body[:160].decode('utf-8', 'replace')})"
                )
            # the export is about the image's size: its deadline scales with it
            size = inspect.get("Size")
            clock = BodyClock(
                body_deadline(
                    size if isinstance(size, int) and size >= 0 else None, self.options.timeout
                )
            )
            export = self._consume(_ResponseStream(resp.iter_raw(), self._endpoint.shown, clock))
        finally:
            resp.close()
        self._export = export
        return export

    # -- reading the export ---------------------------------------------------------------

    def _consume(self, raw: _ResponseStream) -> _Export:
        export = _Export()
        try:
            self._blob_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._tmp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ImageError(f"cannot create the blob cache: {exc.strerror}") from None
        stream = io.BufferedReader(raw, buffer_size=MIB)
        # the same bounded reader as every archive and layer: headers, long names and PAX
        # records are capped, and no member is ever held whole
        reader = TarStream(stream.read, Limits(max_entries=self.options.max_entries))
        try:
            for count, member in enumerate(reader, 1):
                if count > self.options.max_entries:
                    raise ImageError(
                        f"the engine's export has more than {self.options.max_entries} entries"
                    )
                self._take_member(reader, member, export)
        except TarError as exc:
            raise ImageError(f"the engine's export is not a valid tar ({exc.message})") from None
        return export

    def _take_member(self, reader: TarStream, member: TarEntry, export: _Export) -> None:
        name = posixpath.normpath(member.name.lstrip("/"))
        if member.kind == SYMLINK:
            target = posixpath.join(posixpath.dirname(name), member.linkname)
            export.links[name] = posixpath.normpath(target)
        elif member.kind == HARDLINK:
            export.links[name] = posixpath.normpath(member.linkname.lstrip("/"))
        elif member.kind == REGULAR:
            if name in _META_FILES:
                if member.size > _MAX_META:
                    raise ImageError(f"the export's {name} is larger than 4 MiB")
                export.meta[name] = reader.read_content(_MAX_META)
            else:
                export.files[name] = self._store(reader)

    def _store(self, reader: TarStream) -> tuple[str, int]:
        """Copy one export entry into the cache under its sha256; return (digest, size)."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(prefix="engine-", dir=self._tmp_dir)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read_part(MIB):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            final = self._blob_dir / digest.hexdigest()
            if final.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return f"sha256:{digest.hexdigest()}", size

    def _blob_path(self, digest: str) -> Path:
        check_digest(digest, "the engine's image")
        return self._blob_dir.parent / blob_name(digest)

    def _read_small_blob(self, digest: str) -> bytes:
        path = self._blob_path(digest)
        try:
            if path.stat().st_size > _MAX_META:
                raise ImageError(f"manifest {digest[:19]} in the export is larger than 4 MiB")
            return path.read_bytes()
        except FileNotFoundError:
            raise ImageError(f"the engine's export does not contain {digest[:19]}") from None

    def _layer_media_type(self, digest: str) -> str:
        with self._blob_path(digest).open("rb") as fh:
            magic = fh.read(4)
        if magic[:2] == b"\x1f\x8b":
            return OCI_LAYER_GZIP
        if magic == b"\x28\xb5\x2f\xfd":
            return OCI_LAYER_ZSTD
        return OCI_LAYER_TAR

    def _oci_root(self, export: _Export) -> Manifest | None:
        """The export's own OCI manifest (engines since Docker 25 add index.json)."""
        raw = export.meta.get("index.json")
        if raw is None:
            return None
        try:
            desc = json.loads(raw)["manifests"][0]
            digest, media_type = str(desc["digest"]), str(desc["mediaType"])
        except (ValueError, KeyError, IndexError, TypeError):
            return None
        # An index (containerd image store) may name platforms the export lacks: the
        # manifest.json view is always complete, so only a plain manifest is taken as is.
        if media_type not in MANIFESTS:
            return None
        body = self._read_small_blob(digest)
        return Manifest(media_type=media_type, body=body, digest=digest)

    def _synthesized_root(self, export: _Export) -> Manifest:
        raw = export.meta.get("manifest.json")
        if raw is None:
            raise ImageError("the engine's export has no manifest.json")
        try:
            entries = json.loads(raw)
            entry = entries[0]
            config_name = entry["Config"]
            layer_names = entry["Layers"]
            if not isinstance(config_name, str) or not isinstance(layer_names, list):
                raise TypeError
        except (ValueError, KeyError, IndexError, TypeError):
            raise ImageError("the engine's export has a malformed manifest.json") from None
        if len(entries) != 1:
            raise ImageError(f"the engine exported {len(entries)} images for {self.name}, not 1")
        config_digest, config_size = export.resolve(config_name)
        diff_ids = self._diff_ids(config_digest)
        layers = []
        for i, layer in enumerate(layer_names):
            if not isinstance(layer, str):
                raise ImageError("the engine's export has a malformed manifest.json")
            digest, size = export.resolve(layer)
            media_type = self._layer_media_type(digest)
            # the cache names each file by its own hash, so nothing else would compare an
            # uncompressed layer.tar with the config's word for it (docker-archive files
            # are read under their diff_id and verified as they stream)
            want = diff_ids[i] if i < len(diff_ids) else None
            if media_type == OCI_LAYER_TAR and want is not None and digest != want:
                raise ImageError(
                    f"layer {i} of the engine's export of {self.name} does not match its "
                    f"diff_id in the image config (got {digest[:19]}..., want {want[:19]}...)"
                )
            layers.append({"mediaType": media_type, "digest": digest, "size": size})
        doc = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": config_size},
            "layers": layers,
        }
        body = json.dumps(doc, separators=(",", ":")).encode()
        return Manifest(OCI_MANIFEST, body, f"sha256:{hashlib.sha256(body).hexdigest()}")

    def _diff_ids(self, config_digest: str) -> list[str]:
        """The config's ``rootfs.diff_ids`` (empty when it has none in that shape; the
        config's own checks report a malformed one)."""
        path = self._blob_path(config_digest)
        try:
            if path.stat().st_size > Limits().max_config_bytes:
                return []  # refused with its own message when the config is read
            found = json.loads(path.read_bytes())["rootfs"]["diff_ids"]
        except (OSError, ValueError, KeyError, TypeError):
            return []
        return [d for d in found if isinstance(d, str)] if isinstance(found, list) else []

    def _check_identity(self, export: _Export, root: Manifest) -> None:
        """The export must be the image the engine described (its Id is a digest in it)."""
        image_id = self._details["image_id"]
        if re.fullmatch(r"[0-9a-f]{64}", image_id):  # podman may leave out the algorithm
            image_id = f"sha256:{image_id}"
        known = {digest for digest, _ in export.files.values()} | {root.digest}
        if image_id not in known:
            raise ImageError(
                f"the engine's export of {self.name} does not contain its image id {image_id[:19]}"
            )

    # -- ImageSource ----------------------------------------------------------------------

    def root_manifest(self) -> Manifest:
        if self._root is None:
            export = self._load()
            root = self._oci_root(export) or self._synthesized_root(export)
            self._check_identity(export, root)
            self._root = root
            self._manifests[root.digest] = root
            self._details["digest"] = root.digest
        return self._root

    def fetch_manifest(self, digest: str) -> Manifest:
        self.root_manifest()
        if digest in self._manifests:
            return self._manifests[digest]
        body = self._read_small_blob(digest)
        try:
            media_type = json.loads(body).get("mediaType")
        except (ValueError, AttributeError):
            raise ImageError(f"manifest {digest[:19]} in the export is not JSON") from None
        if media_type not in MANIFESTS | INDEXES:
            media_type = OCI_MANIFEST
        manifest = Manifest(str(media_type), body, digest)
        self._manifests[digest] = manifest
        return manifest

    def open_blob(self, digest: str, size: int | None = None) -> BinaryIO:
        self.root_manifest()
        path = self._blob_path(digest)
        try:
            fh = path.open("rb")
        except FileNotFoundError:
            raise ImageError(f"the engine's export does not contain blob {digest[:19]}") from None
        if size is not None and os.fstat(fh.fileno()).st_size != size:
            fh.close()
            raise ImageError(f"blob {digest[:19]} in the export does not have size {size}")
        return fh

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EngineSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_bounded(resp: httpx.Response, limit: int, shown: str, grace: float = 120.0) -> bytes:
    out = bytearray()
    clock = BodyClock(body_deadline(limit, grace))
    try:
        for chunk in resp.iter_bytes():
            out += chunk
            try:
                clock.check(len(out))
            except DeadlineExceeded as exc:
                raise ImageError(f"the engine at {shown} stalled: {exc}") from None
            if len(out) > limit:
                raise ImageError(f"the engine at {shown} sent more than {limit} bytes")
    except httpx.TransportError as exc:
        raise ImageError(f"the engine at {shown} broke off ({str(exc)[:120]})") from None
    return bytes(out)


PROBE_TIMEOUT = 2.0
"""Seconds a plain reference waits on the local engine before going to the registry."""


def engine_has_image(ref: str, options: object | None = None) -> bool:
    """Whether a reachable local engine holds ``ref``: the lookup Docker's own CLI makes
    before pulling.  Any failure (no socket, no answer, not found) means no, quickly."""
    opts = engine_options_from(options)
    try:
        endpoint = resolve_endpoint(opts.host)
    except HullcheckError:
        return False
    if not _NAME_RE.fullmatch(ref) or ".." in ref:
        return False
    quoted = urllib.parse.quote(ref, safe="/:@")
    try:
        with httpx.Client(
            transport=endpoint.transport,
            base_url=endpoint.base_url,
            timeout=httpx.Timeout(min(opts.timeout, PROBE_TIMEOUT)),
        ) as client:
            return client.get(f"/images/{quoted}/json").status_code == 200
    except httpx.HTTPError:
        return False


def open_engine_source(ref: str, options: object | None = None) -> EngineSource:
    """Open image ``ref`` of the local engine (``docker:name:tag``, ``podman:id``, ``name``).

    ``options``: ``EngineOptions`` or the dispatcher's ``SourceOptions``.
    """
    name = ref
    for prefix in _ENGINE_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    if not _NAME_RE.fullmatch(name) or ".." in name:
        raise InputError(f"engine image name {name[:80]!r} is not a valid name, tag or id")
    return EngineSource(name, engine_options_from(options))
