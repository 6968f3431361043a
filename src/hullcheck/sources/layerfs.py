"""The merged filesystem view of an image's layers, built while the layers stream.

OCI whiteouts are applied as they are met (``.wh.NAME`` hides NAME, ``.wh..wh..opq``
hides everything its directory held in lower layers; both only affect lower layers, as
the image spec requires).  Nothing is ever dropped: every path remembers the layer that
added it, the layers that changed it and the layer that hid it, so analysers can ask
"was this secret deleted later, and by which layer?".  Per-layer byte counts of what
each layer added and how much of it later layers overwrote or deleted feed the
layer-efficiency score.

Memory is one small node per distinct path (~230 bytes traced, 0.26-0.37 KB of RSS),
plus, for at most ``MAX_WASTE_PATHS`` paths, the bytes their hidden versions held;
``Limits.max_entries`` (default 1,000,000) caps the number of paths, past which the view
stops growing and says so (``truncated``); entries still stream to analysers.
"""

from __future__ import annotations

import stat
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


class _Node:
    __slots__ = (
        "added_by",
        "changed",
        "children",
        "deleted_by",
        "gid",
        "kind",
        "layer",
        "link",
        "mode",
        "size",
        "uid",
    )

    def __init__(self, kind: str, layer: int) -> None:
        self.kind = kind
        self.layer = layer
        self.added_by = layer
        self.changed: tuple[int, ...] = ()
        self.deleted_by: int | None = None
        self.children: dict[str, _Node] | None = {} if kind == DIRECTORY else None
        self.size = 0
        self.mode = 0o755
        self.uid = 0
        self.gid = 0
        self.link: str | None = None


@dataclass
class LayerFS:
    """The merged view.  Paths are absolute (``/etc/passwd``); the root is ``/``."""

    max_entries: int = 1_000_000
    stats: list[LayerStats] = field(default_factory=list)
    truncated: bool = False
    _root: _Node = field(default_factory=lambda: _Node(DIRECTORY, -1))
    _dirs: dict[str, _Node] = field(default_factory=dict)
    waste: dict[str, list[int]] = field(default_factory=dict)
    """Absolute path -> [bytes of its overwritten or deleted versions, how many]; only
    non-empty versions, and only the largest ``MAX_WASTE_PATHS`` paths."""
    _count: int = 0
    _visible: tuple[PathInfo, ...] | None = None
    """``walk()`` of the visible paths, kept once built (several rule families walk the
    final view); dropped by any change, and never kept past ``MEMO_PATHS`` paths."""

    def __post_init__(self) -> None:
        self._dirs[""] = self._root

    # ----------------------------------------------------------------- building
    def _dir(self, path: str, layer: int) -> _Node:
        """The directory node at ``path`` (no leading slash), created if missing."""
        node = self._dirs.get(path)
        if node is not None and node.kind == DIRECTORY and node.deleted_by is None:
            return node
        parent_path, _, name = path.rpartition("/")
        parent = self._dir(parent_path, layer) if path else self._root
        children = parent.children
        assert children is not None
        node = children.get(name)
        if node is None:
            node = _Node(DIRECTORY, layer)
            children[name] = node
            self._count += 1
        elif node.kind != DIRECTORY:
            # A file (or a hidden one) used as a directory by a later entry: it becomes one.
            self._hide_version(node, layer, path)
            node.kind = DIRECTORY
            if node.children is None:
                node.children = {}
            self._touch(node, layer)
        elif node.deleted_by is not None:
            self._touch(node, layer)
        self._dirs[path] = node
        return node

    def _touch(self, node: _Node, layer: int) -> None:
        if node.deleted_by is not None:
            node.deleted_by = None
            if layer != node.layer:
                node.changed = (*node.changed, layer)
        elif layer != node.layer and layer not in node.changed and layer != node.added_by:
            node.changed = (*node.changed, layer)
        node.layer = layer

    def _hide_version(self, node: _Node, by: int, path: str) -> None:
        """The current version of ``node`` (at ``path``, no leading slash) stops being
        visible (overwritten or deleted)."""
        if node.deleted_by is None and node.kind == REGULAR and 0 <= node.layer < len(self.stats):
            self._waste(path, node.layer, node.size)

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
        if parent is None or parent.kind != DIRECTORY or parent.deleted_by is not None:
            if self._count >= self.max_entries:
                self.truncated = True
                return False
            parent = self._dir(parent_path, layer)
        children = parent.children
        assert children is not None
        node = children.get(name)
        duplicate = False
        if node is None:
            if self._count >= self.max_entries:
                self.truncated = True
                return False
            node = _Node(kind, layer)
            children[name] = node
            self._count += 1
        else:
            duplicate = (
                node.layer == layer
                and node.deleted_by is None
                and (kind != DIRECTORY or node.kind != DIRECTORY)
            )
            if node.layer != layer:
                self._hide_version(node, layer, path)
                if node.children and kind != DIRECTORY:
                    self._hide_children(node, layer, path)
            elif node.kind == REGULAR and node.deleted_by is None:
                # a duplicate entry in the same layer replaces the earlier one
                self._waste(path, layer, node.size)
            self._touch(node, layer)
            if kind == DIRECTORY:
                if node.children is None:
                    node.children = {}
            else:
                # hidden children stay reachable under the non-directory that replaced them
                self._dirs.pop(path, None)
            node.kind = kind
        node.size = size
        node.mode = mode
        node.uid = uid
        node.gid = gid
        node.link = link
        if kind == DIRECTORY:
            self._dirs[path] = node
        return duplicate

    def whiteout(self, dir_path: str, name: str, layer: int) -> None:
        """``.wh.NAME`` in ``dir_path``: hide NAME as lower layers left it."""
        self._visible = None
        parent = self._dirs.get(dir_path)
        if parent is None or parent.children is None:
            return
        node = parent.children.get(name)
        if node is None or node.layer >= layer:
            return
        self._hide(node, layer, f"{dir_path}/{name}" if dir_path else name)

    def opaque(self, dir_path: str, layer: int) -> None:
        """``.wh..wh..opq`` in ``dir_path``: hide everything lower layers put in it."""
        self._visible = None
        parent = self._dirs.get(dir_path)
        if parent is None:
            parent = self._dir(dir_path, layer)
        self._hide_children(parent, layer, dir_path)

    def _hide(self, node: _Node, layer: int, path: str) -> None:
        if node.deleted_by is None and node.layer < layer:
            self._hide_version(node, layer, path)
            node.deleted_by = layer
        self._hide_children(node, layer, path)

    def _hide_children(self, node: _Node, layer: int, path: str) -> None:
        stack = [(path, node)]
        while stack:
            base, current = stack.pop()
            if not current.children:
                continue
            for name, child in current.children.items():
                # the child's path is built only where it is needed (waste, or descending)
                if child.deleted_by is None and child.layer < layer:
                    if child.kind == REGULAR and child.size:  # else it wastes nothing
                        self._hide_version(child, layer, f"{base}/{name}" if base else name)
                    child.deleted_by = layer
                if child.children:
                    stack.append((f"{base}/{name}" if base else name, child))

    # ----------------------------------------------------------------- reading
    def _info(self, path: str, node: _Node) -> PathInfo:
        return PathInfo(
            path=path or "/",
            kind=node.kind,
            size=node.size,
            mode=type_bits(node.kind) | (node.mode & 0o7777),
            uid=node.uid,
            gid=node.gid,
            link_target=node.link,
            layer_index=node.layer,
            added_by=node.added_by,
            changed_by=node.changed,
            deleted_by=node.deleted_by,
        )

    def _node(self, path: str) -> _Node | None:
        node = self._root
        for part in path.strip("/").split("/"):
            if not part:
                continue
            if node.children is None:
                return None
            nxt = node.children.get(part)
            if nxt is None:
                return None
            node = nxt
        return node

    def get(self, path: str) -> PathInfo | None:
        """The final state of ``path`` (hidden paths included: check ``hidden``)."""
        node = self._node(path)
        if node is None or node is self._root:
            return None
        return self._info("/" + path.strip("/"), node)

    def exists(self, path: str) -> bool:
        """True if ``path`` is visible in the final filesystem."""
        node = self._node(path)
        return node is not None and node.deleted_by is None

    def walk(self, include_hidden: bool = False) -> Iterator[PathInfo]:
        """Every path, depth first in sorted order; hidden ones only when asked."""
        if include_hidden or self._count > MEMO_PATHS:
            return self._walk_below("", self._root, include_hidden)
        if self._visible is None:
            self._visible = tuple(self._walk_below("", self._root, False))
        return iter(self._visible)

    def _walk_below(self, prefix: str, node: _Node, include_hidden: bool) -> Iterator[PathInfo]:
        stack: list[tuple[str, _Node, Iterator[tuple[str, _Node]]]] = [
            (prefix, node, iter(sorted((node.children or {}).items())))
        ]
        while stack:
            base, _, it = stack[-1]
            advanced = False
            for name, child in it:
                if child.deleted_by is not None and not include_hidden:
                    continue
                path = f"{base}/{name}"
                yield self._info(path, child)
                if child.children:
                    stack.append((path, child, iter(sorted(child.children.items()))))
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
        if node is None or node.kind != DIRECTORY or node.children is None:
            return []
        if node.deleted_by is not None:
            return []
        return sorted(n for n, c in node.children.items() if c.deleted_by is None)

    def resolve(self, path: str) -> str | None:
        """Follow symlinks as the kernel would inside the image root.

        ``..`` stops at ``/``; absolute targets restart at the image root; at most
        ``MAX_SYMLINK_HOPS`` links (a loop gives ``None``), as does a missing or hidden
        path.  Returns the resolved absolute path.
        """
        pending = [p for p in path.split("/") if p and p != "."]
        pending.reverse()
        done: list[str] = []
        node = self._root
        hops = 0
        while pending:
            part = pending.pop()
            if part == "..":
                if done:
                    done.pop()
                node = self._node("/".join(done)) or self._root
                continue
            if part == ".":
                continue
            if node.kind != DIRECTORY or node.children is None:
                return None
            child = node.children.get(part)
            if child is None or child.deleted_by is not None:
                return None
            if child.kind == SYMLINK and child.link is not None:
                hops += 1
                if hops > MAX_SYMLINK_HOPS:
                    return None
                target = [p for p in child.link.split("/") if p and p != "."]
                pending.extend(reversed(target))
                if child.link.startswith("/"):
                    done = []
                    node = self._root
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
