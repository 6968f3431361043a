"""HC3001: ``apt-get install`` without ``--no-install-recommends``.

An example of querying commands with flags: also matches ``sudo apt-get -qq install``
and ``apt-get install -y --no-install-recommends`` written in any order.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command

_APT_VALUE_OPTIONS = ("-o", "-c", "-t", "--option", "--config-file", "--target-release")


def _check(ctx: RuleContext) -> Iterator[Hit]:
    for _ins, cmd in ctx.dockerfile.commands():
        if cmd.basename != "apt-get" or cmd.subcommand(_APT_VALUE_OPTIONS) != "install":
            continue
        if cmd.has_flag("--no-install-recommends"):
            continue
        if any("Install-Recommends" in a for a in cmd.args):  # -o APT::Install-Recommends=0
            continue
        yield at_command(
            cmd,
            "apt-get install pulls in recommended packages too",
        )


NO_INSTALL_RECOMMENDS = Rule(
    id="HC3001",
    title="apt-get install without --no-install-recommends",
    severity=Severity.LOW,
    practice=Practice.LAYER_HYGIENE,
    explanation=(
        "Recommended packages are not needed to run your software; they enlarge the image"
        " and its attack surface (more packages, more CVEs to triage)."
    ),
    fix="Add `--no-install-recommends` to `apt-get install`.",
    check=_check,
    hadolint=("DL3015",),
)

RULES = (NO_INSTALL_RECOMMENDS,)
