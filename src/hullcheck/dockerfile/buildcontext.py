"""The build context on disk: which files a ``COPY``/``ADD`` source takes into the image.

Walked once, lazily (only when a rule asks), with ``.dockerignore`` applied as BuildKit
applies it.  Everything is bounded: at most ``MAX_FILES`` entries are listed and
``MAX_READ_BYTES`` read in total (files over ``MAX_FILE_BYTES`` are not read); symbolic
links are never followed (COPY copies the link, not its target) and special files
(FIFOs, devices, sockets) are never opened.  Hidden directories such as ``.git`` are
walked unless the ignore file excludes them: Docker copies them too.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.dockerfile.dockerignore import (
    EMPTY,
    DockerIgnore,
    compile_pattern,
    ignore_file_for,
    load,
)
from hullcheck.dockerfile.model import Instruction

MAX_FILES = 20_000
"""Entries listed per context; a bigger context is checked up to this many (``truncated``)."""
MAX_FILE_BYTES = 1 << 20
"""Context files larger than this are not read: secrets live in small files."""
MAX_READ_BYTES = 64 << 20
"""Bytes read per context, all COPY lines together."""

_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True, slots=True)
class ContextFile:
    """A regular file of the context: slash-separated path from the root, and its size."""

    path: str
    size: int


@dataclass(slots=True)
class BuildContext:
    """One context directory with one ignore file.  ``dockerfile`` names the Dockerfile
    whose ``<name>.dockerignore`` may apply (the context's ``.dockerignore`` otherwise)."""

    root: Path
    ignore: DockerIgnore = EMPTY
    max_files: int = MAX_FILES
    max_read_bytes: int = MAX_READ_BYTES
    truncated: bool = False
    """The walk stopped at ``max_files`` or the read budget ran out: not all was checked."""
    _files: list[ContextFile] | None = None
    _dirs: set[str] = field(default_factory=set)
    _read: int = 0
    cache: dict[object, object] = field(default_factory=dict)
    """Per-context memo for rules (e.g. a file's scan result), so a file is judged once."""

    @classmethod
    def for_dockerfile(cls, dockerfile: Path, root: Path) -> BuildContext:
        return cls(root, load(ignore_file_for(dockerfile, root)))

    # -- listing ------------------------------------------------------------------------
    def files(self) -> list[ContextFile]:
        """Every regular file in the context that the ignore file keeps, sorted."""
        if self._files is None:
            self._files = self._walk()
        return self._files

    def is_dir(self, rel: str) -> bool:
        self.files()
        return rel in self._dirs

    def _walk(self) -> list[ContextFile]:
        out: list[ContextFile] = []
        stack = [""]
        count = 0
        while stack:
            rel_dir = stack.pop()
            try:
                with os.scandir(self.root / rel_dir if rel_dir else self.root) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            subdirs: list[str] = []
            for entry in entries:
                count += 1
                if count > self.max_files:
                    self.truncated = True
                    return sorted(out, key=lambda f: f.path)
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    if not self.ignore.prunes(rel):
                        subdirs.append(rel)
                        if not self.ignore.excluded(rel):
                            self._dirs.add(rel)
                elif stat.S_ISREG(info.st_mode) and not self.ignore.excluded(rel):
                    out.append(ContextFile(rel, info.st_size))
            stack.extend(reversed(subdirs))
        return sorted(out, key=lambda f: f.path)

    # -- what a COPY takes ---------------------------------------------------------------
    def covered(self, source: str) -> list[ContextFile] | None:
        """Context files a COPY source takes: the whole context for ``.``, a directory's
        files, a glob's matches (a matched directory with its files), a single file.
        None when the source cannot be resolved here (variables, outside the context)."""
        if "$" in source or not source:
            return None
        clean = posixpath.normpath("/" + source).lstrip("/")
        if clean in ("", "."):
            return list(self.files())
        if clean.startswith(".."):
            return None
        if _GLOB.search(clean):
            rx = compile_pattern(clean)
            return [f for f in self.files() if _matches_or_parent(rx, f.path)]
        full = self.root / clean
        try:
            info = os.lstat(full)
            inside = os.path.realpath(full).startswith(os.path.realpath(self.root) + os.sep)
        except OSError:
            return []
        if not inside:
            return None
        if stat.S_ISREG(info.st_mode):  # one file: no walk needed
            return [] if self.ignore.excluded(clean) else [ContextFile(clean, info.st_size)]
        if stat.S_ISDIR(info.st_mode) and self.is_dir(clean):
            prefix = clean + "/"
            return [f for f in self.files() if f.path.startswith(prefix)]
        return []

    def has_git(self, files: list[ContextFile]) -> bool:
        return any(f.path == ".git" or f.path.startswith(".git/") for f in files)

    # -- reading ---------------------------------------------------------------------------
    def read(self, file: ContextFile) -> bytes | None:
        """The file's bytes, or None: too big, over the budget, not a regular file any more
        (replaced by a FIFO or link since the walk), or unreadable."""
        if file.size > MAX_FILE_BYTES:
            return None
        if self._read + file.size > self.max_read_bytes:
            self.truncated = True
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.root / file.path, flags)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_BYTES:
            return None
        self._read += len(data)
        return data


def _matches_or_parent(rx: re.Pattern[str], path: str) -> bool:
    if rx.match(path):
        return True
    parts = path.split("/")
    return any(rx.match("/".join(parts[:i])) for i in range(1, len(parts)))


def context_sources(ins: Instruction) -> list[str]:
    """The sources of a COPY/ADD that come from the build context: not ``--from``
    stages or images, not URLs or git repositories, not heredocs."""
    if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None:
        return []
    args = ins.arg_list
    if len(args) < 2:
        return []
    heredocs = {f"<<{h.name}" for h in ins.heredocs} | {f"<<-{h.name}" for h in ins.heredocs}
    out = []
    for src in args[:-1]:
        if src.startswith("<<") or src in heredocs or "://" in src or src.startswith("git@"):
            continue
        out.append(src)
    return out
