"""The cataloger contract: what a cataloger declares, and what its parse function gets.

A cataloger never reads an image or a directory itself.  It declares which files it
wants (a path predicate, optionally "any executable", and a size limit) and gives a pure
``parse(file, content, context) -> list[Package]``.  Whatever walks the files (the
single-pass layer walker, or :func:`hullcheck.catalog.collector.catalog_directory`)
offers each wanted file to a :class:`~hullcheck.catalog.collector.Collector`, which runs
the parse functions and keeps results keyed by ``(path, layer)`` so that a later
overwrite or deletion can drop them.

OS package databases (dpkg, apk, rpm) are *deferred*: their contents are kept until the
walk ends, because their purls need the distribution (``/etc/os-release``) and dpkg's
licences live in other files (``/usr/share/doc/<pkg>/copyright``).  The context then
carries the distribution and the final version of every *context file* that was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, overload

from hullcheck.globs import compile_globs
from hullcheck.model import FileRef, Package
from hullcheck.sources.spool import SpooledFile

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Distro:
    """The distribution of the image, from ``/etc/os-release``: ``debian`` ``12``."""

    id: str
    version_id: str = ""
    pretty_name: str = ""
    name: str = ""
    version_codename: str = ""
    id_like: tuple[str, ...] = ()

    @property
    def purl_qualifier(self) -> str:
        """The ``distro`` purl qualifier syft writes: ``debian-12``, ``alpine-3.20.3``."""
        return f"{self.id}-{self.version_id}" if self.version_id else self.id


class PartialRead(ValueError):
    """A database read only in part: the packages that could be read, and why the rest not.

    Raised by a parse function so the packages it did read are kept while the loss is
    still reported (a coverage loss, like an unreadable file).
    """

    def __init__(self, message: str, packages: list[Package]) -> None:
        super().__init__(message)
        self.packages = packages


def damage_note(junk: list[int], incomplete: int, fields: str) -> str:
    """Why a package database was read only in part, for :class:`PartialRead`."""
    parts = []
    if junk:
        parts.append(f"{len(junk)} unreadable line(s), the first at line {junk[0]}")
    if incomplete:
        parts.append(f"{incomplete} installed package(s) without a {fields} field")
    return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class CatalogContext:
    """What a parse function may know besides its own file.

    ``files`` maps absolute paths to the final content of the context files the
    catalogers asked for (``context_wants``), e.g. dpkg's copyright files.  Language
    catalogers are run during the walk and get an empty context.
    """

    distro: Distro | None = None
    files: Mapping[str, bytes] = field(default_factory=dict)


class ByteSource(Protocol):
    """Content read by offset: ``bytes``, or a :class:`SpooledFile` too large to hold."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, key: int, /) -> int: ...
    @overload
    def __getitem__(self, key: slice, /) -> bytes: ...
    def find(self, needle: bytes, start: int = 0, /) -> int: ...


ParseFn = Callable[[FileRef, bytes, CatalogContext], list[Package]]
SpooledParseFn = Callable[[FileRef, SpooledFile, CatalogContext], list[Package]]
PathPredicate = Callable[[str], bool]
# (database content, context, which paths matter) -> {path: owning OS package name}
OwnersFn = Callable[[bytes, CatalogContext, PathPredicate], dict[str, str]]
SpooledOwnersFn = Callable[[SpooledFile, CatalogContext, PathPredicate], dict[str, str]]


class GlobPredicate:
    """A path predicate matching any of ``patterns`` (:mod:`hullcheck.globs`: ``*`` does
    not cross ``/``, ``**/`` matches zero or more directories), compiled once.  The
    patterns stay readable so the collector can fold every cataloger's into one regex:
    one match per path instead of one per cataloger."""

    __slots__ = ("_regex", "patterns")

    def __init__(self, *patterns: str) -> None:
        self.patterns = patterns
        self._regex = compile_globs(patterns)

    def __call__(self, path: str) -> bool:
        return self._regex is not None and self._regex.match(path) is not None


_never = GlobPredicate()


@dataclass(frozen=True, slots=True)
class Cataloger:
    """One package type: which files it wants and how to read one.

    ``wants(path)`` is a pure predicate on the absolute path (cheap: it runs on every
    file of every layer).  ``executables`` adds every regular file with an execute bit
    (binaries such as Go or Rust programs are found by content, not by name).  Files
    larger than ``max_size`` are skipped.  ``deferred`` parses after the walk, with the
    distribution and ``context_wants`` files (each at most ``context_max_size``).
    ``owners`` (OS databases only) says which OS package installed each of the paths
    asked about, from the package manager's own file lists.  ``parse_spooled`` and
    ``owners_spooled`` read a file over ``Limits.spill_bytes`` from a spool, by offset,
    without holding it (without them such a file is read into memory up to ``max_size``).
    """

    name: str
    wants: PathPredicate
    parse: ParseFn
    max_size: int = 8 * MiB
    executables: bool = False
    deferred: bool = False
    context_wants: PathPredicate = _never
    context_max_size: int = 512 * 1024
    owners: OwnersFn | None = None
    parse_spooled: SpooledParseFn | None = None
    owners_spooled: SpooledOwnersFn | None = None


def glob_predicate(*patterns: str) -> GlobPredicate:
    """A path predicate matching any of the globs (see :class:`GlobPredicate`)."""
    return GlobPredicate(*patterns)


__all__ = [
    "ByteSource",
    "CatalogContext",
    "Cataloger",
    "Distro",
    "GlobPredicate",
    "MiB",
    "OwnersFn",
    "ParseFn",
    "PathPredicate",
    "SpooledOwnersFn",
    "SpooledParseFn",
    "glob_predicate",
]
