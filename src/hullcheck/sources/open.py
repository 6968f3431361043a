"""Turn what the user typed (``IMAGE``) into the right ``ImageSource``.

Forms (``--source`` forces the kind and takes the rest as is):

- ``docker-archive:FILE[:TAG|:@N]`` and any tar file: a ``docker save`` / skopeo
  archive; when the tar holds an OCI layout (Docker 25+, or a tar of a layout) that
  layout is read instead.  ``oci-archive:FILE[:TAG]`` is a tar of an OCI layout.
- ``oci:DIR[:TAG]``, ``oci:DIR@sha256:...`` and any directory holding ``index.json`` or
  ``oci-layout``: an OCI image layout.
- ``dir:PATH`` and any other directory: a root filesystem or build context, read as one
  synthetic layer (``hullcheck.sources.directory``); ``SourceOptions.extra
  ["cross_filesystems"] == "true"`` lets it enter other mounted filesystems.
- ``registry:HOST/REPO[:TAG|@DIGEST]`` and any other plain reference: a registry.
- ``docker:NAME[:TAG]`` (or ``docker-daemon:``): the local Docker engine.

Each kind is one entry of ``OPENERS`` (its ``KIND:`` prefix -> an opener); a new kind
of source is one module and one line there.  Registry and engine sources live in
``hullcheck.sources.registry`` and
``hullcheck.sources.engine`` (another part of the project); they are imported only when
asked for, by name, and must expose ``open_registry_source(ref, options)`` and
``open_engine_source(ref, options)`` returning an ``ImageSource``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.errors import ImageError, InputError
from hullcheck.plugins import sibling_attribute
from hullcheck.sources.archive import DockerArchiveSource
from hullcheck.sources.base import ImageSource
from hullcheck.sources.directory import DirectorySource
from hullcheck.sources.limits import Limits
from hullcheck.sources.oci import OCILayoutSource, parse_layout_marker
from hullcheck.sources.store import DirStore, TarStore

_ALIASES = {"docker-daemon": "docker", "oci-dir": "oci"}
_PORT_THEN_PATH = re.compile(r"[0-9]+/")


@dataclass(frozen=True, slots=True)
class SourceOptions:
    """Everything a source may need besides the reference.

    ``cache_dir`` is where remote blobs are kept; ``extra`` carries options of the
    registry/engine sources (credentials file, insecure registries...) without this
    module knowing them.
    """

    limits: Limits = field(default_factory=Limits)
    cache_dir: Path | None = None
    timeout: float | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    parallel: bool | None = None
    """Whether a forked helper may read later layers of a local image while the walk
    reads the first (``sources.layerhelper``); None: when a second core is there."""

    @property
    def spool_dir(self) -> Path | None:
        """Where the walker spills files too large to hold (inside the cache)."""
        return self.cache_dir / "spool" if self.cache_dir is not None else None


@dataclass(frozen=True, slots=True)
class ParsedReference:
    """``kind`` and the kind-specific rest: a path and optional tag, or a remote ref."""

    kind: str
    rest: str
    path: Path | None = None
    tag: str | None = None
    plain: bool = False
    """A bare reference (``alpine:3.19``): a local engine holding it is asked first."""


_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _split_path(rest: str, want_dir: bool) -> tuple[Path, str | None]:
    """``PATH[:TAG]`` where PATH may itself hold colons: the longest existing prefix wins."""
    candidate = Path(rest)
    if candidate.exists() or ":" not in rest:
        return candidate, None
    head_text, at, digest = rest.rpartition("@")
    if at and _DIGEST.fullmatch(digest) and Path(head_text).exists():
        return Path(head_text), digest  # PATH@sha256:..., as image references name a digest
    cut = len(rest)
    while True:
        cut = rest.rfind(":", 0, cut)
        if cut <= 0:
            break
        head = Path(rest[:cut])
        # a FIFO or device is kept too (not a dir), so that it is refused by name below
        if head.exists() and (head.is_dir() if want_dir else not head.is_dir()):
            tag = rest[cut + 1 :]
            return head, tag or None
    return candidate, None


def parse_reference(text: str, forced: str | None = None) -> ParsedReference:
    """Work out which kind of source ``text`` names (see the module docstring)."""
    text = text.strip()
    if not text:
        raise InputError("empty image reference")
    if forced is not None:
        kind = _ALIASES.get(forced, forced)
        if kind not in KINDS:
            raise InputError(f"unknown source {forced!r} (choose from {', '.join(KINDS)})")
        rest = text
        if rest.startswith(kind + ":"):
            rest = rest[len(kind) + 1 :]
    else:
        kind, rest = "", text
        for prefix in _TRANSPORT_PREFIXES:
            # ``registry:5000/app`` is host "registry" on port 5000, not a transport prefix.
            if text.startswith(prefix) and not _PORT_THEN_PATH.match(text, len(prefix)):
                kind = _ALIASES.get(prefix[:-1], prefix[:-1])
                rest = text[len(prefix) :]
                break
        if not kind:
            path = Path(text)
            if path.is_dir():
                kind = "oci" if is_layout(path) else "dir"
            elif path.is_file():
                kind = "docker-archive"
            elif path.exists():
                raise _not_regular(path)
            else:
                head = _split_path(text, want_dir=False)[0]
                if head.is_file():
                    kind = "docker-archive"
                elif head.exists() and not head.is_dir():
                    raise _not_regular(head)
                elif is_layout(_split_path(text, want_dir=True)[0]):
                    kind = "oci"
                elif text.startswith(("/", "./", "../", "~")) or text.endswith(".tar"):
                    raise InputError(f"{text} does not exist")
                else:
                    return ParsedReference("registry", text, plain=True)
    if kind == "dir":
        return ParsedReference(kind, rest, Path(rest))
    if kind in ("docker-archive", "oci-archive", "oci"):
        path, tag = _split_path(rest, want_dir=kind == "oci")
        return ParsedReference(kind, rest, path, tag)
    return ParsedReference(kind, rest)


def _engine_has(reference: str, options: SourceOptions) -> bool:
    try:
        module = importlib.import_module("hullcheck.sources.engine")
    except ImportError:
        return False
    return bool(module.engine_has_image(reference, options))


def is_layout(path: Path) -> bool:
    """A directory that says it is an OCI layout (anything else is a filesystem)."""
    return path.is_dir() and ((path / "index.json").exists() or (path / "oci-layout").exists())


def _not_regular(path: Path) -> InputError:
    """A FIFO, socket or device named as the image: never read, never taken for a ref."""
    return InputError(f"{path} is not a regular file or directory")


def _remote(module: str, func: str, ref: str, options: SourceOptions, what: str) -> ImageSource:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise
        raise ImageError(f"{what} images are not supported by this build of hullcheck") from None
    opener = getattr(mod, func, None)
    if opener is None:
        raise ImageError(f"{what} images are not supported by this build of hullcheck")
    source: ImageSource = opener(ref, options)
    return source


def open_source(
    reference: str, forced: str | None = None, options: SourceOptions | None = None
) -> ImageSource:
    """Open the image ``reference`` names; the caller closes the returned source."""
    options = options or SourceOptions()
    parsed = parse_reference(reference, forced)
    opener = OPENERS[parsed.kind]
    if isinstance(opener, str):  # "MODULE:FUNCTION" of a source module, imported when used
        opener = sibling_attribute("hullcheck.sources", opener)
    return opener(parsed, reference, options)


def _open_registry(parsed: ParsedReference, reference: str, options: SourceOptions) -> ImageSource:
    # As `docker run` does: an image the local engine already has is read from it.
    if parsed.plain and _engine_has(parsed.rest, options):
        return _open_engine(parsed, reference, options)
    return _remote(
        "hullcheck.sources.registry", "open_registry_source", parsed.rest, options, "registry"
    )


def _open_engine(parsed: ParsedReference, reference: str, options: SourceOptions) -> ImageSource:
    what = "engine" if parsed.kind == "registry" else "Docker engine"
    return _remote("hullcheck.sources.engine", "open_engine_source", parsed.rest, options, what)


def _open_dir(parsed: ParsedReference, reference: str, options: SourceOptions) -> ImageSource:
    path = parsed.path
    assert path is not None
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if not path.is_dir():
        raise InputError(f"{path} is not a directory")
    cross = options.extra.get("cross_filesystems") == "true"
    return DirectorySource(path, reference, options.limits, cross_devices=cross)


def _open_oci(parsed: ParsedReference, reference: str, options: SourceOptions) -> ImageSource:
    path = parsed.path
    assert path is not None
    limits = options.limits
    if not path.is_dir():
        if path.is_file():
            return _open_tar(path, parsed.tag, reference, "oci-archive", limits)
        if path.exists():
            raise _not_regular(path)
        raise InputError(f"{path} is not a directory (expected an OCI layout)")
    store = DirStore(path)
    if not store.exists("index.json"):
        raise InputError(f"{path} is not an OCI layout (no index.json)")
    parse_layout_marker(store, limits)
    return OCILayoutSource(store, reference, parsed.tag, "oci", limits)


def _open_archive(parsed: ParsedReference, reference: str, options: SourceOptions) -> ImageSource:
    path = parsed.path
    assert path is not None
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a tar archive (use oci:{path})")
    if not path.is_file():
        raise _not_regular(path)  # never open a FIFO (it would block) or a device
    return _open_tar(path, parsed.tag, reference, parsed.kind, options.limits)


Opener = Callable[[ParsedReference, str, SourceOptions], ImageSource]
"""Opens a parsed reference (the reference as typed, for naming it) with the options."""

OPENERS: dict[str, Opener | str] = {
    "docker-archive": _open_archive,
    "oci": _open_oci,
    "oci-archive": _open_archive,
    "registry": _open_registry,
    "docker": _open_engine,
    "dir": _open_dir,
    "rootfs": "rootfs:open_rootfs",
}
"""Every kind of source, by the prefix that names it (``KIND:REF``): adding a source is
one module and one line here, ``"kind": "module:open_kind"`` (the module under
``hullcheck.sources``, imported only when that kind is opened)."""

KINDS = tuple(OPENERS)
_TRANSPORT_PREFIXES = tuple(f"{kind}:" for kind in (*OPENERS, "docker-daemon"))


def _open_tar(
    path: Path, tag: str | None, reference: str, kind: str, limits: Limits
) -> ImageSource:
    store = TarStore(path, limits)
    if store.exists("index.json") and (kind == "oci-archive" or _prefer_oci(store)):
        parse_layout_marker(store, limits)
        return OCILayoutSource(store, reference, tag, kind, limits)
    if store.exists("manifest.json"):
        return DockerArchiveSource(store, reference, tag, limits)
    raise ImageError(f"{path} holds neither manifest.json nor index.json: not an image archive")


def _prefer_oci(store: TarStore) -> bool:
    """Docker 25+ writes both forms; the OCI one carries real manifest digests."""
    return store.exists("oci-layout") or not store.exists("manifest.json")
