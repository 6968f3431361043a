"""``hullcheck cache clean|info``: manage the blob and layer caches (parsing and printing)."""

from __future__ import annotations

import argparse
from typing import Any

from hullcheck.sources.cache import BlobCache, default_cache_dir
from hullcheck.sources.layercache import LayerCache


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "cache", help="manage hullcheck's blob cache", description="Manage the blob cache."
    )
    p.add_argument("action", choices=("clean", "info"))
    p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/hullcheck)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    root = default_cache_dir(args.cache_dir)
    cache = BlobCache(root)
    layers = LayerCache(root)
    if args.action == "clean":
        count, size = cache.clean()
        print(f"removed {count} blobs ({size} bytes) from {cache.root}")
        count, size = layers.evict(0)
        print(f"removed {count} layer records ({size} bytes) from {layers.root}")
    else:
        count, size = cache.usage()
        print(f"{cache.root}: {count} blobs, {size} bytes")
        count, size = layers.usage()
        print(f"{layers.root}: {count} layer records, {size} bytes")
    return 0
