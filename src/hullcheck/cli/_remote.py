"""Registry access options shared by the provenance commands (sign, verify, attest, pin...)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hullcheck.errors import InputError
from hullcheck.sources.registry.options import RegistryOptions, registry_options_from


def add_registry_arguments(
    parser: argparse.ArgumentParser, *, title: str = "registry access", timeout: bool = True
) -> argparse._ArgumentGroup:
    """The registry flags every remote command shares, in one group (returned, so a command
    can add its own, e.g. scan's --engine-host); ``timeout=False`` when the command has its own."""
    group = parser.add_argument_group(title)
    group.add_argument(
        "--insecure", action="store_true", help="allow plain HTTP / unverified TLS registries"
    )
    group.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="allow plain HTTP / unverified TLS for this registry only (repeatable)",
    )
    group.add_argument("--auth-config", metavar="FILE", help="Docker config.json to use")
    group.add_argument("--username", help="registry user name (password: --password-stdin)")
    group.add_argument(
        "--password-stdin", action="store_true", help="read the registry password from stdin"
    )
    if timeout:
        group.add_argument("--timeout", type=float, default=30.0, help="seconds per registry read")
    return group


def registry_extra(args: argparse.Namespace) -> dict[str, str]:
    """The flags of :func:`add_registry_arguments` as the strings ``SourceOptions.extra``
    carries (the password read from stdin here, once)."""
    extra: dict[str, str] = {}
    if args.insecure:
        extra["insecure"] = "true"
    if args.insecure_registry:
        extra["insecure_registries"] = ",".join(args.insecure_registry)
    if args.auth_config:
        extra["auth_config"] = str(Path(args.auth_config))
    if args.username:
        extra["username"] = args.username
    if args.password_stdin:
        if not args.username:
            raise InputError("--password-stdin needs --username")
        extra["password"] = sys.stdin.readline().rstrip("\r\n")
    elif getattr(args, "password_given", None) is not None:
        # a command running another in-process (promote's scan gate) passes the password
        # it already read, since standard input can be read only once
        extra["password"] = args.password_given
    return extra


def registry_options(
    args: argparse.Namespace, extra: dict[str, str] | None = None
) -> RegistryOptions:
    """The options of ``args``; ``extra``: flags already read by :func:`registry_extra`
    (a command that needs the options twice must not read the password twice)."""
    extra = registry_extra(args) if extra is None else extra

    class _Opts:
        pass

    opts = _Opts()
    opts.extra = extra  # type: ignore[attr-defined]
    opts.timeout = args.timeout  # type: ignore[attr-defined]
    return registry_options_from(opts)
