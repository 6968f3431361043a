"""Accounts: who can log in without a password, who else is root, who may sudo freely.

Read from the image's final ``/etc/passwd``, ``/etc/shadow``, ``/etc/group``,
``/etc/sudoers`` and ``/etc/sudoers.d/*`` (Dockle's DKL-LI-0001, DKL-LI-0002 and the
sudoers part of CIS-DI-0008 check the same files): an empty password field, a uid or
gid shared by two names, a second uid-0 account, and ``NOPASSWD`` grants.
"""

from __future__ import annotations

from collections.abc import Sequence

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import FinalFiles, ImageRule, ScanSettings
from hullcheck.model import Finding, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

EMPTY_PASSWORD = ImageRule(
    id="HC8008",
    name="empty-account-password",
    title="Account with an empty password",
    practice=Practice.PRIVILEGES,
    severity=Severity.HIGH,
    explanation=(
        "An empty password field lets anyone who reaches a login, su or an SSH daemon in the "
        "container become that user without a password."
    ),
    fix="Lock the account (passwd -l NAME, or '!' / '*' in the password field) or delete it.",
    aliases=("DKL-LI-0001",),
)
DUPLICATE_ID = ImageRule(
    id="HC8009",
    name="duplicate-account-id",
    title="Two accounts or groups share an id",
    practice=Practice.PRIVILEGES,
    severity=Severity.MEDIUM,
    explanation=(
        "The kernel knows only numbers: two names on one uid or gid are one identity, so "
        "files, audit records and permission checks cannot tell them apart."
    ),
    fix=(
        "Give every account and group its own id (usermod -u / groupmod -g) or remove"
        " the duplicate."
    ),
)
SECOND_ROOT = ImageRule(
    id="HC8010",
    name="second-root-account",
    title="Account other than root with uid 0",
    practice=Practice.PRIVILEGES,
    severity=Severity.HIGH,
    explanation=(
        "Any account with uid 0 is root: a second one is a backdoor name for full privileges "
        "that reviews of 'root' miss."
    ),
    fix="Give the account an unprivileged uid or delete it.",
)
SUDO_NOPASSWD = ImageRule(
    id="HC8011",
    name="sudo-nopasswd",
    title="sudo grants without a password (NOPASSWD)",
    practice=Practice.PRIVILEGES,
    severity=Severity.HIGH,
    explanation=(
        "NOPASSWD lets the container user, or anyone who takes over its process, become root "
        "with no further secret."
    ),
    fix="Remove the NOPASSWD grant (and sudo itself): run as the user the container needs.",
)
RULES = (EMPTY_PASSWORD, DUPLICATE_ID, SECOND_ROOT, SUDO_NOPASSWD)

PASSWD, SHADOW, GROUP, SUDOERS = "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers"
SUDOERS_D = "/etc/sudoers.d"


def _records(data: bytes) -> list[tuple[int, list[str]]]:
    """Colon-separated records with their 1-based line numbers (comments skipped)."""
    out: list[tuple[int, list[str]]] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("#"):
            out.append((number, line.split(":")))
    return out


def nopasswd_lines(data: bytes) -> list[tuple[int, str]]:
    """Sudoers lines (continuations joined) that grant a command with ``NOPASSWD:``."""
    out: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if text.startswith("#") or not text:
            continue  # "#include" is a directive, but never a grant
        if text.startswith("Defaults"):
            continue  # Defaults !authenticate is another spelling; NOPASSWD is a tag
        if "NOPASSWD:" in text.replace(" ", ""):
            out.append((start, text))
    return out


class Accounts:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings
        self.files = FinalFiles(
            "accounts", frozenset({PASSWD, SHADOW, GROUP, SUDOERS}), globs=(f"{SUDOERS_D}/*",)
        )

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return (self.files.subscription(),)

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        out.findings.extend(self._passwords(image, walk))
        out.findings.extend(self._ids(image, walk))
        out.findings.extend(self._sudoers(image, walk))
        return out

    def _passwords(self, image: Image, walk: WalkResult) -> list[Finding]:
        out: list[Finding] = []
        shadow = self.files.final(walk, SHADOW)
        passwd = self.files.final(walk, PASSWD)
        shadowed: set[str] = set()
        if shadow:
            for number, fields in _records(shadow[0]):
                if len(fields) >= 2 and fields[0]:
                    shadowed.add(fields[0])
                    if fields[1] == "":
                        out.append(self._empty(image, fields[0], SHADOW, number, shadow[1]))
        if passwd:
            for number, fields in _records(passwd[0]):
                # "x" defers to shadow; an empty field here is an empty password
                if len(fields) >= 2 and fields[0] and not fields[1] and fields[0] not in shadowed:
                    out.append(self._empty(image, fields[0], PASSWD, number, passwd[1]))
        return out

    @staticmethod
    def _empty(image: Image, name: str, path: str, line: int, layer: int) -> Finding:
        return EMPTY_PASSWORD.finding(
            image,
            f"{name!r} has an empty password field ({path} line {line}).",
            file=path,
            layer_index=layer,
            extra={"account": name, "line": line},
        )

    def _ids(self, image: Image, walk: WalkResult) -> list[Finding]:
        out: list[Finding] = []
        for path, kind in ((PASSWD, "uid"), (GROUP, "gid")):
            found = self.files.final(walk, path)
            if not found:
                continue
            holders: dict[str, list[str]] = {}
            for _, fields in _records(found[0]):
                if len(fields) >= 3 and fields[0] and fields[2].strip().isdigit():
                    holders.setdefault(str(int(fields[2])), []).append(fields[0])
            for ident, listed in sorted(holders.items(), key=lambda kv: int(kv[0])):
                names = list(dict.fromkeys(listed))
                if kind == "uid" and ident == "0":
                    for name in names:
                        if name != "root":
                            out.append(
                                SECOND_ROOT.finding(
                                    image,
                                    f"{name!r} has uid 0 in {path}: it is root by another name.",
                                    file=path,
                                    layer_index=found[1],
                                    extra={"account": name},
                                )
                            )
                    # the second root was reported; root alone shares nothing
                    names = [n for n in names if n == "root"] or names[:1]
                if len(names) > 1:
                    out.append(
                        DUPLICATE_ID.finding(
                            image,
                            f"{kind} {ident} is shared by {', '.join(repr(n) for n in names)} "
                            f"in {path}.",
                            file=path,
                            layer_index=found[1],
                            extra={kind: int(ident), "names": list(names)},
                        )
                    )
        return out

    def _sudoers(self, image: Image, walk: WalkResult) -> list[Finding]:
        paths = [SUDOERS]
        resolved = walk.view.resolve(SUDOERS_D)
        if resolved:
            paths += [f"{SUDOERS_D}/{name}" for name in sorted(walk.view.listdir(resolved))]
        out: list[Finding] = []
        for path in paths:
            found = self.files.final(walk, path)
            if not found:
                continue
            for line, text in nopasswd_lines(found[0]):
                out.append(
                    SUDO_NOPASSWD.finding(
                        image,
                        f"{path} line {line} grants sudo without a password: {text[:120]}",
                        file=path,
                        layer_index=found[1],
                        extra={"line": line},
                    )
                )
        return out


def analyser(settings: ScanSettings) -> Accounts:
    return Accounts(settings)
