"""HC5001: a download piped straight into a shell (``curl ... | sh``).

Uses the parsed pipelines of each RUN, so ``curl -fsSL $URL | sudo bash -s --`` and
``wget -qO- x | sh`` are caught, while ``curl -o f x && sha256sum -c`` is not.
"""

from __future__ import annotations

from collections.abc import Iterator

from hullcheck.dockerfile.shell import SHELLS
from hullcheck.model import Practice, Severity
from hullcheck.rules.base import Hit, Rule, RuleContext, at_command

_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c"})
_INTERPRETERS = SHELLS | {"python", "python3", "perl", "ruby", "node", "php"}


def _check(ctx: RuleContext) -> Iterator[Hit]:
    for ins in ctx.dockerfile.runs():
        script = ins.script
        if script is None:
            continue
        for pipeline in script.pipelines:
            cmds = pipeline.commands
            for i, cmd in enumerate(cmds[:-1]):
                if cmd.basename not in _DOWNLOADERS:
                    continue
                for later in cmds[i + 1 :]:
                    runner = later
                    # `| sudo sh`: the wrapped command is the one that runs the script
                    if later.basename in ("sudo", "env", "doas"):
                        inner = [
                            c
                            for c in script.commands
                            if c.wrapper == later.basename and c.line == later.line
                        ]
                        runner = inner[0] if inner else later
                    if runner.basename in _INTERPRETERS:
                        yield at_command(
                            cmd,
                            f"{cmd.basename} output is piped into {runner.basename}: the"
                            " script runs unverified",
                        )
                        break


PIPE_TO_SHELL = Rule(
    id="HC5001",
    title="Remote script piped into a shell",
    severity=Severity.HIGH,
    practice=Practice.PROVENANCE,
    explanation=(
        "Whatever the server (or anyone on the path) returns is executed as root during the"
        " build, with no checksum or signature check and no record of what ran."
    ),
    fix=(
        "Download to a file, verify it against a pinned checksum"
        ' (`echo "<sha256>  install.sh" | sha256sum -c -`), then run it; or use a'
        " package from the distribution."
    ),
    check=_check,
)

RULES = (PIPE_TO_SHELL,)
