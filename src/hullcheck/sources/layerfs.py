"""The merged filesystem view of an image's layers, built while the layers stream.

OCI whiteouts are applied as they are met (``.wh.NAME`` hides NAME, ``.wh..wh..opq``
hides everything its directory held in lower layers; both only affect lower layers, as
the image spec requires).  Nothing is ever dropped: every path remembers the layer that
added it, the layers that changed it and the layer that hid it, so analysers can ask
"was this secret deleted later, and by which layer?".  Per-layer byte counts of what
each layer added and how much of it later layers overwrote or deleted feed the
layer-efficiency score.

Memory is an integer and a few typed columns per distinct path, with its name in its
directory's table (about 150 bytes traced, measured on 1,000,000 paths), plus, for at most
``MAX_WASTE_PATHS`` paths, the bytes their hidden versions held;
``Limits.max_entries`` (default 1,000,000) caps the number of paths, past which the view
stops growing and says so (``truncated``); entries still stream to analysers.
"""

from __future__ import annotations

import stat
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field

from hullcheck.model import FileRef
from hullcheck.sources.tarstream import (
    BLOCKDEV,
    CHARDEV,
    DIRECTORY,
    FIFO,
    HARDLINK,
    REGULAR,
    SYMLINK,
)

MAX_SYMLINK_HOPS = 40  # as Linux's path resolution
MEMO_PATHS = 200_000
MAX_WASTE_PATHS = 50_000
"""Paths whose overwritten or deleted bytes are kept by name (for ``top_wasted``); past it
the smaller half is dropped, so a hostile image of many wasted paths stays bounded."""

_TYPE_BITS = {
    REGULAR: stat.S_IFREG,
    HARDLINK: stat.S_IFREG,
    DIRECTORY: stat.S_IFDIR,
    SYMLINK: stat.S_IFLNK,
    CHARDEV: stat.S_IFCHR,
    BLOCKDEV: stat.S_IFBLK,
    FIFO: stat.S_IFIFO,
}


def type_bits(kind: str) -> int:
    return _TYPE_BITS.get(kind, stat.S_IFREG)


@dataclass(slots=True)
class LayerStats:
    """What one layer contributed, for layer-hygiene rules and the efficiency score."""

    index: int
    digest: str
    entries: int = 0
    files: int = 0
    whiteouts: int = 0
    bytes_added: int = 0
    """Sizes of the regular files this layer holds."""
    bytes_wasted: int = 0
    """Of ``bytes_added``, what later layers overwrote or deleted."""
    uncompressed_size: int = 0
    compressed_size: int = 0
    complete: bool = False
    """False when the layer could not be read to its end (see the walk's errors)."""


@dataclass(frozen=True, slots=True)
class PathInfo:
    """The final state of one path in the merged view."""

    path: str
    kind: str
    size: int
    mode: int
    uid: int
    gid: int
    link_target: str | None
    layer_index: int
    """The layer whose version of the path is the final one."""
    added_by: int
    changed_by: tuple[int, ...]
    deleted_by: int | None
    """The layer whose whiteout (or replacement of a parent) hid the path, if hidden."""

    @property
    def hidden(self) -> bool:
        return self.deleted_by is not None


_ROOT = 0
_NOT_HIDDEN = -1
_KIND_NAMES: list[str] = [DIRECTORY, REGULAR, SYMLINK, HARDLINK, CHARDEV, BLOCKDEV, FIFO]
_KIND_CODES: dict[str, int] = {kind: code for code, kind in enumerate(_KIND_NAMES)}
_DIR = _KIND_CODES[DIRECTORY]
_REG = _KIND_CODES[REGULAR]
_SYMLINK = _KIND_CODES[SYMLINK]


def _kind_code(kind: str) -> int:
    code = _KIND_CODES.get(kind)
    if code is None:  # kinds come from the readers' code, never from input: a handful
        code = _KIND_CODES[kind] = len(_KIND_NAMES)
        _KIND_NAMES.append(kind)
    return code


def _join(base: str, name: str) -> str:
    """``name`` under ``base`` (paths without a leading slash; "" is the root)."""
    return f"{base}/{name}" if base else name


@dataclass
class LayerFS:
    """The merged view.  Paths are absolute (``/etc/passwd``); the root is ``/``.

    Each path is a small integer; its attributes live in typed columns, and only what
    few paths have (link targets, the layers that changed them, numbers too wide for a
    column) in side tables.  A Python object per path would cost about 120 bytes more.
    """

    max_entries: int = 1_000_000
    stats: list[LayerStats] = field(default_factory=list)
    truncated: bool = False
    waste: dict[str, list[int]] = field(default_factory=dict)
    """Absolute path -> [bytes of its overwritten or deleted versions, how many]; only
    non-empty versions, and only the largest ``MAX_WASTE_PATHS`` paths."""
    _kind: bytearray = field(default_factory=bytearray)
    _layer: array[int] = field(default_factory=lambda: array("i"))
    """The layer whose version of the path is the current one (-1: the root)."""
    _added: array[int] = field(default_factory=lambda: array("i"))
    _deleted: array[int] = field(default_factory=lambda: array("i"))
    """The layer that hid the path, or ``_NOT_HIDDEN``."""
    _size: array[int] = field(default_factory=lambda: array("q"))
    _mode: array[int] = field(default_factory=lambda: array("H"))
    _uid: array[int] = field(default_factory=lambda: array("q"))
    _gid: array[int] = field(default_factory=lambda: array("q"))
    _wide: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    """(size, uid, gid) of paths whose numbers do not fit a 64-bit column."""
    _links: dict[int, str] = field(default_factory=dict)
    _changed: dict[int, tuple[int, ...]] = field(default_factory=dict)
    _children: dict[int, dict[str, int]] = field(default_factory=dict)
    """Names below each path that is or was a directory (hidden ones included)."""
    _dirs: dict[str, int] = field(default_factory=dict)
    _count: int = 0
    _marked: set[tuple[int, bool]] = field(default_factory=set)
    """(path, opaque) of the markers seen in layer ``_marked_layer``: the same marker
    again in that layer hides nothing more (no lower entry can appear meanwhile), and
    walking the hidden tree again for each copy would make a layer of repeated markers
    cost their number times the tree's size."""
    _marked_layer: int = -1
    _visible: tuple[PathInfo, ...] | None = None
    """``walk()`` of the visible paths, kept once built (several rule families walk the
    final view); dropped by any change, and never kept past ``MEMO_PATHS`` paths."""

    def __post_init__(self) -> None:
        self._dirs[""] = self._new(DIRECTORY, -1)

    # ----------------------------------------------------------------- building
    def _new(self, kind: str, layer: int) -> int:
        node = len(self._kind)
        code = _kind_code(kind)
        self._kind.append(code)
        self._layer.append(layer)
        self._added.append(layer)
        self._deleted.append(_NOT_HIDDEN)
        self._size.append(0)
        self._mode.append(0o755)
        self._uid.append(0)
        self._gid.append(0)
        if code == _DIR:
            self._children[node] = {}
        return node

    def _set(  # noqa: PLR0917 - called once per entry, positional like ``add``
        self, node: int, size: int, mode: int, uid: int, gid: int, link: str | None
    ) -> None:
        self._mode[node] = mode & 0o7777
        try:
            self._size[node] = size
            self._uid[node] = uid
            self._gid[node] = gid
        except OverflowError:  # a crafted header: keep the numbers as they are, aside
            self._size[node] = self._uid[node] = self._gid[node] = 0
            self._wide[node] = (size, uid, gid)
        else:
            if self._wide:
                self._wide.pop(node, None)
        if link is not None:
            self._links[node] = link
        elif self._links:
            self._links.pop(node, None)

    def _numbers(self, node: int) -> tuple[int, int, int]:
        """(size, uid, gid) of ``node``."""
        if self._wide:
            wide = self._wide.get(node)
            if wide is not None:
                return wide
        return self._size[node], self._uid[node], self._gid[node]

    def _dir(self, path: str, layer: int) -> int:
        """The directory at ``path`` (no leading slash), created if missing."""
        node = self._dirs.get(path)
        if node is not None and self._kind[node] == _DIR and self._deleted[node] < 0:
            return node
        parent_path, _, name = path.rpartition("/")
        parent = self._dir(parent_path, layer) if path else _ROOT
        children = self._children[parent]
        node = children.get(name)
        if node is None:
            node = self._new(DIRECTORY, layer)
            children[name] = node
            self._count += 1
        elif self._kind[node] != _DIR:
            # A file (or a hidden one) used as a directory by a later entry: it becomes one.
            self._hide_version(node, path)
            self._kind[node] = _DIR
            self._children.setdefault(node, {})
            self._touch(node, layer)
        elif self._deleted[node] >= 0:
            self._touch(node, layer)
        self._dirs[path] = node
        return node

    def _touch(self, node: int, layer: int) -> None:
        current = self._layer[node]
        if self._deleted[node] >= 0:
            self._deleted[node] = _NOT_HIDDEN
            if layer != current:
                self._changed[node] = (*self._changed.get(node, ()), layer)
        elif layer not in {current, self._added[node]}:
            changed = self._changed.get(node, ())
            if layer not in changed:
                self._changed[node] = (*changed, layer)
        self._layer[node] = layer

    def _hide_version(self, node: int, path: str) -> None:
        """The current version of ``node`` (at ``path``, no leading slash) stops being
        visible (overwritten or deleted)."""
        layer = self._layer[node]
        if self._deleted[node] < 0 and self._kind[node] == _REG and 0 <= layer < len(self.stats):
            self._waste(path, layer, self._numbers(node)[0])

    def _waste(self, path: str, layer: int, size: int) -> None:
        self.stats[layer].bytes_wasted += size
        if size <= 0:
            return
        key = "/" + path
        kept = self.waste.get(key)
        if kept is not None:
            kept[0] += size
            kept[1] += 1
            return
        if len(self.waste) >= MAX_WASTE_PATHS:
            ranked = sorted(self.waste.items(), key=lambda item: item[1][0], reverse=True)
            self.waste = dict(ranked[: MAX_WASTE_PATHS // 2])
        self.waste[key] = [size, 1]

    def add(  # noqa: PLR0917 - the hot path of the walk: positional on purpose
        self,
        path: str,
        kind: str,
        layer: int,
        size: int,
        mode: int,
        uid: int,
        gid: int,
        link: str | None,
    ) -> bool:
        """Record an entry of ``layer`` at ``path`` (normalised, no leading slash).

        Returns True when the entry replaced another entry of the same layer at the same
        path that was not a directory listed again (a duplicate: the later one wins, as
        when Docker unpacks the layer)."""
        self._visible = None
        parent_path, _, name = path.rpartition("/")
        parent = self._dirs.get(parent_path)
        if parent is None or self._kind[parent] != _DIR or self._deleted[parent] >= 0:
            if self._count >= self.max_entries:
                self.truncated = True
                return False
            parent = self._dir(parent_path, layer)
        children = self._children[parent]
        node = children.get(name)
        code = _kind_code(kind)
        duplicate = False
        if node is None:
            if self._count >= self.max_entries:
                self.truncated = True
                return False
            node = self._new(kind, layer)
            children[name] = node
            self._count += 1
        else:
            node_layer = self._layer[node]
            node_kind = self._kind[node]
            visible = self._deleted[node] < 0
            duplicate = node_layer == layer and visible and (code != _DIR or node_kind != _DIR)
            if node_layer != layer:
                self._hide_version(node, path)
                if self._children.get(node) and code != _DIR:
                    self._hide_children(node, layer, path)
            elif node_kind == _REG and visible:
                # a duplicate entry in the same layer replaces the earlier one
                self._waste(path, layer, self._numbers(node)[0])
            self._touch(node, layer)
            if code == _DIR:
                self._children.setdefault(node, {})
            else:
                # hidden children stay reachable under the non-directory that replaced them
                self._dirs.pop(path, None)
            self._kind[node] = code
        self._set(node, size, mode, uid, gid, link)
        if code == _DIR:
            self._dirs[path] = node
        return duplicate

    def whiteout(self, dir_path: str, name: str, layer: int) -> bool:
        """``.wh.NAME`` in ``dir_path``: hide NAME as lower layers left it.

        Returns True when ``layer`` itself had already written NAME or something below it
        (an entry before its own marker).  The image spec keeps that entry, and so does
        the view; the runtimes disagree with it and with each other (see
        docs/security-model.md, *Whiteout order*), so the walker warns."""
        self._visible = None
        parent = self._dirs.get(dir_path)
        children = None if parent is None else self._children.get(parent)
        if children is None:
            return False
        node = children.get(name)
        if node is None:
            return False
        if self._seen_marker(node, layer, opaque=False):
            # lower entries are hidden already; anything this layer wrote below since
            # revived the node as its own (an entry the first marker saw was warned of)
            return self._layer[node] == layer and self._deleted[node] < 0
        earlier = self._written_by(node, layer)
        if self._layer[node] < layer:
            self._hide(node, layer, f"{dir_path}/{name}" if dir_path else name)
        return earlier

    def _written_by(self, node: int, layer: int) -> bool:
        """True if ``layer`` wrote ``node`` or anything below it (still visible)."""
        stack = [node]
        while stack:
            current = stack.pop()
            if self._layer[current] == layer and self._deleted[current] < 0:
                return True
            stack.extend(self._children.get(current, {}).values())
        return False

    def opaque(self, dir_path: str, layer: int) -> None:
        """``.wh..wh..opq`` in ``dir_path``: hide everything lower layers put in it."""
        self._visible = None
        parent = self._dirs.get(dir_path)
        if parent is None:
            parent = self._dir(dir_path, layer)
        if not self._seen_marker(parent, layer, opaque=True):
            self._hide_children(parent, layer, dir_path)

    def _seen_marker(self, node: int, layer: int, *, opaque: bool) -> bool:
        """Whether this marker was already applied in ``layer`` (and remember it)."""
        if layer != self._marked_layer:
            self._marked.clear()
            self._marked_layer = layer
        key = (node, opaque)
        if key in self._marked:
            return True
        self._marked.add(key)
        return False

    def _hide(self, node: int, layer: int, path: str) -> None:
        if self._deleted[node] < 0 and self._layer[node] < layer:
            self._hide_version(node, path)
            self._deleted[node] = layer
        self._hide_children(node, layer, path)

    def _hide_children(self, node: int, layer: int, path: str) -> None:
        stack = [(path, node)]
        while stack:
            base, current = stack.pop()
            children = self._children.get(current)
            if not children:
                continue
            for name, child in children.items():
                # the child's path is built only where it is needed (waste, or descending)
                if self._deleted[child] < 0 and self._layer[child] < layer:
                    if self._kind[child] == _REG and self._numbers(child)[0]:
                        self._hide_version(child, _join(base, name))
                    self._deleted[child] = layer
                if self._children.get(child):
                    stack.append((_join(base, name), child))

    # ----------------------------------------------------------------- reading
    def _info(self, path: str, node: int) -> PathInfo:
        kind = _KIND_NAMES[self._kind[node]]
        size, uid, gid = self._numbers(node)
        deleted = self._deleted[node]
        return PathInfo(
            path=path or "/",
            kind=kind,
            size=size,
            mode=type_bits(kind) | self._mode[node],
            uid=uid,
            gid=gid,
            link_target=self._links.get(node),
            layer_index=self._layer[node],
            added_by=self._added[node],
            changed_by=self._changed.get(node, ()),
            deleted_by=None if deleted < 0 else deleted,
        )

    def _node(self, path: str) -> int | None:
        node = _ROOT
        for part in path.strip("/").split("/"):
            if not part:
                continue
            children = self._children.get(node)
            if children is None:
                return None
            found = children.get(part)
            if found is None:
                return None
            node = found
        return node

    def get(self, path: str) -> PathInfo | None:
        """The final state of ``path`` (hidden paths included: check ``hidden``)."""
        node = self._node(path)
        if node is None or node == _ROOT:
            return None
        return self._info("/" + path.strip("/"), node)

    def exists(self, path: str) -> bool:
        """True if ``path`` is visible in the final filesystem."""
        node = self._node(path)
        return node is not None and self._deleted[node] < 0

    def walk(self, include_hidden: bool = False) -> Iterator[PathInfo]:
        """Every path, depth first in sorted order; hidden ones only when asked."""
        if include_hidden or self._count > MEMO_PATHS:
            return self._walk_below("", _ROOT, include_hidden)
        if self._visible is None:
            self._visible = tuple(self._walk_below("", _ROOT, False))
        return iter(self._visible)

    def _walk_below(self, prefix: str, node: int, include_hidden: bool) -> Iterator[PathInfo]:
        deleted = self._deleted
        stack: list[tuple[str, Iterator[tuple[str, int]]]] = [
            (prefix, iter(sorted(self._children.get(node, {}).items())))
        ]
        while stack:
            base, it = stack[-1]
            advanced = False
            for name, child in it:
                if deleted[child] >= 0 and not include_hidden:
                    continue
                path = f"{base}/{name}"
                yield self._info(path, child)
                below = self._children.get(child)
                if below:
                    stack.append((path, iter(sorted(below.items()))))
                advanced = True
                break
            if not advanced:
                stack.pop()

    def paths(self, include_hidden: bool = False) -> list[str]:
        """Sorted absolute paths (a convenience over ``walk``)."""
        return [p.path for p in self.walk(include_hidden)]

    def hidden(self) -> Iterator[PathInfo]:
        """Paths some layer added and a later layer deleted."""
        return (p for p in self.walk(include_hidden=True) if p.hidden)

    def listdir(self, path: str) -> list[str]:
        """Visible names in directory ``path`` (empty if it is not a visible directory)."""
        node = self._node(path)
        if node is None or self._kind[node] != _DIR or self._deleted[node] >= 0:
            return []
        children = self._children.get(node, {})
        return sorted(n for n, c in children.items() if self._deleted[c] < 0)

    def resolve(self, path: str) -> str | None:
        """Follow symlinks as the kernel would inside the image root.

        ``..`` stops at ``/``; absolute targets restart at the image root; at most
        ``MAX_SYMLINK_HOPS`` links (a loop gives ``None``), as does a missing or hidden
        path.  Returns the resolved absolute path.
        """
        pending = [p for p in path.split("/") if p and p != "."]
        pending.reverse()
        done: list[str] = []
        node = _ROOT
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if done:
                    done.pop()
                found = self._node("/".join(done))
                node = _ROOT if found is None else found
                continue
            if part == ".":
                continue
            children = self._children.get(node)
            if self._kind[node] != _DIR or children is None:
                return None
            child = children.get(part)
            if child is None or self._deleted[child] >= 0:
                return None
            link = self._links.get(child)
            if self._kind[child] == _SYMLINK and link is not None:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                target = [p for p in link.split("/") if p and p != "."]
                pending.extend(reversed(target))
                if link.startswith("/"):
                    done = []
                    node = _ROOT
                continue
            done.append(part)
            node = child
        return "/" + "/".join(done)

    def to_ref(self, info: PathInfo, digests: list[str]) -> FileRef:
        """A ``FileRef`` for ``info``, naming its layer's digest from ``digests``."""
        return FileRef(
            path=info.path,
            size=info.size,
            mode=info.mode,
            layer_index=info.layer_index,
            layer_digest=digests[info.layer_index]
            if 0 <= info.layer_index < len(digests)
            else None,
            uid=info.uid,
            gid=info.gid,
            link_target=info.link_target,
        )

    @property
    def entry_count(self) -> int:
        return self._count
