"""``diff --reproducible``: are two builds of the same source bit-for-bit the same, and
if not, which files differ in which layer and why.

Each layer of A is compared with the layer at the same index of B.  Equal diff ids
mean identical bytes.  Otherwise the entries are matched by path and each difference
gets a cause: ``timestamps`` (same content, other mtime), ``pyc`` (Python bytecode
embeds the source's mtime), ``logs``, ``generated keys`` (host keys, machine id, random
seeds made at build time), ``caches`` (ldconfig, debconf), ``ordering`` (the same
entries stored in another order), ``metadata`` (mode, owner), or ``content``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hullcheck.diff.files import Entry, LayerEntries
from hullcheck.globs import compile_globs

# globs in the one dialect (hullcheck.globs): ``**/`` for "anywhere", ``/**`` for "below"
_KEYS = (
    "/etc/ssh/ssh_host_*", "**/*.pem", "**/*.key", "/etc/machine-id", "/var/lib/dbus/machine-id",
    "**/random-seed", "/etc/ssl/private/**", "**/gnupg/**", "**/*.gpg~",
)  # fmt: skip
_LOGS = ("/var/log/**", "**/*.log", "**/*.log.*", "/var/lib/apt/extended_states")
_CACHES = (
    "/var/cache/**", "/etc/ld.so.cache", "/var/lib/dpkg/*-old", "/etc/*-", "**/__pycache__/",
)  # fmt: skip
_IS_KEY, _IS_LOG, _IS_CACHE = compile_globs(_KEYS), compile_globs(_LOGS), compile_globs(_CACHES)
MAX_LISTED = 200


def _cause(path: str, a: Entry | None, b: Entry | None) -> str:
    both = a is not None and b is not None
    if both and a.content() == b.content():  # type: ignore[union-attr]
        return "timestamps"  # the same bytes, mode and owner: only the mtime moved
    if path.endswith((".pyc", ".pyo")):
        return "pyc"
    if _IS_KEY is not None and _IS_KEY.match(path):
        return "generated keys"
    if _IS_LOG is not None and _IS_LOG.match(path):
        return "logs"
    if both and a.digest == b.digest and a.size == b.size:  # type: ignore[union-attr]
        return "metadata"
    if _IS_CACHE is not None and _IS_CACHE.match(path):
        return "caches"
    return "content" if both else "only in one build"


def compare_layer(a: LayerEntries, b: LayerEntries) -> dict[str, Any]:
    if a.diff_id == b.diff_id:
        return {"index": a.index, "identical": True}
    ea = {e.path: e for e in a.entries}
    eb = {e.path: e for e in b.entries}
    files: list[dict[str, Any]] = []
    for path in sorted(ea.keys() | eb.keys()):
        x, y = ea.get(path), eb.get(path)
        if x is not None and y is not None and x.content() == y.content() and x.mtime == y.mtime:
            continue
        files.append({"path": path, "cause": _cause(path, x, y),
                      "in": "both" if x and y else ("a" if x else "b")})  # fmt: skip
    files.sort(key=lambda f: (f["cause"] == "timestamps", f["path"]))  # the telling ones first
    causes = Counter(f["cause"] for f in files)
    if not files:
        order_a = [e.path for e in a.entries]
        order_b = [e.path for e in b.entries]
        if order_a != order_b:
            causes["ordering"] += 1
            files.append({"path": "(tar entry order)", "cause": "ordering", "in": "both"})
        else:
            causes["tar headers"] += 1  # same files, same order: header fields we do not list
    return {
        "index": a.index,
        "identical": False,
        "causes": dict(causes.most_common()),
        "files": files[:MAX_LISTED],
        "files_total": len(files),
    }


def compare_builds(a: list[LayerEntries], b: list[LayerEntries]) -> dict[str, Any]:
    layers = [compare_layer(x, y) for x, y in zip(a, b, strict=False)]
    identical = len(a) == len(b) and all(layer["identical"] for layer in layers)
    return {
        "identical": identical,
        "layers_a": len(a),
        "layers_b": len(b),
        "layers": layers,
    }
