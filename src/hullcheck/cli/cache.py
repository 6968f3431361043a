"""``hullcheck cache clean|info``: manage the blob cache (argument parsing and printing)."""

from __future__ import annotations

import argparse
from typing import Any

from hullcheck.sources.cache import BlobCache, default_cache_dir


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "cache", help="manage hullcheck's blob cache", description="Manage the blob cache."
    )
    p.add_argument("action", choices=("clean", "info"))
    p.add_argument("--cache-dir", help="cache directory (default: $XDG_CACHE_HOME/hullcheck)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cache = BlobCache(default_cache_dir(args.cache_dir))
    if args.action == "clean":
        count, size = cache.clean()
        print(f"removed {count} blobs ({size} bytes) from {cache.root}")
    else:
        count, size = cache.usage()
        print(f"{cache.root}: {count} blobs, {size} bytes")
    return 0
