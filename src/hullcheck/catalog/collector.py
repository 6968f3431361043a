"""Run catalogers over files offered one at a time, keeping only what the final filesystem holds.

The :class:`Collector` is the layer walker's subscriber: the walker asks
``collector.wants(ref)`` for each file of each layer (bottom layer first), then hands
over the content of wanted files with ``feed(ref, content)`` and reports deletions with
``delete(path, layer_index)`` (a whiteout) or ``opaque(directory, layer_index)``.  Results
are keyed by path, each remembering the layer that wrote it, so a later layer's
overwrite or deletion replaces or drops what an earlier layer's file produced.

Two small drivers use it: :func:`catalog_directory` (an unpacked rootfs, for
``hullcheck sbom DIR`` and tests) and :func:`catalog_files` (any iterable of
``(FileRef, bytes)``, which is what the walker produces).
"""

from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.catalog import osrelease
from hullcheck.catalog.base import CatalogContext, Cataloger, Distro, GlobPredicate, PartialRead
from hullcheck.diagnostics import Diagnostic
from hullcheck.diagnostics import error as diag_error
from hullcheck.errors import InputError
from hullcheck.globs import compile_globs
from hullcheck.model import FileRef, Package
from hullcheck.sources.spool import SpooledFile

EXEC_BITS = stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH


@dataclass(frozen=True, slots=True)
class CatalogError:
    """A file a cataloger could not read (the rest of the catalog is still valid)."""

    path: str
    message: str

    def diagnostic(self) -> Diagnostic:
        """As a coverage loss: the packages this file lists were not inventoried."""
        return diag_error(
            "catalog-unreadable",
            "catalog",
            self.message,
            f"the packages {self.path} lists (missing from the inventory, not matched)",
            self.path or None,
        )


@dataclass(frozen=True, slots=True)
class CatalogResult:
    """Every package of the final filesystem, the distribution, and per-file errors."""

    packages: list[Package]
    distro: Distro | None
    errors: list[CatalogError] = field(default_factory=list)


@dataclass(slots=True)
class _Entry:
    ref: FileRef
    packages: list[Package]


@dataclass(slots=True)
class _Kept:
    ref: FileRef
    content: bytes | SpooledFile


def _parse(
    cataloger: Cataloger, ref: FileRef, content: bytes | SpooledFile, context: CatalogContext
) -> list[Package]:
    """The cataloger's parse; a spooled file is read by offset where the cataloger can,
    else into memory up to its ``max_size`` (as an unspooled file would have been)."""
    if not isinstance(content, SpooledFile):
        return cataloger.parse(ref, content, context)
    if cataloger.parse_spooled is not None:
        return cataloger.parse_spooled(ref, content, context)
    return cataloger.parse(ref, content.pread(0, cataloger.max_size), context)


def _owners(
    cataloger: Cataloger,
    content: bytes | SpooledFile,
    context: CatalogContext,
    interesting: Callable[[str], bool],
) -> dict[str, str]:
    if isinstance(content, SpooledFile):
        if cataloger.owners_spooled is not None:
            return cataloger.owners_spooled(content, context, interesting)
        content = content.pread(0, cataloger.max_size)
    assert cataloger.owners is not None
    return cataloger.owners(content, context, interesting)


class Collector:
    """Subscriber that routes files to catalogers and applies overwrites and deletions."""

    def __init__(self, catalogers: Sequence[Cataloger]) -> None:
        self._catalogers = tuple(catalogers)
        # path -> cataloger name -> result: a later feed of the same path replaces all.
        self._results: dict[str, dict[str, _Entry]] = {}
        self._deferred: dict[str, dict[str, _Kept]] = {}
        self._context: dict[str, _Kept] = {}
        self._errors: dict[str, list[CatalogError]] = {}
        # earlier versions of each OS database: which packages each layer's version held
        self._history: dict[str, list[tuple[FileRef, frozenset[tuple[str, str]]]]] = {}
        self._context_limit = max((c.context_max_size for c in catalogers), default=0)
        predicates = [p for c in catalogers for p in (c.wants, c.context_wants)]
        self._any_glob = compile_globs(
            pattern for p in predicates if isinstance(p, GlobPredicate) for pattern in p.patterns
        )
        self._other_wants = tuple(p for p in predicates if not isinstance(p, GlobPredicate))

    # -- the subscription the walker needs -------------------------------------------
    def wants_path(self, path: str) -> bool:
        """Whether any cataloger asks for this path by name (regardless of file type)."""
        if osrelease.wants(path):
            return True
        if self._any_glob is not None and self._any_glob.match(path):
            return True
        return any(wants(path) for wants in self._other_wants)

    def wants(self, ref: FileRef) -> bool:
        """Whether the walker should read this regular file and call :meth:`feed`.

        A wanted path that is *not* a regular file (a symlink replacing a database, say)
        must still be reported with ``feed(ref, None)`` so earlier results are dropped.
        """
        if not stat.S_ISREG(ref.mode):
            return False
        if self.wants_path(ref.path):
            return True
        return bool(ref.mode & EXEC_BITS) and any(c.executables for c in self._catalogers)

    def size_limit(self, ref: FileRef) -> int:
        """The most bytes any interested cataloger accepts for this file."""
        limits = [c.max_size for c in self._interested(ref)]
        if osrelease.wants(ref.path):
            limits.append(osrelease.MAX_SIZE)
        if any(c.context_wants(ref.path) for c in self._catalogers):
            limits.append(self._context_limit)
        return max(limits, default=0)

    def feed(self, ref: FileRef, content: bytes | SpooledFile | None) -> None:
        """A file as the layer ``ref.layer_index`` writes it (``None``: not readable/too big;
        a :class:`SpooledFile`: too large to hold, read by offset).

        Whatever an earlier layer's file at this path produced is forgotten first.
        """
        path = ref.path
        self._remember(path)
        self._forget(path)
        if content is None:
            if stat.S_ISREG(ref.mode):
                for cataloger in self._catalogers:
                    if cataloger.wants(path) and ref.size > cataloger.max_size:
                        self._too_large(cataloger, ref, ref.size)
            return
        if isinstance(content, bytes):  # context files are small: never spooled
            if osrelease.wants(path) and len(content) <= osrelease.MAX_SIZE:
                self._context[path] = _Kept(ref, content)
            for cataloger in self._catalogers:
                if cataloger.context_wants(path) and len(content) <= cataloger.context_max_size:
                    self._context[path] = _Kept(ref, content)
        for cataloger in self._interested(ref):
            if len(content) > cataloger.max_size:
                if cataloger.wants(path):  # a big binary is no news; a big database is
                    self._too_large(cataloger, ref, len(content))
                continue
            if cataloger.deferred:
                self._deferred.setdefault(path, {})[cataloger.name] = _Kept(ref, content)
                continue
            packages = self._run(cataloger, ref, content, CatalogContext())
            if packages:
                self._results.setdefault(path, {})[cataloger.name] = _Entry(ref, packages)

    def delete(self, path: str, layer_index: int | None = None) -> None:
        """A whiteout: ``path`` and everything under it, from earlier layers, is gone."""
        self._drop(lambda p: p == path or p.startswith(path.rstrip("/") + "/"), layer_index)

    def opaque(self, directory: str, layer_index: int | None = None) -> None:
        """An opaque directory: everything earlier layers put under it is hidden."""
        prefix = directory.rstrip("/") + "/"
        self._drop(lambda p: p.startswith(prefix), layer_index)

    def finish(self, survives: Callable[[FileRef], bool] | None = None) -> CatalogResult:
        """Parse the deferred OS databases with the full context; return every package.

        ``survives(ref)`` says whether the file a result came from is still the one the
        final filesystem shows (a walker that tracks whiteouts in a merged view passes
        it instead of calling :meth:`delete`); results from files that do not survive
        are dropped before anything else.
        """
        if survives is not None:
            self._retain(survives)
        files = {
            path: kept.content
            for path, kept in self._context.items()
            if isinstance(kept.content, bytes)
        }
        distro = osrelease.distro_from_files(files)
        context = CatalogContext(distro=distro, files=files)
        by_name = {c.name: c for c in self._catalogers}
        for path, kept_by_cataloger in sorted(self._deferred.items()):
            for name, kept in kept_by_cataloger.items():
                packages = self._run(by_name[name], kept.ref, kept.content, context)
                packages = self._attribute(path, kept.ref, packages)
                if packages:
                    self._results.setdefault(path, {})[name] = _Entry(kept.ref, packages)
        packages = _dedupe(
            pkg
            for _, entries in sorted(self._results.items())
            for e in entries.values()
            for pkg in e.packages
        )
        packages = self._mark_owned(packages, context)
        self._deferred.clear()
        errors = [e for _, errs in sorted(self._errors.items()) for e in errs]
        return CatalogResult(packages=packages, distro=distro, errors=errors)

    def _mark_owned(self, packages: list[Package], context: CatalogContext) -> list[Package]:
        """Mark language packages whose metadata file an OS package installed.

        Debian's ``python3-pip`` and ``node-undici`` ship ``METADATA`` and
        ``package.json`` files whose versions say nothing of the distribution's
        backported fixes; the OS advisories cover them, so they are kept in the
        inventory with their owner and never matched as PyPI or npm packages.
        """
        wanted: set[str] = set()
        for pkg in packages:
            if pkg.type not in OS_TYPES and pkg.files:
                wanted.update(_aliases(pkg.files[0]))
        if not wanted:
            return packages
        by_name = {c.name: c for c in self._catalogers}
        owner_of: dict[str, str] = {}
        for kept_by_cataloger in self._deferred.values():
            for name, kept in kept_by_cataloger.items():
                cataloger = by_name[name]
                if cataloger.owners is None:
                    continue
                try:
                    found = _owners(cataloger, kept.content, context, wanted.__contains__)
                except Exception:  # noqa: S112 - a damaged database owns nothing; parse said so
                    continue
                purls = {
                    p.name: p.purl for p in packages if p.cataloger == name and p.type in OS_TYPES
                }
                for path, owner_name in found.items():
                    if owner_name in purls:
                        owner_of.setdefault(path, purls[owner_name])
        if not owner_of:
            return packages
        out: list[Package] = []
        for pkg in packages:
            owner: str | None = None
            if pkg.type not in OS_TYPES and pkg.files:
                owner = next((owner_of[a] for a in _aliases(pkg.files[0]) if a in owner_of), None)
            out.append(dataclasses.replace(pkg, owner=owner) if owner else pkg)
        return out

    # -- internals ----------------------------------------------------------------------
    def _too_large(self, cataloger: Cataloger, ref: FileRef, size: int) -> None:
        """A file a cataloger wants by name but will not read: say so, never skip silently
        (a 70 MB dpkg status must not look like an image without packages)."""
        self._errors.setdefault(ref.path, []).append(
            CatalogError(
                ref.path,
                f"{cataloger.name}: {ref.path} is {size} bytes, over the "
                f"{cataloger.max_size}-byte limit; not read",
            )
        )

    def _remember(self, path: str) -> None:
        """Before a newer layer replaces an OS database, note which packages it held."""
        for name, kept in self._deferred.get(path, {}).items():
            cataloger = next((c for c in self._catalogers if c.name == name), None)
            if cataloger is None or kept.ref.layer_index is None:
                continue
            try:
                held = _parse(cataloger, kept.ref, kept.content, CatalogContext())
            except Exception:  # an unreadable old version simply attributes nothing
                held = []
            keys = frozenset((p.name, p.version) for p in held)
            self._history.setdefault(path, []).append((kept.ref, keys))

    def _attribute(self, path: str, final: FileRef, packages: list[Package]) -> list[Package]:
        """Credit each package to the layer that installed it, not the last to rewrite the DB.

        A package present, unchanged, in every version of the database from layer N on was
        installed by layer N (as Trivy reports it).
        """
        history = self._history.get(path)
        if not history or final.layer_index is None:
            return packages
        out: list[Package] = []
        for pkg in packages:
            origin: FileRef = final
            for ref, keys in reversed(history):
                if (pkg.name, pkg.version) not in keys:
                    break
                origin = ref
            if origin is final:
                out.append(pkg)
            else:
                out.append(
                    dataclasses.replace(
                        pkg, layer_index=origin.layer_index, layer_digest=origin.layer_digest
                    )
                )
        return out

    def _retain(self, survives: Callable[[FileRef], bool]) -> None:
        for path in list(self._results):
            kept = {k: v for k, v in self._results[path].items() if survives(v.ref)}
            if kept:
                self._results[path] = kept
            else:
                del self._results[path]
        for path in list(self._deferred):
            held = {k: v for k, v in self._deferred[path].items() if survives(v.ref)}
            if held:
                self._deferred[path] = held
            else:
                del self._deferred[path]
        for path in [p for p, kept in self._context.items() if not survives(kept.ref)]:
            del self._context[path]

    def _interested(self, ref: FileRef) -> list[Cataloger]:
        executable = stat.S_ISREG(ref.mode) and bool(ref.mode & EXEC_BITS)
        return [c for c in self._catalogers if c.wants(ref.path) or (c.executables and executable)]

    def _run(
        self,
        cataloger: Cataloger,
        ref: FileRef,
        content: bytes | SpooledFile,
        context: CatalogContext,
    ) -> list[Package]:
        try:
            found = _parse(cataloger, ref, content, context)
        except PartialRead as err:
            found = err.packages
            self._errors.setdefault(ref.path, []).append(
                CatalogError(ref.path, f"{cataloger.name}: {ref.path} read in part: {err}")
            )
        except RecursionError:
            found = None
            message = "too deeply nested"
        except Exception as err:  # hostile input must cost one file, never the whole catalog
            found = None
            message = " ".join(f"{type(err).__name__}: {err}".split())[:300]
        if found is None:
            self._errors.setdefault(ref.path, []).append(
                CatalogError(ref.path, f"{cataloger.name}: cannot read {ref.path}: {message}")
            )
            return []
        return [
            dataclasses.replace(
                pkg,
                files=pkg.files or (ref.path,),
                layer_index=ref.layer_index,
                layer_digest=ref.layer_digest,
                cataloger=pkg.cataloger or cataloger.name,
            )
            for pkg in found
        ]

    def _forget(self, path: str) -> None:
        self._results.pop(path, None)
        self._deferred.pop(path, None)
        self._context.pop(path, None)
        self._errors.pop(path, None)

    def _drop(self, match: Callable[[str], bool], layer_index: int | None) -> None:
        def earlier(ref: FileRef) -> bool:
            if layer_index is None or ref.layer_index is None:
                return True
            return ref.layer_index < layer_index

        for path in [p for p in self._results if match(p)]:
            entries = {k: v for k, v in self._results[path].items() if not earlier(v.ref)}
            if entries:
                self._results[path] = entries
            else:
                del self._results[path]
        for path in [p for p in self._deferred if match(p)]:
            kept = {k: v for k, v in self._deferred[path].items() if not earlier(v.ref)}
            if kept:
                self._deferred[path] = kept
            else:
                del self._deferred[path]
        for path in [p for p in self._context if match(p) and earlier(self._context[p].ref)]:
            del self._context[path]
        for path in [p for p in self._errors if match(p)]:
            del self._errors[path]
        for path in [p for p in self._history if match(p)]:
            del self._history[path]  # a database deleted and written again starts afresh


OS_TYPES = frozenset({"deb", "apk", "rpm"})
# merged-/usr images: a package lists /lib/x while the layer holds /usr/lib/x, or back
_MERGED = ("/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", "/libx32/")


def _aliases(path: str) -> tuple[str, ...]:
    for top in _MERGED:
        if path.startswith(top):
            return (path, "/usr" + path)
        if path.startswith("/usr" + top):
            return (path, path[4:])
    return (path,)


def _dedupe(packages: Iterable[Package]) -> list[Package]:
    seen: set[tuple[str, str, str, tuple[str, ...]]] = set()
    out: list[Package] = []
    for pkg in packages:
        key = (pkg.type, pkg.purl, pkg.version, pkg.files)
        if key not in seen:
            seen.add(key)
            out.append(pkg)
    out.sort(key=lambda p: (p.type, p.name.lower(), p.version, p.files))
    return out


def catalog_files(
    files: Iterable[tuple[FileRef, bytes | None]], catalogers: Sequence[Cataloger]
) -> CatalogResult:
    """Catalog ``(FileRef, content)`` pairs given in layer order (what the walker yields)."""
    collector = Collector(catalogers)
    for ref, content in files:
        collector.feed(ref, content)
    return collector.finish()


def catalog_directory(root: Path, catalogers: Sequence[Cataloger]) -> CatalogResult:
    """Catalog an unpacked root filesystem without following any symlink out of it."""
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    collector = Collector(catalogers)
    for ref, content in _walk_directory(root, collector):
        collector.feed(ref, content)
    return collector.finish()


def _walk_directory(root: Path, collector: Collector) -> Iterable[tuple[FileRef, bytes | None]]:
    base = str(root)

    def on_error(err: OSError) -> None:
        return None  # an unreadable directory simply holds no packages

    for dirpath, dirnames, filenames in os.walk(base, onerror=on_error, followlinks=False):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, base)
        for name in sorted(filenames):
            image_path = "/" + (name if rel_dir == "." else f"{rel_dir}/{name}")
            image_path = image_path.replace(os.sep, "/")
            full = os.path.join(dirpath, name)
            try:
                st = os.lstat(full)
            except OSError:
                continue
            ref = FileRef(path=image_path, size=st.st_size, mode=st.st_mode)
            if not collector.wants(ref):
                continue
            limit = collector.size_limit(ref)
            if st.st_size > limit:
                yield ref, None
                continue
            yield ref, _read_nofollow(full, limit)


def _read_nofollow(path: str, limit: int) -> bytes | None:
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    return data if len(data) <= limit else None
