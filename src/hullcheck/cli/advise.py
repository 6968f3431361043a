"""``hullcheck advise IMAGE|DOCKERFILE`` and ``advise OLD NEW``: argument parsing and printing.

The logic is in hullcheck.advise (base images) and hullcheck.diff.advice (build pairs).

Exit codes: 0 done (a better base may exist: read the table); 2 when the base cannot be
found, its registry cannot list tags, or a candidate could not be measured completely
and ``--allow-incomplete`` did not accept it.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hullcheck.advise import Measure, advise, base_of, from_line
from hullcheck.cli._remote import add_registry_arguments, registry_extra, registry_options
from hullcheck.cli.diff import _options
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.diagnostics import accept
from hullcheck.diagnostics import error as diag_error
from hullcheck.diff.advice import Side, advise_pair, render_table
from hullcheck.diff.snapshot import Snapshot
from hullcheck.dockerfile.model import Stage
from hullcheck.dockerfile.parser import parse
from hullcheck.errors import InputError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.lint import read_dockerfile
from hullcheck.report.columns import columns
from hullcheck.report.json_format import render
from hullcheck.report.output import write_output
from hullcheck.report.source_lines import visible
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.client import RegistryClient
from hullcheck.sources.registry.listing import list_tags


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "advise",
        help="better base images from the base's own repository, measured and ranked",
        description="Read the tags of the base image's repository, measure the current base "
        "and its candidates (newer patch releases, other variants, the next release): size, "
        "packages, known vulnerabilities, end of life, root; rank them and print the FROM "
        "line that adopts the best.",
    )
    parser.add_argument("target", metavar="IMAGE|DOCKERFILE|OLD")
    parser.add_argument(
        "new",
        metavar="NEW",
        nargs="?",
        help="a second image: compare OLD and NEW builds (what got better or worse, and the "
        "Dockerfile line that did it) instead of advising on the base",
    )
    parser.add_argument(
        "--dockerfile", metavar="FILE", help="with OLD NEW: the Dockerfile NEW was built from"
    )
    parser.add_argument(
        "--old-dockerfile",
        metavar="FILE",
        help="with OLD NEW: the Dockerfile OLD was built from (default: --dockerfile)",
    )
    parser.add_argument("--format", "-f", choices=("table", "json"), default="table")
    parser.add_argument("--output", "-o", metavar="FILE")
    parser.add_argument("--db", help="vulnerability database (default: the cache's)")
    add_allow_incomplete(parser)
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.new is not None:
        return _run_pair(args)
    if args.dockerfile or args.old_dockerfile:
        raise InputError("--dockerfile and --old-dockerfile go with two images: advise OLD NEW")
    allowed = allowed_kinds(args.allow_incomplete)
    stage: Stage | None = None
    target = args.target
    if Path(target).is_file():
        image, stage = base_of(parse(read_dockerfile(Path(target)), target))
    else:
        image = target.removeprefix("docker://")
    ref = parse_reference(image)
    extra = registry_extra(args)  # --password-stdin is read once: tags and scans share it
    client = RegistryClient(ref, registry_options(args, extra))
    try:
        tags = list_tags(client)
    finally:
        client.close()
    options = _options(args, extra)
    settings = _settings(args)

    def scan(reference: str) -> dict[str, Any]:
        report = scan_image(ScanRequest(reference, options=options, settings=settings))
        doc: dict[str, Any] = json.loads(render(report))
        return doc

    ranked = advise(ref, tags, scan, datetime.now(UTC).date())
    losses = [
        diag_error(kind, "advise", f"{m.reference}: {message}", not_examined or m.reference)
        for m in ranked
        for kind, message, not_examined in m.losses
    ]
    unmeasured = [
        diag_error(
            "advise-unmeasured",
            "advise",
            f"{m.reference} not measured: {m.error}",
            f"{m.reference} (ranked last, unmeasured)",
        )
        for m in ranked
        if m.error
    ]
    diagnostics = accept([*losses, *unmeasured], allowed)
    best = next((m for m in ranked if not m.error), None)
    advice = from_line(stage, best.reference) if best else None
    if args.format == "json":
        text = json.dumps(
            {"base": image, "ranked": [m.to_json() for m in ranked], "from": advice}, indent=2
        )
        write_output(text + "\n", args.output)
    else:
        write_output(_table(image, ranked, best, advice), args.output)
    return finish(diagnostics, 0)


def _settings(args: argparse.Namespace) -> ScanSettings:
    """Every scan advise makes matches vulnerabilities, with --db or $HULLCHECK_DB."""
    db = args.db or os.environ.get("HULLCHECK_DB")
    return ScanSettings(vulnerabilities=True, db_path=Path(db) if db else None)


def _run_pair(args: argparse.Namespace) -> int:
    """``advise OLD NEW``: the two builds judged change by change (hullcheck.diff.advice)."""
    allowed = allowed_kinds(args.allow_incomplete)
    options = _options(args)
    settings = _settings(args)
    new_path = args.dockerfile
    old_path = args.old_dockerfile or args.dockerfile
    sides = []
    for name, reference, path in (("old", args.target, old_path), ("new", args.new, new_path)):
        text = read_dockerfile(Path(path)) if path else None
        report = scan_image(
            ScanRequest(reference, options=options, settings=settings, dockerfile=path,
                        dockerfile_text=text, lint=False)
        )  # fmt: skip
        if not isinstance(report.target, dict) or report.target.get("source") == "sbom":
            raise InputError(f"{reference}: advise OLD NEW compares images, not SBOMs")
        doc = json.loads(render(report))
        snapshot = Snapshot(reference, "image", doc, reference, diagnostics=report.diagnostics)
        sides.append(Side(name, snapshot, path, text))
    result = advise_pair(sides[0], sides[1])
    diagnostics = accept([*sides[0].snapshot.diagnostics, *sides[1].snapshot.diagnostics],
                         allowed)  # fmt: skip
    result["diagnostics"] = [d.to_json() for d in diagnostics if d.level == "error"]
    if args.format == "json":
        write_output(json.dumps(result, indent=2) + "\n", args.output)
    else:
        write_output(render_table(result), args.output)
    return finish(diagnostics, 0)


def _table(image: str, ranked: list[Measure], best: Measure | None, advice: str | None) -> str:
    head = ("rank", "tag", "why", "distribution", "support", "vulns", "crit+high", "root",
            "packages", "MiB")  # fmt: skip
    rows: list[tuple[str, ...]] = []
    for i, m in enumerate(ranked, 1):
        if m.error:
            rows.append((str(i), m.tag, m.why, "-", "not measured: " + m.error[:40], "-", "-",
                         "-", "-", "-"))  # fmt: skip
            continue
        word = "since" if m.status == "end of life" else "until"
        support = m.status + (f" {word} {m.status_until}" if m.status_until else "")
        rows.append((
            str(i), m.tag, m.why, m.distro or "?", support,
            str(m.vulns) + ("" if m.complete else "?"), str(m.serious),
            "yes" if m.root else "no", str(m.packages), f"{m.size / 1048576:.1f}",
        ))  # fmt: skip
    lines = [f"base image: {visible(image)}", "", *columns(head, rows)]
    if best is None or advice is None:
        lines += ["", "best: none (no candidate could be measured)"]
    else:
        lines += ["", f"best: {visible(best.tag)} ({visible(best.why)})", f"  {visible(advice)}"]
    if any(not m.complete for m in ranked):
        lines.append("  (? = the scan could not check every package; see the errors below)")
    if any(m.unchecked for m in ranked):
        lines.append("  (the vulnerability columns, and the ranking by them, count only what was "
                     "checked)")  # fmt: skip
    for m in ranked:
        if m.unchecked:
            counts = ", ".join(f"{eco} {n}" for eco, n in sorted(m.unchecked.items()))
            lines.append(visible(f"  {m.tag}: vulnerabilities NOT checked for {counts} packages "
                                 "(the database holds no advisories for them)"))  # fmt: skip
    return "\n".join(lines) + "\n"
