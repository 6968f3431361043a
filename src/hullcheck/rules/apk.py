"""Alpine apk rules: unpinned ``apk add`` and the package index cache left in the image."""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.shell import Command
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command
from hullcheck.rules.common import final_chain, has_cache_mount, removes, ships, stray_variables

_APK_VALUE_OPTIONS = (
    "-t",
    "--virtual",
    "-X",
    "--repository",
    "-p",
    "--root",
    "--arch",
    "--cache-dir",
    "--keys-dir",
    "--repositories-file",
)


def _apk_add(cmd: Command) -> bool:
    return cmd.basename == "apk" and cmd.subcommand(_APK_VALUE_OPTIONS) == "add"


def _pinned(pkg: str) -> bool:
    return any(c in pkg for c in "=~<>$*") or pkg.endswith(".apk") or "/" in pkg


def _check_pin(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    for ins, cmd in df.commands():
        if not _apk_add(cmd):
            continue
        words = cmd.positional(_APK_VALUE_OPTIONS)[1:]
        loose = [p for p in words if not _pinned(p) or stray_variables(df, ins, p)]
        if loose:
            shown = ", ".join(loose[:4]) + (" ..." if len(loose) > 4 else "")
            yield at_command(
                cmd,
                f"apk add of unpinned packages: {shown}",
                fix=f"Pin versions: `apk add {loose[0]}=<version>` (or `~<major.minor>`).",
            )


APK_PIN = Rule(
    id="HC3010",
    name="apk-unpinned-packages",
    title="apk add without pinned versions",
    severity=Severity.LOW,
    practice=Practice.BUILD,
    explanation=(
        "Unpinned packages install whatever the Alpine mirror serves at build time, so two"
        " builds of one commit differ. Alpine keeps only the latest build of each package in"
        " a branch, so prefer `~` pins (`curl~8.5`) that survive point releases."
    ),
    fix="Pin each package: `apk add --no-cache curl~8.5`.",
    check=_check_pin,
    hadolint=("DL3018",),
)


def _check_cache(ctx: RuleContext) -> Iterator[Hit]:
    df = ctx.dockerfile
    chain = final_chain(df)
    for ins in df.runs():
        if not ships(ins, chain):
            continue
        adds = [
            c
            for c in ins.commands()
            if _apk_add(c) and not c.has_flag("--no-cache", "--no-network")
        ]
        # `apk update` downloads the index into /var/cache/apk, whatever the adds say
        adds += [c for c in ins.commands() if c.basename == "apk" and c.subcommand() == "update"]
        if not adds:
            continue
        if removes(ins, "/var/cache/apk") or has_cache_mount(
            ins, "/var/cache/apk", "/etc/apk/cache"
        ):
            continue
        first = min(adds, key=lambda c: (c.line, c.statement))
        what = "apk update" if first.subcommand() == "update" else "apk add without --no-cache"
        yield at_command(
            first,
            f"{what} leaves the package index (/var/cache/apk) in this layer",
            fix="Use `apk add --no-cache ...` (and drop any `apk update`).",
        )


APK_CACHE = Rule(
    id="HC4012",
    name="apk-without-no-cache",
    title="apk add without --no-cache",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Without `--no-cache`, apk stores the downloaded index under /var/cache/apk; it is"
        " dead weight in the shipped image."
    ),
    fix="Use `apk add --no-cache <packages>` instead of `apk update && apk add`.",
    check=_check_cache,
    hadolint=("DL3019",),
    aliases=("HC3011",),
)

RULES = (APK_PIN, APK_CACHE)
