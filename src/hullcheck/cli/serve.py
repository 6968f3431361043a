"""``hullcheck serve`` and ``hullcheck token``: run the service, manage its API tokens."""

from __future__ import annotations

import argparse
import logging.config
import os
from pathlib import Path
from typing import Any

from hullcheck.errors import InputError
from hullcheck.sources.cache import default_cache_dir

EXTRA_HINT = "hullcheck serve needs the server extra: pip install 'hullcheck[server]'"


def _default_database() -> str:
    url = os.environ.get("HULLCHECK_SERVER_DATABASE")
    if url:
        return url
    return f"sqlite:///{default_cache_dir(None) / 'server' / 'hullcheck.sqlite3'}"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="sqlite:///FILE or postgresql://... (default: $HULLCHECK_SERVER_DATABASE, else "
        "a SQLite file in the cache dir)",
    )
    p.add_argument("--data-dir", type=Path, help="work files and blob cache of the service")


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the hullcheck service (API, dashboard, scan queue)",
        description="Store scans, watch images and serve a dashboard. Binds to 127.0.0.1 "
        "unless --host says otherwise. Every request needs a token: make the first one with "
        "`hullcheck token create admin --scope admin`.",
    )
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8484)
    p.add_argument("--workers", type=int, default=2, help="scans run at once (default 2)")
    p.add_argument("--max-body", type=int, default=32, metavar="MiB", help="largest request")
    p.add_argument("--rate", type=int, default=600, help="requests per minute per token")
    p.add_argument(
        "--allow-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="a registry on a loopback or private address that submitted references may name",
    )
    p.add_argument(
        "--insecure-registry",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="reach this registry over plain HTTP",
    )
    p.add_argument(
        "--lease",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a running scan not heard of this long (its server died) is run again",
    )
    p.add_argument(
        "--vuln-db",
        type=Path,
        metavar="PATH",
        help="the advisory database scans use (default: osv.sqlite3 in the data dir's cache); "
        "when it changes, every stored image is matched again",
    )
    p.add_argument(
        "--watch-db",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how often to look whether the advisory database changed (default 30)",
    )
    p.add_argument(
        "--new-key",
        action="store_true",
        help="print a new key for HULLCHECK_SERVER_KEY (encrypts watches' credentials) and exit",
    )
    p.add_argument("--log-format", choices=("text", "json"), default="text")
    p.add_argument("--scan-timeout", type=float, default=900.0, metavar="SECONDS")
    p.add_argument(
        "--scan-arg", action="append", default=[], help="extra `hullcheck scan` argument"
    )
    p.set_defaults(func=run)

    t: argparse.ArgumentParser = subparsers.add_parser(
        "token", help="create, list or revoke the service's API tokens"
    )
    _common(t)
    t.add_argument("action", choices=("create", "list", "revoke"))
    t.add_argument("name", nargs="?", help="create: the token's name; revoke: its id")
    t.add_argument("--scope", choices=("read", "write", "admin"), default="read")
    t.set_defaults(func=run_token)


def _settings(args: argparse.Namespace) -> Any:
    try:
        from hullcheck.server.settings import ServerSettings  # noqa: PLC0415 - optional extra
    except ImportError:
        raise InputError(EXTRA_HINT) from None
    data_dir = args.data_dir or default_cache_dir(None) / "server"
    return ServerSettings(
        database=args.database or _default_database(),
        data_dir=data_dir,
        host=getattr(args, "host", "127.0.0.1"),
        port=getattr(args, "port", 8484),
        workers=max(1, getattr(args, "workers", 2)),
        max_body_bytes=getattr(args, "max_body", 32) * 1024 * 1024,
        rate_per_minute=getattr(args, "rate", 600),
        allowed_registries=tuple(getattr(args, "allow_registry", ())),
        insecure_registries=tuple(getattr(args, "insecure_registry", ())),
        scan_args=tuple(getattr(args, "scan_arg", ())),
        lease_seconds=getattr(args, "lease", 60.0),
        vuln_db=getattr(args, "vuln_db", None),
        watch_db_seconds=getattr(args, "watch_db", 30.0),
        scan_timeout=getattr(args, "scan_timeout", 900.0),
    )


def run(args: argparse.Namespace) -> int:
    if args.new_key:
        try:
            from hullcheck.server.vault import new_key  # noqa: PLC0415 - optional extra
        except ImportError:
            raise InputError(EXTRA_HINT) from None
        print(new_key())
        return 0
    settings = _settings(args)
    try:
        import uvicorn  # noqa: PLC0415 - optional extra

        from hullcheck.server.app import create_app  # noqa: PLC0415
        from hullcheck.server.logs import configure  # noqa: PLC0415
    except ImportError:
        raise InputError(EXTRA_HINT) from None
    log_config = configure(args.log_format)
    logging.config.dictConfig(log_config)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=log_config,
        timeout_graceful_shutdown=30,
    )
    return 0


def run_token(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        from hullcheck.server import tokens  # noqa: PLC0415 - optional extra
        from hullcheck.server.db import Token, open_database  # noqa: PLC0415
    except ImportError:
        raise InputError(EXTRA_HINT) from None
    sessions = open_database(settings.database)
    with sessions() as session:
        if args.action == "create":
            if not args.name:
                raise InputError("token create needs a NAME")
            row, value = tokens.create_token(session, args.name, args.scope)
            session.commit()
            print(value)
            print(f"token {row.id} ({row.scope}) created; it is shown only now", flush=True)
        elif args.action == "list":
            for t in session.query(Token).order_by(Token.id):
                state = "revoked" if t.revoked_at else "live"
                print(f"{t.id}\t{t.scope}\t{state}\t{t.name}")
        else:
            if not args.name or not args.name.isdigit():
                raise InputError("token revoke needs the token's id (see token list)")
            if not tokens.revoke(session, int(args.name)):
                raise InputError(f"no live token with id {args.name}")
            session.commit()
            print(f"token {args.name} revoked")
    return 0
