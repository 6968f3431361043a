"""``hullcheck db``: update and inspect the local vulnerability database.

``db update`` downloads OSV exports (``--ecosystem``, ``--mirror``) or imports local OSV
files (``--from DIR|ZIP``), and refreshes the end-of-life table from the same mirror
(``<mirror>/eol.json``) or a local file (``--eol-from``); ``db status`` lists sources,
ecosystems, record counts, age, and which EOL data is in use.
The work is done in :mod:`hullcheck.vulns`; this module only parses and prints.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from hullcheck.cli.progress import progress_bar
from hullcheck.errors import ConfigError, DatabaseError
from hullcheck.vulns import eol
from hullcheck.vulns.database import (
    data_age_days,
    ecosystem_dates,
    install_embedded,
    staleness_warning,
)
from hullcheck.vulns.importer import ImportStats, import_path
from hullcheck.vulns.store import VulnDatabase, default_db_path
from hullcheck.vulns.update import (
    DEFAULT_ECOSYSTEMS,
    DEFAULT_MIRROR,
    import_eol,
    resolve_mirror,
    update_database,
    update_eol,
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="update or inspect the vulnerability database")
    parser.add_argument(
        "--db", type=Path, help="database file (default: $HULLCHECK_DB or the user cache dir)"
    )
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    update = sub.add_parser("update", help="download OSV exports, or import local OSV files")
    update.add_argument(
        "--ecosystem",
        action="append",
        metavar="NAME",
        help=f"OSV ecosystem to download (repeatable; default: {', '.join(DEFAULT_ECOSYSTEMS)})",
    )
    update.add_argument(
        "--mirror", help="base URL serving <ECOSYSTEM>/all.zip (or $HULLCHECK_OSV_MIRROR)"
    )
    update.add_argument(
        "--from", dest="source", type=Path, metavar="PATH", help="import a folder or zip of OSV"
    )
    update.add_argument(
        "--eol-from",
        type=Path,
        metavar="FILE",
        help="import an end-of-life document (eol.json format) instead of downloading",
    )
    update.add_argument("--timeout", type=float, default=30.0, help="network timeout, seconds")
    update.add_argument(
        "--embedded", action="store_true", help="(re)build the database from the embedded snapshot"
    )
    update.add_argument("--config", type=Path, help="config file with db.mirror")
    status = sub.add_parser("status", help="show sources, ecosystems, record counts and age")
    status.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(func=run)


def _config(path: Path | None) -> dict[str, Any]:
    path = path or Path(".hullcheck.yaml")
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: cannot read config: {err}") from None
    except RecursionError:
        raise ConfigError(f"{path}: cannot read config: nested too deeply") from None
    return data if isinstance(data, dict) else {}


def _print_stats(label: str, stats: ImportStats) -> None:
    print(f"{label}: {stats.records} records imported, {stats.skipped} skipped")
    for reason in stats.reasons[:5]:
        print(f"  skipped: {reason}")


def _print_eol(stored: eol.Stored) -> None:
    print(f"end-of-life data as of {stored.data.as_of} stored in {stored.data.path} "
          f"(sha256 {stored.sha256[:16]})")  # fmt: skip
    if stored.data.as_of <= eol.shipped().as_of:
        print(f"note: it is not newer than the shipped data ({eol.shipped().as_of}), "
              "which stays in use")  # fmt: skip


def _update(args: argparse.Namespace, db_path: Path) -> int:
    if args.eol_from is not None:
        _print_eol(import_eol(args.eol_from, db_path))
        if args.source is None and not args.embedded:
            return 0
    if args.embedded:
        install_embedded(db_path)
        print(f"{db_path}: rebuilt from the embedded snapshot")
        return 0
    if args.source is not None:
        _print_stats(str(args.source), import_path(db_path, args.source))
        return 0
    mirror = resolve_mirror(args.mirror, _config(args.config))
    ecosystems = args.ecosystem or list(DEFAULT_ECOSYSTEMS)
    bar = progress_bar(noun="download")
    for result in update_database(
        db_path, ecosystems, mirror=mirror, timeout=args.timeout, progress=bar
    ):
        _print_stats(f"{result.ecosystem} ({result.size} bytes, sha256 {result.sha256[:16]})",
                     result.stats)  # fmt: skip
    print(f"{db_path}: updated")
    if mirror == DEFAULT_MIRROR:
        print("note: osv.dev serves no end-of-life data; use --eol-from FILE or a mirror that "
              "serves eol.json")  # fmt: skip
        return 0
    try:
        stored = update_eol(db_path, mirror=mirror, timeout=args.timeout)
    except DatabaseError as err:
        raise DatabaseError(f"end-of-life data not updated, previous kept: {err}") from None
    if stored is None:
        current = eol.current_eol(db_path)
        print(f"note: {mirror} serves no eol.json (HTTP 404); end-of-life data unchanged "
              f"(as of {current.as_of}, {current.source})")  # fmt: skip
    else:
        _print_eol(stored)
    return 0


def _eol_status(db_path: Path) -> dict[str, Any]:
    data = eol.current_eol(db_path)
    out: dict[str, Any] = {
        "as_of": data.as_of.isoformat(),
        "source": data.source,
        "path": str(data.path) if data.path else None,
        "note": data.note,
    }
    if data.path is not None:
        stored = eol.read_stored(data.path)
        if stored is not None:
            out.update(imported_at=stored.imported_at, sha256=stored.sha256)
    return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _age(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return (datetime.now(UTC) - then).total_seconds() / 86400


def run(args: argparse.Namespace) -> int:
    db_path: Path = (args.db or default_db_path()).expanduser()
    if args.db_command == "update":
        return _update(args, db_path)
    eol_info = _eol_status(db_path)
    with VulnDatabase.open(db_path) as db:
        sources = db.sources()
        coverage = db.coverage()
        age = data_age_days(db)
        dates = ecosystem_dates(db)
        if args.format == "json":
            json.dump(
                {
                    "path": str(db_path),
                    "records": db.record_count(),
                    "age_days": None if age is None else round(age, 1),
                    "sources": [
                        {
                            "name": s.name,
                            "origin": s.origin,
                            "data_date": s.data_date,
                            "imported_at": s.imported_at,
                            "age_days": _rounded(s.age_days()),
                            "records": s.records,
                            "skipped": s.skipped,
                            "sha256": s.sha256,
                            "ecosystems": dict(s.ecosystems),
                        }
                        for s in sources
                    ],
                    "coverage": [
                        {"ecosystem": c.ecosystem, "records": c.records, "newest": c.newest}
                        for c in coverage
                    ],
                    "ecosystems": {
                        eco: {"data_date": d, "age_days": _rounded(_age(d))}
                        for eco, d in sorted(dates.items())
                    },
                    "eol": eol_info,
                },
                sys.stdout,
                indent=2,
            )
            print()
            return 0
        told = "of unknown age" if age is None else f"{age:.0f} days old"
        print(f"database: {db_path} ({db.record_count()} records; data {told})")
        for s in sources:
            source_age = s.age_days()
            when = (
                "age unknown (no record says when it was modified)"
                if source_age is None
                else f"{source_age:.0f} days old (data of {(s.data_date or '')[:10]})"
            )
            print(f"{s.name}: {s.records} records, {s.skipped} skipped, {when}, "
                  f"imported {s.imported_at[:10]}")  # fmt: skip
            print(f"  from {s.origin}")
        print("data age per ecosystem (its newest record's 'modified'):")
        for eco, date in sorted(dates.items()):
            days = _age(date)
            print(f"  {eco}: " + ("unknown" if days is None else
                                  f"{days:.0f} days old ({(date or '')[:10]})"))  # fmt: skip
        print("coverage (advisory records per ecosystem and release; packages of any other "
              "are NOT checked):")  # fmt: skip
        for c in coverage[:200]:
            newest = f"newest {c.newest[:10]}" if c.newest else "no dated record"
            print(f"  {c.ecosystem}: {c.records} records, {newest}")
        if len(coverage) > 200:
            print(f"  ... and {len(coverage) - 200} more")
        print(f"end-of-life data: as of {eol_info['as_of']}, "
              + ("shipped with hullcheck" if eol_info["path"] is None else
                 f"from {eol_info['source']} (imported {str(eol_info.get('imported_at'))[:10]}, "
                 f"{eol_info['path']})"))  # fmt: skip
        if eol_info["note"]:
            print(f"  note: {eol_info['note']}")
        warning = staleness_warning(db)
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    return 0
