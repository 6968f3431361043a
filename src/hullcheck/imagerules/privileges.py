"""Privileges: who the container runs as and what in its filesystem grants more power.

Root user, a user the image does not know, setuid/setgid binaries beyond the
distribution's usual set, world-writable paths without the sticky bit, files carrying
Linux capabilities (``security.capability``), an SSH daemon or sudo, and port 22.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Sequence

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import (
    FinalFiles,
    ImageRule,
    ScanSettings,
    is_root_user,
    parse_user,
)
from hullcheck.imagerules.data import usual_setuid
from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import FileRef, Finding, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

ROOT_USER = ImageRule(
    id="HC8001",
    name="container-runs-as-root",
    title="Container runs as root",
    practice=Practice.PRIVILEGES,
    severity=Severity.HIGH,
    explanation=(
        "A process running as uid 0 in a container is root on the host's kernel: one kernel or "
        "runtime escape, or a writable host mount, and the attacker owns the node."
    ),
    fix=(
        "Create an unprivileged user and switch to it: RUN useradd -r -u 10001 app, then "
        "USER 10001 (a numeric uid lets Kubernetes check runAsNonRoot)."
    ),
)
UNKNOWN_USER = ImageRule(
    id="HC8002",
    name="user-not-in-passwd",
    title="Configured user is not in /etc/passwd",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "A user name the image's /etc/passwd does not define makes the container fail to start; "
        "a numeric uid without an entry runs with no home directory and no name, which breaks "
        "tools and audit trails."
    ),
    fix="Create the user in the image (useradd/adduser) before the USER instruction.",
)
SETUID = ImageRule(
    id="HC8003",
    name="unusual-setuid-executable",
    title="Unusual setuid/setgid executable",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "setuid/setgid executables run with their owner's privileges whoever starts them; "
        "beyond the few a distribution ships, each is a privilege-escalation path."
    ),
    fix="Drop the bit (chmod u-s,g-s FILE) or the file; run with --security-opt no-new-privileges.",
)
WORLD_WRITABLE = ImageRule(
    id="HC8004",
    name="world-writable-without-sticky",
    title="World-writable path without the sticky bit",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "Any user in the container can replace a world-writable file, or files in a "
        "world-writable directory without the sticky bit: code or configuration tampering."
    ),
    fix="chmod o-w the path (or chmod +t a shared directory such as a temp dir).",
)
CAPABILITIES = ImageRule(
    id="HC8005",
    name="file-capabilities",
    title="File with Linux capabilities",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "File capabilities (security.capability) give a binary part of root's power whoever "
        "runs it, like a narrower setuid bit."
    ),
    fix=(
        "Remove them (setcap -r FILE) unless the application needs them; grant capabilities "
        "at run time (--cap-add) instead."
    ),
)
REMOTE_ACCESS = ImageRule(
    id="HC8006",
    name="ssh-or-sudo-in-image",
    title="SSH server or sudo in the image",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "An SSH daemon is a second way in that bypasses the orchestrator's access control and "
        "audit; sudo lets the container user become root again."
    ),
    fix=(
        "Remove openssh-server/sudo; use docker exec / kubectl exec for access and run as "
        "the intended user directly."
    ),
)
EXPOSE_SSH = ImageRule(
    id="HC8007",
    name="ssh-port-exposed-in-image",
    title="Port 22 (SSH) is exposed",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation="Exposing SSH invites running an SSH server in the container.",
    fix="Remove EXPOSE 22; use docker exec / kubectl exec.",
)
RULES = (ROOT_USER, UNKNOWN_USER, SETUID, WORLD_WRITABLE, CAPABILITIES, REMOTE_ACCESS, EXPOSE_SSH)

REMOTE_TOOLS = {
    "/usr/sbin/sshd": "OpenSSH server",
    "/usr/sbin/dropbear": "Dropbear SSH server",
    "/usr/bin/sudo": "sudo",
    "/usr/bin/doas": "doas",
}
MAX_PER_RULE = 50
CAP_NAMES = [
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
]
DANGEROUS_CAPS = frozenset({"sys_admin", "sys_module", "sys_ptrace", "dac_override", "setuid"})


def decode_capabilities(raw: bytes) -> tuple[list[str], bool] | None:
    """``security.capability`` (vfs_cap_data v1-v3) -> (permitted names, effective bit)."""
    if len(raw) < 12:
        return None
    magic, lo_perm, _lo_inh = struct.unpack_from("<III", raw)
    version = magic & 0xFF000000
    effective = bool(magic & 1)
    bits = lo_perm
    if version in (0x02000000, 0x03000000) and len(raw) >= 20:
        hi_perm = struct.unpack_from("<I", raw, 12)[0]
        bits |= hi_perm << 32
    elif version != 0x01000000:
        return None
    names = [
        f"cap_{CAP_NAMES[i]}" if i < len(CAP_NAMES) else f"cap_{i}"
        for i in range(64)
        if bits >> i & 1
    ]
    return names, effective


def _last_history(image: Image, keyword: str, needle: str | None = None) -> int | None:
    for i in range(len(image.config.history) - 1, -1, -1):
        parsed = parse_created_by(image.config.history[i].created_by)
        if parsed.keyword == keyword and (needle is None or needle in parsed.text):
            return i
    return None


def _passwd_users(data: bytes) -> tuple[set[str], set[str]]:
    names: set[str] = set()
    uids: set[str] = set()
    for line in data.decode("utf-8", "replace").splitlines():
        parts = line.split(":")
        if len(parts) >= 3 and parts[0]:
            names.add(parts[0])
            uids.add(parts[2])
    return names, uids


class Privileges:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings
        self.files = FinalFiles("privileges-passwd", frozenset({"/etc/passwd"}))
        self._caps: dict[str, tuple[int, bytes]] = {}

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return (
            self.files.subscription(),
            Subscription(
                "privileges-xattrs",
                self._on_entry,
                all_entries=True,
                with_xattrs=True,
                kinds=frozenset({"file", "hardlink"}),
                max_size=0,
            ),
        )

    def _on_entry(self, ref: FileRef, data: bytes | None) -> None:
        if ref.layer_index is None:
            return
        for name, value in ref.xattrs:
            if name == "security.capability":
                self._caps[ref.path] = (ref.layer_index, value)
                return
        # a later version with other attributes only; one with none is not offered
        # (``with_xattrs``): the final version's layer is checked in _capabilities
        if ref.path in self._caps:
            del self._caps[ref.path]

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        out.findings.extend(self._user(image, walk))
        out.findings.extend(self._files(image, walk))
        out.findings.extend(self._capabilities(image, walk))
        ports = [p for p in image.config.exposed_ports if p.split("/")[0] == "22"]
        if ports:
            out.findings.append(
                EXPOSE_SSH.finding(
                    image,
                    f"The image exposes {', '.join(ports)}.",
                    history_index=_last_history(image, "EXPOSE", "22"),
                )
            )
        return out

    def _user(self, image: Image, walk: WalkResult) -> list[Finding]:
        if not image.has_config:
            return []  # a directory: no USER to judge (it is set where it runs)
        user = image.config.user
        where = _last_history(image, "USER")
        if is_root_user(user):
            shown = f"USER is {user!r}" if user else "No USER is set"
            return [
                ROOT_USER.finding(
                    image,
                    f"{shown}: processes in the container run as root.",
                    history_index=where,
                    extra={"user": user},
                )
            ]
        name, _ = parse_user(user)
        passwd = self.files.final(walk, "/etc/passwd")
        names, uids = _passwd_users(passwd[0]) if passwd else (set(), set())
        if name.isdigit():
            if name in uids:
                return []
            return [
                UNKNOWN_USER.finding(
                    image,
                    f"uid {name} has no /etc/passwd entry (no name, HOME is /).",
                    severity=Severity.LOW,
                    file="/etc/passwd",
                    layer_index=passwd[1] if passwd else None,
                    history_index=where,
                )
            ]
        if name in names:
            return []
        return [
            UNKNOWN_USER.finding(
                image,
                f"USER {name!r} is not defined in /etc/passwd"
                + ("" if passwd else " (the image has no /etc/passwd)")
                + ": the container will not start.",
                file="/etc/passwd",
                layer_index=passwd[1] if passwd else None,
                history_index=where,
            )
        ]

    def _files(self, image: Image, walk: WalkResult) -> list[Finding]:
        usual = usual_setuid()
        setuid: list[Finding] = []
        writable: list[Finding] = []
        extra_setuid = extra_writable = 0
        for info in walk.view.walk():
            mode = info.mode
            if info.kind in ("file", "hardlink") and mode & (stat.S_ISUID | stat.S_ISGID):
                if info.path in usual:
                    continue
                bits = "setuid" if mode & stat.S_ISUID else ""
                if mode & stat.S_ISGID:
                    bits = f"{bits}+setgid" if bits else "setgid"
                severity = Severity.HIGH if mode & stat.S_ISUID and info.uid == 0 else None
                if mode & 0o002:
                    severity = Severity.CRITICAL
                if len(setuid) >= MAX_PER_RULE:
                    extra_setuid += 1
                    continue
                setuid.append(
                    SETUID.finding(
                        image,
                        f"{info.path} is {bits} (owner uid {info.uid}, gid {info.gid}, "
                        f"mode {mode & 0o7777:04o}); not among the setuid files "
                        "distributions ship.",
                        layer_index=info.layer_index,
                        file=info.path,
                        severity=severity,
                    )
                )
            elif (
                info.kind in ("file", "hardlink", "dir")
                and mode & 0o002
                and not (info.kind == "dir" and mode & stat.S_ISVTX)
            ):
                if len(writable) >= MAX_PER_RULE:
                    extra_writable += 1
                    continue
                what = "directory" if info.kind == "dir" else "file"
                writable.append(
                    WORLD_WRITABLE.finding(
                        image,
                        f"{what} {info.path} is world-writable (mode {mode & 0o7777:04o})"
                        + (" without the sticky bit" if info.kind == "dir" else "")
                        + ".",
                        layer_index=info.layer_index,
                        file=info.path,
                    )
                )
        for rule, findings, more in (
            (SETUID, setuid, extra_setuid),
            (WORLD_WRITABLE, writable, extra_writable),
        ):
            if more:
                findings.append(
                    rule.finding(image, f"{more} more paths like these were not listed.")
                )
        remote = []
        for path, what in REMOTE_TOOLS.items():
            resolved = walk.view.resolve(path)
            found = walk.view.get(resolved) if resolved else None
            if found is None or found.hidden or found.kind == "dir":
                continue
            remote.append(
                REMOTE_ACCESS.finding(
                    image,
                    f"{what} is installed ({path}).",
                    layer_index=found.added_by,
                    file=path,
                )
            )
        return setuid + writable + remote

    def _capabilities(self, image: Image, walk: WalkResult) -> list[Finding]:
        out: list[Finding] = []
        for path, (layer, raw) in sorted(self._caps.items()):
            info = walk.view.get(path)
            if info is None or info.hidden or info.layer_index != layer:
                continue
            decoded = decode_capabilities(raw)
            if decoded is None:
                caps, effective = ["(undecodable security.capability)"], False
            else:
                caps, effective = decoded
            dangerous = any(c.removeprefix("cap_") in DANGEROUS_CAPS for c in caps)
            out.append(
                CAPABILITIES.finding(
                    image,
                    f"{path} carries file capabilities {', '.join(caps) or '(none)'}"
                    + (" (effective)" if effective else "")
                    + ".",
                    layer_index=layer,
                    file=path,
                    severity=Severity.HIGH if dangerous else None,
                    extra={"capabilities": caps},
                )
            )
        return out


def analyser(settings: ScanSettings) -> Privileges:
    return Privileges(settings)
