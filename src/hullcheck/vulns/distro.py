"""The operating system of an image, as read from ``/etc/os-release``, and its OSV ecosystems.

Distribution advisories are per release (``Debian:12``, ``Alpine:v3.19``,
``Ubuntu:22.04:LTS``, ``Red Hat:enterprise_linux:9::baseos``), so a distro package can only
be matched when the release is known.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Protocol

_KEY = re.compile(r"^[A-Z0-9_]+$")
_RPM_FAMILY = {
    "rhel": "Red Hat",
    "centos": "Red Hat",
    "rocky": "Rocky Linux",
    "almalinux": "AlmaLinux",
    "ol": "Oracle Linux",
    "fedora": "Fedora",
}


class DistroLike(Protocol):
    """What matching needs of a distribution; the catalogers' ``Distro`` has it too."""

    @property
    def id(self) -> str: ...
    @property
    def version_id(self) -> str: ...
    @property
    def id_like(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Distro:
    """``ID``, ``VERSION_ID`` and ``ID_LIKE`` of ``os-release`` (``debian``, ``12``)."""

    id: str
    version_id: str = ""
    version_codename: str = ""
    id_like: tuple[str, ...] = ()


def _family(distro: DistroLike, *names: str) -> bool:
    return distro.id in names or any(like in names for like in distro.id_like)


def parse_os_release(text: str) -> Distro | None:
    """Read ``os-release`` text (shell-quoted KEY=value lines); ``None`` without an ID."""
    values: dict[str, str] = {}
    for line in text.splitlines()[:200]:
        key, eq, raw = line.strip().partition("=")
        if not eq or not _KEY.match(key):
            continue
        try:
            parts = shlex.split(raw[:1000])
        except ValueError:
            continue
        values[key] = parts[0] if parts else ""
    if not values.get("ID"):
        return None
    return Distro(
        id=values["ID"].lower(),
        version_id=values.get("VERSION_ID", ""),
        version_codename=values.get("VERSION_CODENAME", ""),
        id_like=tuple(values.get("ID_LIKE", "").lower().split()),
    )


def os_ecosystem(distro: DistroLike | None, purl_type: str) -> tuple[str, str] | None:
    """(OSV base ecosystem, release) for a distro package type, ``None`` if unknown."""
    if distro is None or not distro.version_id:
        return None
    if purl_type == "deb":
        if distro.id == "ubuntu":
            return "Ubuntu", distro.version_id
        if _family(distro, "debian"):
            return "Debian", distro.version_id.split(".")[0]
    elif purl_type == "apk" and _family(distro, "alpine", "wolfi", "chainguard"):
        if distro.id in ("wolfi", "chainguard"):
            return distro.id.capitalize(), ""
        major_minor = ".".join(distro.version_id.split(".")[:2])
        return "Alpine", f"v{major_minor}"
    elif purl_type == "rpm":
        base = _RPM_FAMILY.get(distro.id)
        if base is None:
            for like in distro.id_like:
                base = _RPM_FAMILY.get(like)
                if base:
                    break
        if base:
            return base, distro.version_id.split(".")[0]
    return None


def ecosystem_matches(ecosystem: str, base: str, release: str) -> bool:
    """Whether an advisory's ``ecosystem`` string is for ``base`` at ``release``."""
    parts = ecosystem.split(":")
    if parts[0] != base:
        return False
    if not release:
        return True
    if base in ("Debian", "Alpine", "Rocky Linux", "AlmaLinux"):
        return len(parts) > 1 and parts[1] == release
    if base == "Ubuntu":  # Ubuntu:22.04:LTS, Ubuntu:Pro:18.04:LTS, Ubuntu:24.10
        return release in parts[1:]
    # Red Hat:enterprise_linux:9::baseos, Red Hat:rhel_aus:8.6::appstream
    if len(parts) > 2:
        head = parts[2]
        return head == release or head.startswith(release + ".")
    return len(parts) > 1 and parts[1].split(".")[0] == release
