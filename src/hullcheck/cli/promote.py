"""``hullcheck promote SRC DST``: copy an image into a trusted repository, gated.

The source must carry a signature by one of ``--key`` and pass ``scan`` (the same gate,
the same config, on every platform of an index).  Then every platform is copied by
digest, the tag is written last, the copy is signed with ``--sign-key`` and the scan
reports are attached to it as a signed ``scan`` attestation.  Exit 0 promoted; 1 refused
(unsigned, or the scan policy failed); 2 could not be done.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from hullcheck.cli import scan as scan_cli
from hullcheck.cli._remote import add_registry_arguments, registry_extra, registry_options
from hullcheck.errors import InputError
from hullcheck.provenance.attest import attest_image
from hullcheck.provenance.imagesig import sign_image, verify_image
from hullcheck.provenance.intoto import predicate_type
from hullcheck.provenance.keys import NamedPublicKey, load_private_key, load_public_keys
from hullcheck.provenance.promote import copy_image
from hullcheck.provenance.target import Target, open_target
from hullcheck.report.source_lines import visible
from hullcheck.sources.artifacts import ArtifactStore
from hullcheck.sources.layoutwriter import LayoutStore
from hullcheck.sources.mediatypes import INDEXES
from hullcheck.sources.reference import parse_reference
from hullcheck.sources.registry.options import RegistryOptions
from hullcheck.sources.registry.writer import RegistryWriter


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "promote",
        help="copy a signed, policy-passing image into a trusted registry and sign the copy",
        description="Verify SRC's signature (--key) and scan policy (every platform), copy "
        "all platforms to DST (digests checked, tag written last), sign the copy "
        "(--sign-key) and attach the scan result as a signed attestation.",
    )
    parser.add_argument("source", metavar="SRC")
    parser.add_argument("dest", metavar="DST", help="registry reference with a tag")
    parser.add_argument("--key", action="append", required=True, help="key SRC must be signed by")
    parser.add_argument("--sign-key", required=True, help="private key to sign the copy with")
    parser.add_argument("--config", help="policy file for the scan gate (.hullcheck.yaml)")
    parser.add_argument("--fail-on", help="scan gate threshold (default: the config's, or high)")
    parser.add_argument("--no-vulns", action="store_true", help="scan gate without vulnerabilities")
    parser.add_argument("--cache-dir", help="blob cache for the scan")
    add_registry_arguments(parser)
    parser.set_defaults(func=run)


def _platforms(target: Target) -> list[str | None]:
    if target.subject.media_type not in INDEXES:
        return [None]
    doc = json.loads(target.subject.body)
    out: list[str | None] = []
    for entry in doc.get("manifests") or []:
        plat = entry.get("platform") if isinstance(entry, dict) else None
        if isinstance(plat, dict) and plat.get("os") not in (None, "unknown"):
            parts = [plat.get("os"), plat.get("architecture"), plat.get("variant")]
            out.append("/".join(str(p) for p in parts if p))
    return out or [None]


def _scan_parser() -> argparse.ArgumentParser:
    """``hullcheck scan``'s own parser (imported from its module, not from cli.main, which
    imports this one)."""
    parser = argparse.ArgumentParser(prog="hullcheck")
    scan_cli.register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    return parser


def _scan(
    target: Target, platform: str | None, args: argparse.Namespace, extra: dict[str, str]
) -> tuple[int, Any]:
    """One platform through ``hullcheck scan``'s own gate; (exit code, JSON report)."""
    if isinstance(target.store, LayoutStore):
        ref = target.display
    else:
        ref = f"{target.repository}@{target.digest}"
    with tempfile.TemporaryDirectory(prefix="hullcheck-promote-") as tmp:
        out = Path(tmp) / "report.json"
        argv = ["scan", ref, "--format", "json", "-o", str(out), "--quiet"]
        for flag, value in (
            ("--platform", platform),
            ("--config", args.config),
            ("--fail-on", args.fail_on),
            ("--cache-dir", args.cache_dir),
        ):
            if value:
                argv += [flag, value]
        if args.no_vulns:
            argv.append("--no-vulns")
        if args.insecure:
            argv.append("--insecure")
        for host in args.insecure_registry:
            argv += ["--insecure-registry", host]
        if args.auth_config:
            argv += ["--auth-config", args.auth_config]
        if args.username:
            argv += ["--username", args.username]
        scan_args = _scan_parser().parse_args(argv)
        scan_args.password_given = extra.get("password")  # stdin was read once, by promote
        code: int = scan_args.func(scan_args)
        report = json.loads(out.read_text()) if out.is_file() else None
    return code, report


def _dest_store(text: str, options: RegistryOptions) -> tuple[ArtifactStore, str, str]:
    """The destination store, its tag, and how to name the copy by digest."""
    raw = text.removeprefix("registry:").removeprefix("docker://")
    ref = parse_reference(raw)
    if ref.digest or not ref.tag:
        raise InputError(f"DST {text!r} must name a tag (the promoted image gets it last)")
    return RegistryWriter(ref, options), ref.tag, ref.name


def run(args: argparse.Namespace) -> int:
    keys: list[NamedPublicKey] = []
    for path in args.key:
        keys.extend(load_public_keys(Path(path)))
    signer = load_private_key(Path(args.sign_key))
    extra = registry_extra(args)  # reads --password-stdin, once for SRC, DST and the scan
    options = registry_options(args, extra)
    with open_target(args.source, options) as source:
        checks = verify_image(source, keys)
        if not any(c.ok for c in checks):
            why = "; ".join(sorted({c.reason for c in checks})) or "it has no signatures"
            print(
                visible(f"hullcheck: refusing to promote {source.digest}: {why}"), file=sys.stderr
            )
            return 1
        reports: dict[str, Any] = {}
        for platform in _platforms(source):
            code, report = _scan(source, platform, args, extra)
            name = platform or "image"
            if code != 0:
                verdict = "could not be scanned" if code == 2 else "fails the scan policy"
                print(
                    visible(f"hullcheck: refusing to promote {source.digest}: {name} {verdict}"),
                    file=sys.stderr,
                )
                return code
            reports[name] = report
        store, tag, name = _dest_store(args.dest, options)
        try:
            stats = copy_image(source, store, tag)
        finally:
            store.close()
        with open_target(f"{name}@{source.digest}", options) as copy:
            sign_image(copy, signer, args.sign_key)
            predicate = {"source": f"{source.display}", "digest": source.digest, "scans": reports}
            attest_image(copy, signer, args.sign_key, predicate_type("scan"), predicate)
        print(
            visible(
                f"Promoted {source.display} -> {name}:{tag} ({source.digest}): "
                f"{stats.manifests} manifests, {stats.blobs_mounted} blobs mounted, "
                f"{stats.blobs_copied} copied ({stats.bytes_copied} bytes), "
                f"{stats.blobs_present} already there; signed and attested"
            ),
            file=sys.stderr,
        )
        print(source.digest)
    return 0
