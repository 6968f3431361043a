"""``hullcheck scan IMAGE``: audit a built image (argument parsing and printing only)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hullcheck.cli._remote import add_registry_arguments, registry_extra
from hullcheck.cli._reports import add_report_argument, write_reports
from hullcheck.cli._trust import add_verify_base_arguments
from hullcheck.cli.progress import progress_bar
from hullcheck.cli.verdict import add_allow_incomplete, allowed_kinds, finish
from hullcheck.diagnostics import error as diag_error
from hullcheck.diagnostics import warning as diag_warning
from hullcheck.document import Report
from hullcheck.errors import InputError
from hullcheck.imagerules.base import ScanSettings
from hullcheck.lint import MAX_BYTES, STDIN, decode_dockerfile, read_dockerfile
from hullcheck.policy.apply import Policy, apply_policy, expiry_warnings, load_policy
from hullcheck.policy.baseline import load as load_baseline
from hullcheck.policy.baseline import split as split_baseline
from hullcheck.policy.config import Config
from hullcheck.policy.gate import (
    exit_code,
    parse_fail_on,
    parse_severity,
    sort_findings,
)
from hullcheck.report.options import (
    COLOR_CHOICES,
    RenderOptions,
    RuleHelp,
    resolve_color,
    rule_help,
)
from hullcheck.report.output import write_output
from hullcheck.report.registry import SCAN, available_formats, render_as
from hullcheck.scan import ScanRequest, scan_image
from hullcheck.sources.base import Platform
from hullcheck.sources.cache import default_cache_dir
from hullcheck.sources.limits import GiB, Limits
from hullcheck.sources.open import KINDS, SourceOptions
from hullcheck.sources.registry.options import registry_options_from


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "scan",
        help="audit a container image or a root filesystem directory",
        description="Read an image (docker-archive, OCI layout, registry, engine) once and "
        "audit its configuration and every layer's files. IMAGE: docker-archive:FILE[:TAG], "
        "oci:DIR[:TAG], oci-archive:FILE, registry:HOST/REPO:TAG, docker:NAME:TAG, or a path "
        "or plain reference. A directory that is not an OCI layout (no index.json or "
        "oci-layout), or dir:PATH, is scanned as a root filesystem / build context with the "
        "same file analysers (secrets, packages, vulnerabilities, setuid, caches...); the "
        "rules about an image config are skipped. Symlinks are never followed, special "
        "files never opened, other mounted filesystems not entered.",
    )
    _add_input_arguments(p)
    _add_policy_arguments(p)
    _add_run_arguments(p)
    _add_limit_arguments(p)
    add_verify_base_arguments(p)
    remote = add_registry_arguments(p, title="registry and engine access", timeout=False)
    remote.add_argument("--engine-host", metavar="URL", help="Docker engine socket or URL")
    p.set_defaults(func=run)


def _add_input_arguments(p: argparse.ArgumentParser) -> None:
    """What to read and where the report goes."""
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--format", "-f", choices=available_formats(SCAN), default="table")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here (atomically)")
    add_report_argument(p, SCAN)
    p.add_argument(
        "--dockerfile",
        metavar="PATH",
        help="the Dockerfile the image was built from (- reads it from standard input): "
        "trace each finding to its line, and lint it into the same report",
    )
    p.add_argument(
        "--no-lint", action="store_true", help="with --dockerfile: trace only, do not lint it"
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        help="vulnerability database (default: $HULLCHECK_DB, else osv.sqlite3 in the cache "
        "dir, built from the embedded snapshot on first use)",
    )
    p.add_argument(
        "--max-db-age",
        type=float,
        metavar="DAYS",
        help="exit 2 (kind vulnerability-db) when the vulnerability data is older than this "
        "(its newest record's 'modified'), or of unknown age",
    )
    p.add_argument(
        "--no-vulns", action="store_true", help="list packages but do not match vulnerabilities"
    )
    p.add_argument(
        "--no-packages",
        action="store_true",
        help="skip the package catalogue (and so vulnerabilities)",
    )
    p.add_argument(
        "--attested-sbom-key",
        metavar="KEY",
        type=Path,
        action="append",
        default=[],
        help="take the packages from the SBOM BuildKit attached to the image instead of "
        "cataloguing, when the image index is signed by KEY (repeatable; docs/provenance.md)",
    )
    p.add_argument("--source", choices=KINDS, help="read IMAGE as this kind of source")
    p.add_argument("--platform", help="os/arch[/variant] to pick from an index (default: host)")
    p.add_argument("--cache-dir", help="blob and layer cache (default: $XDG_CACHE_HOME/hullcheck)")
    p.add_argument(
        "--no-layer-cache",
        action="store_true",
        help="read every layer even when the cache holds its results (docs/fleet.md)",
    )
    p.add_argument(
        "--no-parallel",
        action="store_true",
        help="read every layer in this process (by default, with a second core, a forked "
        "helper reads a local image's later layers while this one reads the first)",
    )
    p.add_argument(
        "--layer-cache",
        metavar="URL",
        help="layer records in this directory or a shared store: redis://host:port/db, "
        "postgresql://user@host/db (either with ?ttl=SECONDS) "
        "(needs HULLCHECK_LAYER_CACHE_KEY; default: <cache>/layers; docs/fleet.md)",
    )
    p.add_argument("--timeout", type=float, help="give up reading after this many seconds")
    p.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="exit 1 on findings at/above this (critical|high|medium|low|info|none; default: "
        "the config's fail-on, else high)",
    )


def _add_policy_arguments(p: argparse.ArgumentParser) -> None:
    """Which findings count (docs/scan.md)."""
    policy = p.add_argument_group("policy (docs/scan.md)")
    policy.add_argument(
        "--config", type=Path, help=".hullcheck.yaml to use (default: searched upward)"
    )
    policy.add_argument(
        "--ignore-file", type=Path, help="ignore rules (default: .hullcheckignore, upward)"
    )
    policy.add_argument(
        "--baseline",
        type=Path,
        metavar="REPORT.json",
        help="fail only on findings not in this saved JSON report (those move to suppressed)",
    )
    policy.add_argument(
        "--vex", type=Path, action="append", default=[], help="OpenVEX document (repeatable)"
    )
    policy.add_argument(
        "--ignore-unfixed", action="store_true", help="suppress vulnerabilities with no fix"
    )
    policy.add_argument("--severity", metavar="SEVERITY", help="suppress findings below this")
    policy.add_argument(
        "--show-suppressed", action="store_true", help="list suppressed findings too"
    )


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    """How the run behaves and what time it judges ages at."""
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress bar, no warnings (coverage losses and the verdict are still printed)",
    )
    add_allow_incomplete(p)
    p.add_argument("--color", choices=COLOR_CHOICES, default="auto", help="table colours")
    p.add_argument(
        "--max-age-days",
        type=int,
        default=90,
        metavar="DAYS",
        help="flag images created longer ago than this (default 90)",
    )
    p.add_argument(
        "--now",
        metavar="WHEN",
        help="the time ages and end-of-life are judged at (ISO 8601 date/time or Unix "
        "seconds; default: now, whatever SOURCE_DATE_EPOCH says)",
    )


def _add_limit_arguments(p: argparse.ArgumentParser) -> None:
    """Bounds on what a hostile image may make hullcheck read."""
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
    p.add_argument(
        "--cross-filesystems",
        action="store_true",
        help="scanning a directory: also enter filesystems mounted below it",
    )


def _remote_options(args: argparse.Namespace) -> dict[str, str]:
    """The registry/engine knobs, as the strings ``SourceOptions.extra`` carries."""
    extra = registry_extra(args)
    if args.engine_host:
        extra["engine_host"] = args.engine_host
    if getattr(args, "cross_filesystems", False):
        extra["cross_filesystems"] = "true"
    return extra


DB_NAME = "osv.sqlite3"


def parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    value = text.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise InputError(f"--now: {text!r} is not an ISO 8601 date or Unix seconds") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rule_help(linted: bool, verified_base: bool) -> dict[str, RuleHelp]:
    """The rules the scan ran: image rules, provenance checks, the Dockerfile rules when
    the Dockerfile was linted into the same report, the base image check when asked."""
    from hullcheck.imagerules.registry import all_rules  # noqa: PLC0415
    from hullcheck.imagerules.signatures import BASE_UNSIGNED, RULES  # noqa: PLC0415
    from hullcheck.rules.registry import RULES as LINT_RULES  # noqa: PLC0415

    lint_rules = LINT_RULES if linted else ()
    return rule_help(all_rules(), RULES, lint_rules, (BASE_UNSIGNED,) if verified_base else ())


def _dockerfile_text(path: str | None) -> str | None:
    """The Dockerfile's text: a file, or standard input for ``-`` (as ``lint -`` does)."""
    if path is None:
        return None
    if path == STDIN:
        return decode_dockerfile(sys.stdin.buffer.read(MAX_BYTES + 1), "standard input")
    return read_dockerfile(Path(path))


def _scan_with_attested_sbom(request: ScanRequest, keys: list[Path]) -> Report:
    """``--attested-sbom-key``: packages from the verified BuildKit SBOM, else catalogued."""
    from hullcheck.imagerules.packages import match_vulnerabilities  # noqa: PLC0415
    from hullcheck.provenance.attested_sbom import find_attested_sboms  # noqa: PLC0415

    found = find_attested_sboms(request.reference, keys, registry_options_from(request.options))
    if not found.by_manifest:
        report = scan_image(request)
        report.diagnostics.append(diag_warning(
            "sbom-attestation", "provenance",
            f"the attached SBOM was not used, the image was catalogued: {found.reason}",
        ))  # fmt: skip
        return report
    settings = request.settings
    report = scan_image(replace(request, settings=replace(settings, packages=False)))
    digest = report.target.get("digest") if isinstance(report.target, dict) else None
    hit = found.by_manifest.get(str(digest))
    if hit is None:
        report = scan_image(request)
        report.diagnostics.append(diag_warning(
            "sbom-attestation", "provenance",
            f"the signed SBOMs are about {', '.join(sorted(found.by_manifest))}, not the "
            f"scanned manifest {digest}: the image was catalogued",
        ))  # fmt: skip
        return report
    inventory, info = hit
    packages = list(inventory.packages)
    report.packages = packages
    report.diagnostics.extend(inventory.diagnostics)
    report.summary["packages"] = len(packages)
    report.summary["packages_source"] = info
    report.summary["packages_from"] = (
        f"SBOM attested by BuildKit ({str(info['statement'])[:19]}), index signed by "
        f"{info['signed_by']}: not catalogued"
    )
    if inventory.distro is not None:
        report.summary["base_os"] = {
            "id": inventory.distro.id,
            "version_id": inventory.distro.version_id,
            "pretty_name": inventory.distro.pretty_name or None,
        }
    if settings.vulnerabilities:
        findings, vdb, losses = match_vulnerabilities(packages, inventory.distro, settings)
        report.findings.extend(findings)
        report.summary["vulnerability_db"] = vdb
        report.diagnostics.extend(losses)
    report.summary["complete"] = not any(d.level == "error" for d in report.diagnostics)
    return report


def _check_provenance(
    report: Report, args: argparse.Namespace, config: Config, options: SourceOptions
) -> None:
    """Signatures, attestations and registry trust (``provenance:``; docs/provenance.md)."""
    from hullcheck.provenance.policy import parse_policy  # noqa: PLC0415 - crypto only when used
    from hullcheck.provenance.scancheck import check_provenance, subject_reference  # noqa: PLC0415

    prov = parse_policy(config.sections.get("provenance"), config.path, config.trusted_registries)
    reference = subject_reference(args.image, report.target or {})
    if reference is None:
        if prov.require_signature or prov.require_attestations:
            kind = (report.target or {}).get("source", "this")
            report.diagnostics.append(
                diag_error(
                    "provenance-unchecked",
                    "provenance",
                    f"a {kind} image carries no signatures or attestations; scan it from its "
                    "registry or OCI layout to check the provenance policy",
                    "signatures and attestations",
                )
            )
        if args.verify_base:
            _verify_bases(report, args, config, options, {})
        return
    result = check_provenance(reference, prov, registry_options_from(options))
    report.findings.extend(result.findings)
    report.diagnostics.extend(result.diagnostics)
    info = result.summary.get("provenance")
    if isinstance(info, dict) and (prov.active or info.get("build_attestations")):
        report.summary["provenance"] = info
    if args.verify_base:
        _verify_bases(report, args, config, options, info if isinstance(info, dict) else {})


def _verify_bases(
    report: Report,
    args: argparse.Namespace,
    config: Config,
    options: SourceOptions,
    info: dict[str, Any],
) -> None:
    """``--verify-base``: the bases named by ``--dockerfile``, else by BuildKit provenance."""
    from hullcheck.cli._trust import base_trust  # noqa: PLC0415
    from hullcheck.dockerfile.parser import parse  # noqa: PLC0415
    from hullcheck.provenance import basecheck  # noqa: PLC0415

    trust = base_trust(args, config)
    registry = registry_options_from(options)
    text = _dockerfile_text(args.dockerfile) if args.dockerfile not in (None, STDIN) else None
    if text is not None:
        result = basecheck.verify_dockerfile_bases(
            parse(text, args.dockerfile), args.dockerfile, trust, registry
        )
    else:
        materials = [
            str(m)
            for att in info.get("build_attestations") or []
            if isinstance(att, dict) and att.get("kind") == "slsa"
            for m in att.get("materials") or []
        ]
        if not basecheck.docker_materials(materials):
            report.diagnostics.append(
                diag_error(
                    "provenance-unchecked",
                    "provenance",
                    "--verify-base: no --dockerfile and no BuildKit provenance naming the base "
                    "images",
                    "the base images' signatures",
                )
            )
            return
        result = basecheck.verify_material_bases(materials, trust, registry)
    report.findings.extend(result.findings)
    report.diagnostics.extend(result.diagnostics)


def run(args: argparse.Namespace) -> int:
    if args.dockerfile == STDIN and args.password_stdin:
        raise InputError("--dockerfile - and --password-stdin cannot both read standard input")
    policy = _load_policy(args)
    allowed = allowed_kinds(args.allow_incomplete, policy.config.allow_incomplete)
    baseline = load_baseline(args.baseline) if args.baseline is not None else None
    platform = _platform(args)
    _check_numbers(args)
    options = _source_options(args)
    settings = _settings(args, policy)
    text = _dockerfile_text(args.dockerfile)
    request = ScanRequest(
        args.image,
        args.source,
        platform,
        options,
        dockerfile=args.dockerfile,
        dockerfile_text=text,
        lint=not args.no_lint,
        settings=settings,
        progress=progress_bar(args.quiet),
        lint_config=policy.config,
        layer_cache=not args.no_layer_cache,
        layer_cache_url=args.layer_cache,
    )
    if args.attested_sbom_key and settings.packages:
        report = _scan_with_attested_sbom(request, args.attested_sbom_key)
    else:
        report = scan_image(request)
    _check_provenance(report, args, policy.config, options)
    apply_policy(report, policy, settings.now.date())
    if baseline is not None:
        _apply_baseline(report, baseline)
    _note_policy(report, policy)
    report.accept(allowed)
    report.findings = sort_findings(report.findings)
    if not args.show_suppressed:
        report.suppressed = []  # still counted in summary.suppressed
    render = RenderOptions(
        color=resolve_color(args.color) if args.format == "table" else False,
        sources={args.dockerfile: text.splitlines()} if args.dockerfile and text else {},
        rule_help=_rule_help(bool(args.dockerfile) and not args.no_lint, args.verify_base),
        now=settings.now,
    )
    code = exit_code(report.findings, policy.fail_on, policy.config.unknown_severity)
    report.summary["failed"] = code == 1  # as lint: the verdict the reports state
    write_output(render_as(args.format, report, render, kind=SCAN), args.output)
    write_reports(args.report, report, render, SCAN)
    return finish(report.diagnostics, code, quiet=args.quiet)


def _load_policy(args: argparse.Namespace) -> Policy:
    """Config, ignores, VEX and thresholds; the config is searched from the Dockerfile's
    folder first, then the current one."""
    starts = [Path.cwd()]
    if args.dockerfile and args.dockerfile != STDIN:
        starts.insert(0, Path(args.dockerfile).parent)
    return load_policy(
        config_file=args.config,
        starts=starts,
        ignore_file=args.ignore_file,
        vex_files=args.vex,
        ignore_unfixed=args.ignore_unfixed,
        minimum=parse_severity(args.severity) if args.severity else None,
        fail_on=parse_fail_on(args.fail_on) if args.fail_on is not None else "config",
    )


def _platform(args: argparse.Namespace) -> Platform | None:
    if not args.platform:
        return None
    try:
        return Platform.parse(args.platform)
    except ValueError as err:
        raise InputError(str(err)) from None


def _check_numbers(args: argparse.Namespace) -> None:
    if args.timeout is not None and args.timeout <= 0:
        raise InputError("--timeout must be positive")
    if args.max_age_days < 0:
        raise InputError("--max-age-days must not be negative")
    if args.max_db_age is not None and not args.max_db_age >= 0:
        raise InputError("--max-db-age must be a number of days, not negative")


def _source_options(args: argparse.Namespace) -> SourceOptions:
    limits = Limits(
        max_layer_bytes=int(args.max_layer_size * GiB),
        max_ratio=args.max_ratio,
        max_entries=args.max_entries,
        timeout=args.timeout,
    )
    return SourceOptions(
        limits=limits,
        cache_dir=default_cache_dir(args.cache_dir),
        timeout=args.timeout,
        extra=_remote_options(args),
        parallel=False if args.no_parallel else None,
    )


def _settings(args: argparse.Namespace, policy: Policy) -> ScanSettings:
    db_path = args.db or os.environ.get("HULLCHECK_DB")
    if not db_path and args.cache_dir:
        db_path = str(Path(args.cache_dir) / DB_NAME)  # the cache dir holds it by default too
    return ScanSettings(
        now=parse_now(args.now),
        max_age_days=args.max_age_days,
        packages=not args.no_packages,
        vulnerabilities=not (args.no_vulns or args.no_packages),
        db_path=Path(db_path) if db_path else None,
        secrets=policy.secrets,
        max_db_age_days=args.max_db_age,
    )


def _apply_baseline(report: Report, baseline: Counter[str]) -> None:
    report.findings, baselined = split_baseline(report.findings, baseline)
    report.suppressed.extend(baselined)
    report.summary["baselined"] = len(baselined)
    report.summary["suppressed"] = len(report.suppressed)


def _note_policy(report: Report, policy: Policy) -> None:
    """Warnings: stale vulnerability data, policy notes, ignores about to expire."""
    db_info = report.summary.get("vulnerability_db")
    if isinstance(db_info, dict) and db_info.get("warning"):
        report.diagnostics.append(diag_warning("db-stale", "match", str(db_info["warning"])))
    report.diagnostics.extend(
        diag_warning("policy", "policy", note) for note in (*policy.notes, *expiry_warnings(report))
    )
