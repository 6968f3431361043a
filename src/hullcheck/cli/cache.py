"""``hullcheck cache clean|info``: manage the blob and layer caches (parsing and printing)."""

from __future__ import annotations

import argparse
from typing import Any

from hullcheck.errors import InputError
from hullcheck.sources.cache import BlobCache, default_cache_dir
from hullcheck.sources.layercache import LayerCache, open_layer_cache


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "cache",
        help="manage hullcheck's blob and layer caches",
        description="Manage the blob cache and the layer records.",
    )
    p.add_argument("action", choices=("clean", "info"))
    p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/hullcheck)")
    p.add_argument(
        "--layer-cache",
        metavar="URL",
        help="the layer records of this directory, redis://host:port/db or "
        "postgresql://user@host/db instead of "
        "<cache>/layers (clean removes only hullcheck's records, e.g. after rotating "
        "HULLCHECK_LAYER_CACHE_KEY)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = default_cache_dir(args.cache_dir)
    cache = BlobCache(root)
    layers = open_layer_cache(args.layer_cache, root) or LayerCache(root)
    if args.action == "clean":
        count, size = cache.clean()
        print(f"removed {count} blobs ({size} bytes) from {cache.root}")
        count, size = layers.evict(0)
        _reachable(layers)
        print(f"removed {count} layer records ({size} bytes) from {layers.where()}")
    else:
        count, size = cache.usage()
        print(f"{cache.root}: {count} blobs, {size} bytes")
        count, size = layers.usage()
        _reachable(layers)
        print(f"{layers.where()}: {count} layer records, {size} bytes")
    return 0


def _reachable(layers: LayerCache) -> None:
    """A shared store that did not answer is an error here, not a silent zero."""
    if layers.warnings:
        raise InputError(layers.warnings[0].split(";")[0])
