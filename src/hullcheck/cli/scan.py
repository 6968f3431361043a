"""``hullcheck scan IMAGE``: audit a built image (argument parsing and printing only)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hullcheck.errors import InputError
from hullcheck.model import Severity
from hullcheck.report import json_format
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.base import Platform
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.limits import GiB, Limits
from hullcheck.sources.open import KINDS, SourceOptions

FORMATS = {"json": json_format.render}


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scan",
        help="audit a container image",
        description="Read an image (docker-archive, OCI layout, registry, engine) once and "
        "audit it. IMAGE: docker-archive:FILE[:TAG], oci:DIR[:TAG], oci-archive:FILE, "
        "registry:HOST/REPO:TAG, docker:NAME:TAG, or a path or plain reference.",
    )
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--format", choices=sorted(FORMATS), default="json")
    p.add_argument("--source", choices=KINDS, help="read IMAGE as this kind of source")
    p.add_argument("--platform", help="os/arch[/variant] to pick from an index (default: host)")
    p.add_argument("--cache-dir", help="blob cache (default: $XDG_CACHE_HOME/hullcheck)")
    p.add_argument("--timeout", type=float, help="give up reading after this many seconds")
    p.add_argument("--fail-on", default="high", help="exit 1 on findings at/above this")
    p.add_argument(
        "--max-layer-size",
        type=float,
        default=64,
        metavar="GB",
        help="largest uncompressed layer to read (default 64 GB)",
    )
    p.add_argument(
        "--max-ratio",
        type=int,
        default=1000,
        help="compression ratio above which a layer "
        "is treated as a decompression bomb (default 1000)",
    )
    p.add_argument(
        "--max-entries",
        type=int,
        default=1_000_000,
        help="paths kept in the merged view, ~0.3 KB each (default 1000000)",
    )
    remote = p.add_argument_group("registry and engine access")
    remote.add_argument(
        "--insecure", action="store_true", help="allow plain HTTP / unverified TLS registries"
    )
    remote.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="allow plain HTTP / unverified TLS for this registry only (repeatable)",
    )
    remote.add_argument("--auth-config", metavar="FILE", help="Docker config.json to use")
    remote.add_argument("--username", help="registry user name (password: --password-stdin)")
    remote.add_argument(
        "--password-stdin", action="store_true", help="read the registry password from stdin"
    )
    remote.add_argument("--engine-host", metavar="URL", help="Docker engine socket or URL")
    p.set_defaults(func=run)


def _remote_options(args: argparse.Namespace) -> dict[str, str]:
    """The registry/engine knobs, as the strings ``SourceOptions.extra`` carries."""
    extra: dict[str, str] = {}
    if args.insecure:
        extra["insecure"] = "true"
    if args.insecure_registry:
        extra["insecure_registries"] = ",".join(args.insecure_registry)
    if args.auth_config:
        extra["auth_config"] = args.auth_config
    if args.username:
        extra["username"] = args.username
    if args.password_stdin:
        if not args.username:
            raise InputError("--password-stdin needs --username")
        extra["password"] = sys.stdin.readline().rstrip("\r\n")
    if args.engine_host:
        extra["engine_host"] = args.engine_host
    return extra


def run(args: argparse.Namespace) -> int:
    try:
        fail_on = Severity.parse(args.fail_on)
    except ValueError as err:
        raise InputError(str(err)) from None
    platform = None
    if args.platform:
        try:
            platform = Platform.parse(args.platform)
        except ValueError as err:
            raise InputError(str(err)) from None
    if args.timeout is not None and args.timeout <= 0:
        raise InputError("--timeout must be positive")
    limits = Limits(
        max_layer_bytes=int(args.max_layer_size * GiB),
        max_ratio=args.max_ratio,
        max_entries=args.max_entries,
        timeout=args.timeout,
    )
    options = SourceOptions(
        limits=limits,
        cache_dir=default_cache_dir(args.cache_dir),
        timeout=args.timeout,
        extra=_remote_options(args),
    )
    report = scan_image(ScanRequest(args.image, args.source, platform, options))
    sys.stdout.write(FORMATS[args.format](report))
    if report.errors and not (report.summary.get("complete", True)):
        return 2
    if any(f.severity.rank >= fail_on.rank for f in report.findings):
        return 1
    return 0
