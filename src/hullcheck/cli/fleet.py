"""``hullcheck fleet scan`` and ``hullcheck fleet worker``: many images, one pool or Celery."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from hullcheck.errors import InputError
from hullcheck.isolated import ScanJob
from hullcheck.policy.gate import parse_fail_on
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.layercache import LAYER_STORES
from hullcheck.sources.layerstore_shared import KEY_ENV as LAYER_KEY_ENV
from hullcheck.sources.registry.options import RegistryOptions

CELERY_HINT = "--broker and fleet worker need the fleet extra: pip install 'hullcheck[fleet]'"
SEVERITY_ORDER = ("critical", "high", "unknown", "medium", "low", "info")


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "fleet",
        help="scan many images: a registry's catalogue, a list, or the service's watches",
        description="Scan every image of a registry (its _catalog and tag lists), of a list "
        "file, or of hullcheck serve's watches. Without --broker the scans run in a local "
        "pool; with --broker redis://HOST they run on `hullcheck fleet worker` processes "
        "(Celery). Each reference gets one JSON line in --output, written once; a run "
        "started again skips what the file already holds. Exit 2 when an image could not be "
        "scanned, 1 when an image has findings at or above --fail-on, else 0.",
    )
    actions = p.add_subparsers(dest="fleet_action", metavar="ACTION", required=True)
    scan = actions.add_parser("scan", help="scan a set of images")
    what = scan.add_mutually_exclusive_group(required=True)
    what.add_argument("--registry", metavar="HOST[:PORT]", help="every repository and tag")
    what.add_argument("--list", type=Path, metavar="FILE", help="one reference a line")
    what.add_argument("--watches", metavar="DATABASE_URL", help="hullcheck serve's watched tags")
    scan.add_argument("--repositories", default="*", metavar="GLOB")
    scan.add_argument("--tags", default="*", metavar="GLOB")
    scan.add_argument("--output", "-o", type=Path, help="results, one JSON line per image")
    scan.add_argument("--broker", metavar="URL", help="redis://... : run on Celery workers")
    scan.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 2,
        help="local scans at once (default: the CPU count)",
    )
    scan.add_argument("--inflight", type=int, help="tasks outstanding at once (default 2x jobs)")
    scan.add_argument("--data-dir", type=Path, help="work files and blob cache (default: cache)")
    scan.add_argument("--db", type=Path, help="vulnerability database the scans use")
    scan.add_argument("--insecure-registry", action="append", default=[], metavar="HOST[:PORT]")
    scan.add_argument("--fail-on", default="high", metavar="SEVERITY")
    scan.add_argument(
        "--visibility-timeout",
        type=int,
        default=600,
        metavar="SECONDS",
        help="with --broker: a task a dead worker held is re-run after this",
    )
    scan.add_argument(
        "--no-layer-cache",
        action="store_true",
        help="read every layer of every image (default: a layer shared by several images is "
        "read once; docs/fleet.md)",
    )
    scan.add_argument(
        "--layer-cache",
        metavar="URL",
        help="layer records shared by the workers: redis://host:port/db[?ttl=SECONDS], "
        "postgresql://user@host/db[?ttl=SECONDS] "
        "(every worker needs HULLCHECK_LAYER_CACHE_KEY) or a directory; docs/fleet.md",
    )
    scan.add_argument("--quiet", "-q", action="store_true", help="no progress line")
    scan.set_defaults(func=run_scan)
    worker = actions.add_parser("worker", help="run fleet tasks from a Celery broker")
    worker.add_argument("--broker", required=True, metavar="URL")
    worker.add_argument("--concurrency", "-c", type=int, default=os.cpu_count() or 2)
    worker.add_argument("--visibility-timeout", type=int, default=600, metavar="SECONDS")
    worker.add_argument("--name", help="worker node name (default: celery@HOST)")
    worker.add_argument(
        "--data-dir",
        help="this worker's work files and local cache (default: the submitter's --data-dir)",
    )
    worker.set_defaults(func=run_worker)


def _targets(args: argparse.Namespace) -> list[str]:
    from hullcheck.fleet import targets  # noqa: PLC0415

    if args.list is not None:
        return targets.from_file(args.list)
    if args.watches is not None:
        return targets.from_watches(args.watches)
    options = RegistryOptions(insecure_registries=frozenset(args.insecure_registry))
    return targets.from_registry(args.registry, options, args.repositories, args.tags)


def _verdict(records: list[dict[str, Any]], fail_on: str | None) -> int:
    if any(r["status"] != "done" for r in records):
        return 2
    if fail_on is None:
        return 0
    worst = SEVERITY_ORDER[: SEVERITY_ORDER.index(fail_on) + 1]
    hit = any(r["counts"].get(level) for r in records for level in worst)
    return 1 if hit else 0


def run_scan(args: argparse.Namespace) -> int:
    from hullcheck.fleet.results import JsonLines  # noqa: PLC0415
    from hullcheck.fleet.run import local_pool, run_fleet  # noqa: PLC0415
    from hullcheck.fleet.task import job_settings  # noqa: PLC0415

    gate = parse_fail_on(args.fail_on)
    fail_on = None if gate is None else str(gate.value)
    if args.jobs < 1 or (args.inflight is not None and args.inflight < 1):
        raise InputError("--jobs and --inflight must be at least 1")
    data_dir = args.data_dir or default_cache_dir(None) / "fleet"
    job = ScanJob(
        data_dir=data_dir,
        vulnerability_db=args.db or data_dir / "cache" / "osv.sqlite3",
        insecure_registries=tuple(args.insecure_registry),
        scan_args=_scan_args(args),
    )
    settings = job_settings(job)
    references = _targets(args)
    digests: dict[str, str] = {}
    if not args.list:  # registry references: scan each image once, whatever names it
        from hullcheck.fleet.targets import resolve_digests  # noqa: PLC0415

        options = RegistryOptions(insecure_registries=frozenset(args.insecure_registry))
        digests = resolve_digests(references, options, max(2, args.jobs))
    sink = JsonLines(args.output)
    inflight = args.inflight or 2 * args.jobs
    if args.broker:
        try:
            from hullcheck.fleet.celery_app import celery_submitter, make_app  # noqa: PLC0415
        except ImportError:
            raise InputError(CELERY_HINT) from None
        app = make_app(args.broker, args.visibility_timeout)
        submit, closer = celery_submitter(app, settings, inflight)
    else:
        submit, closer = local_pool(settings, args.jobs)
    try:
        summary = run_fleet(
            references, submit, sink, inflight, progress=not args.quiet, digests=digests
        )
    finally:
        closer.shutdown(wait=False, cancel_futures=True)
        sink.close()
    if not args.output:
        import json  # noqa: PLC0415

        for record in summary.records:
            print(json.dumps(record, sort_keys=True))
    print(
        f"hullcheck: fleet: {summary.total} references: {summary.done} scanned "
        f"({summary.shared} sharing another's image), {summary.failed} failed, "
        f"{summary.skipped} already done, in {summary.seconds:.1f} s",
        file=sys.stderr,
    )
    failed = [r for r in summary.records if r["status"] != "done"]
    for record in failed[:20]:
        print(f"hullcheck: warning: {record['reference']}: {record['error']}", file=sys.stderr)
    code = _verdict(list(sink.done.values()), fail_on)
    if code == 2:
        print(f"hullcheck: error: {len(failed)} images could not be scanned", file=sys.stderr)
    return code


def run_worker(args: argparse.Namespace) -> int:
    try:
        from hullcheck.fleet.celery_app import run_worker as serve  # noqa: PLC0415
    except ImportError:
        raise InputError(CELERY_HINT) from None
    data_dir = str(Path(args.data_dir).resolve()) if args.data_dir else None
    serve(args.broker, args.concurrency, args.visibility_timeout, args.name, data_dir)
    return 0


def _scan_args(args: argparse.Namespace) -> tuple[str, ...]:
    """The options every worker's scan gets: the layer cache's, and no layer helper (the
    fleet's jobs already keep every core busy with other images)."""
    if args.no_layer_cache:
        return ("--no-parallel", "--no-layer-cache")
    scheme, shared, _ = str(args.layer_cache or "").partition("://")
    if shared and scheme.lower() in LAYER_STORES and not os.environ.get(LAYER_KEY_ENV):
        # checked here too, so a missing key is one error, not every task failing
        raise InputError(f"a {scheme} layer cache needs {LAYER_KEY_ENV} (the records' HMAC key)")
    return ("--no-parallel", *(("--layer-cache", args.layer_cache) if args.layer_cache else ()))
