"""The image's distribution, read from ``/etc/os-release`` (or ``/usr/lib/os-release``).

``/etc/os-release`` wins over ``/usr/lib/os-release`` as systemd specifies; the
distribution becomes the ``distro`` qualifier of OS package purls (``distro=debian-12``)
and the operating-system component of the SBOMs.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from hullcheck.catalog.base import Distro

OS_RELEASE_PATHS = ("/etc/os-release", "/usr/lib/os-release")
MAX_SIZE = 64 * 1024


def wants(path: str) -> bool:
    return path in OS_RELEASE_PATHS


def parse_os_release(content: bytes) -> dict[str, str]:
    """The ``KEY=value`` pairs of an os-release file (shell quoting undone, junk skipped)."""
    fields: dict[str, str] = {}
    for raw in content[:MAX_SIZE].decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip()
        if not key.replace("_", "").isalnum():
            continue
        try:
            words = shlex.split(value, posix=True)
        except ValueError:
            words = [value.strip("\"'")]
        fields[key] = " ".join(words)
    return fields


def distro_from_files(files: Mapping[str, bytes]) -> Distro | None:
    """The distribution named by the first os-release file present, if it has an ``ID``."""
    for path in OS_RELEASE_PATHS:
        content = files.get(path)
        if content is None:
            continue
        fields = parse_os_release(content)
        if not fields.get("ID"):
            continue
        return Distro(
            id=fields["ID"].lower(),
            version_id=fields.get("VERSION_ID", ""),
            pretty_name=fields.get("PRETTY_NAME", ""),
            name=fields.get("NAME", ""),
            version_codename=fields.get("VERSION_CODENAME", ""),
            id_like=tuple(fields.get("ID_LIKE", "").split()),
        )
    return None
