"""Checks of the image config and history that the Dockerfile peers make on built images.

Without the Dockerfile, a built image still says a lot: its config (HEALTHCHECK, WORKDIR,
VOLUME, exposed ports) and its history (each step's command).  Dockle and Trivy read
both; these rules judge them the way ``hullcheck lint`` judges the Dockerfile:

- HC8502: a service image (it exposes a port) whose config has no HEALTHCHECK (or
  ``HEALTHCHECK NONE``): the orchestrator cannot tell a hung process from a healthy one.
- HC8202: WORKDIR or a VOLUME on ``/proc``, ``/sys``, ``/dev`` or ``/boot`` (lint's HC2012).
- HC8415: a variable in the config's ``Env`` that turns TLS or signature checks off
  (lint's HC5005 table, ``hullcheck.dockerfile.tlsenv``), for every process the
  container will run.
- HC8203: history steps lint would flag: ``ADD`` of a URL, ``sudo``, whole-system upgrades,
  ``apk add`` without ``--no-cache``.  Reported only when no ``--dockerfile`` is linted
  alongside (then lint reports the same steps on their lines; ``hullcheck.scan`` drops
  these); each names its history entry and layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hullcheck.analysis import AnalyserOutput
from hullcheck.dockerfile.shell import Command, parse_script
from hullcheck.dockerfile.tlsenv import turns_tls_off
from hullcheck.errors import HullcheckError
from hullcheck.imagerules.base import ConfigAnalyser, ImageRule, ScanSettings
from hullcheck.imagerules.history import env_history_index, parse_created_by
from hullcheck.model import Finding, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import WalkResult

HEALTHCHECK = ImageRule(
    id="HC8502",
    name="service-without-healthcheck",
    title="Service image without a HEALTHCHECK",
    practice=Practice.AUDIT,
    severity=Severity.LOW,
    explanation=(
        "An image that exposes a port runs a service; without a HEALTHCHECK Docker and"
        " Swarm report it healthy as long as the process exists, even when it hangs."
    ),
    fix=(
        'Add `HEALTHCHECK CMD ["/app", "--health"]` (or a small probe binary) to the final'
        " stage, or rely on the orchestrator's own probes and say so in a pragma."
    ),
    hadolint=("DL3057",),
    aliases=("HC8404",),
)
KERNEL_PATHS = ImageRule(
    id="HC8202",
    name="workdir-or-volume-on-kernel-fs",
    title="WORKDIR or VOLUME on /proc, /sys, /dev or /boot",
    practice=Practice.BUILD,
    severity=Severity.MEDIUM,
    explanation=(
        "The runtime mounts /proc, /sys and /dev from the host kernel: a working directory"
        " or volume there shadows them or fails to start, and /boot is the host's."
    ),
    fix="Use an application directory such as /app or /var/lib/<app>.",
)
HISTORY_STEPS = ImageRule(
    id="HC8203",
    name="risky-build-step-in-history",
    title="Risky build step recorded in the image history",
    practice=Practice.BUILD,
    severity=Severity.LOW,
    explanation=(
        "The history keeps each build step's command. `ADD <url>` fetches unverified"
        " content, `sudo` hides a root step, a whole-system upgrade makes the image depend"
        " on the build day, and `apk add` without `--no-cache` leaves the index behind."
    ),
    fix=(
        "Fix the Dockerfile: download with a checksum check (or `ADD --checksum`), drop"
        " sudo, use a patched base image instead of upgrading, `apk add --no-cache`; lint it"
        " with `hullcheck lint` or scan with `--dockerfile` to see the lines."
    ),
)
TLS_OFF = ImageRule(
    id="HC8415",
    name="tls-checks-off-in-env",
    title="Environment turns TLS or signature checks off",
    practice=Practice.PROVENANCE,
    severity=Severity.MEDIUM,
    explanation=(
        "A variable such as GIT_SSL_NO_VERIFY, NODE_TLS_REJECT_UNAUTHORIZED=0,"
        " PYTHONHTTPSVERIFY=0 or PIP_TRUSTED_HOST left in the image's environment turns"
        " certificate checks off for every process the container runs, not only the build."
    ),
    fix=(
        "Remove the variable (set it inline for the one build command that needed it, if"
        " at all) and install the private CA certificate instead."
    ),
    aliases=("HC8204",),
)
RULES = (HEALTHCHECK, KERNEL_PATHS, HISTORY_STEPS, TLS_OFF)

_KERNEL = ("/proc", "/sys", "/dev", "/boot")
_URL = re.compile(r"(?:^|\s)(?:https?|ftp)://", re.IGNORECASE)
_UPGRADES = {
    "apt-get": ("upgrade", "dist-upgrade", "full-upgrade"),
    "apt": ("upgrade", "dist-upgrade", "full-upgrade"),
    "aptitude": ("upgrade", "safe-upgrade", "full-upgrade", "dist-upgrade"),
    "apk": ("upgrade",),
    "yum": ("upgrade", "update", "distro-sync"),
    "dnf": ("upgrade", "update", "distro-sync"),
    "microdnf": ("upgrade", "update"),
    "zypper": ("dist-upgrade", "dup", "update", "up"),
}
_RPM_TOOLS = ("yum", "dnf", "microdnf", "zypper")


def _on_kernel_fs(path: str) -> bool:
    clean = "/" + path.strip().strip("/")
    return any(clean == k or clean.startswith(k + "/") for k in _KERNEL)


def _has_healthcheck(image: Image) -> bool:
    check = image.config.healthcheck
    if not check:
        return False
    test = check.get("Test")
    return not (isinstance(test, list) and test[:1] == ["NONE"])


def history_problems(text: str) -> Iterator[str]:
    """What lint would flag in one RUN/ADD history entry's text (its keyword stripped)."""
    try:
        script = parse_script(text, [0], [1])
    except (HullcheckError, ValueError, RecursionError):
        return
    commands = list(script.commands)
    apk_cleaned = any(
        c.basename == "rm" and any(a.startswith("/var/cache/apk") for a in c.args) for c in commands
    )
    for cmd in commands:
        yield from _command_problems(cmd, apk_cleaned)


def _command_problems(cmd: Command, apk_cleaned: bool) -> Iterator[str]:
    if cmd.basename == "sudo":
        yield "sudo"
        return
    actions = _UPGRADES.get(cmd.basename)
    if actions is not None:
        pos = cmd.positional(("-o", "-c", "-t", "--setopt", "-x"))
        if pos and pos[0] in actions and not (cmd.basename in _RPM_TOOLS and pos[1:]):
            yield f"{cmd.basename} {pos[0]} (whole-system upgrade)"
    adds = cmd.basename == "apk" and cmd.subcommand(("-X", "--repository", "-t")) == "add"
    if adds and not cmd.has_flag("--no-cache", "--no-network") and not apk_cleaned:
        yield "apk add without --no-cache"


class ConfigChecks(ConfigAnalyser):
    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        if not image.has_config:
            return out  # a directory has no config or history
        config = image.config
        if config.exposed_ports and not _has_healthcheck(image):
            ports = ", ".join(sorted(config.exposed_ports))
            expose = [
                i
                for i, h in enumerate(config.history)
                if parse_created_by(h.created_by).keyword == "EXPOSE"
            ]
            out.findings.append(
                HEALTHCHECK.finding(
                    image,
                    f"The image exposes {ports} but its config has no HEALTHCHECK.",
                    extra={"exposed_ports": sorted(config.exposed_ports)},
                    history_index=expose[-1] if expose else None,
                )
            )
        for what, path in [("WORKDIR", config.workdir), *(("VOLUME", v) for v in config.volumes)]:
            if path and _on_kernel_fs(path):
                out.findings.append(
                    KERNEL_PATHS.finding(
                        image,
                        f"{what} {path} is on a filesystem the runtime mounts from the kernel.",
                        extra={"instruction": what, "path": path},
                    )
                )
        for entry in config.env:
            name, _, value = entry.partition("=")
            if turns_tls_off(name, value):
                out.findings.append(
                    TLS_OFF.finding(
                        image,
                        f"{name} in the image's environment turns certificate checks off.",
                        history_index=env_history_index(image, name),
                        extra={"variable": name},
                    )
                )
        out.findings.extend(self._history(image))
        return out

    def _history(self, image: Image) -> Iterator[Finding]:
        for index, entry in enumerate(image.config.history):
            parsed = parse_created_by(entry.created_by)
            problems: list[str] = []
            if parsed.keyword == "ADD" and _URL.search(parsed.text):
                problems.append("ADD of a URL (fetched without a checksum check)")
            elif parsed.keyword == "RUN":
                problems.extend(dict.fromkeys(history_problems(parsed.text)))
            for problem in problems:
                yield HISTORY_STEPS.finding(
                    image,
                    f"History entry {index}: {problem}.",
                    layer_index=entry.layer_index,
                    history_index=index,
                    extra={"problem": problem, "from_history": True},
                )


def analyser(settings: ScanSettings) -> ConfigChecks:
    return ConfigChecks(settings)
