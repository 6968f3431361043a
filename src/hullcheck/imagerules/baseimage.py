"""Base image: which distribution release the image is built on, and how old it is.

The release comes from ``/etc/os-release`` (``/usr/lib/os-release``), with
``/etc/alpine-release`` and ``/etc/debian_version`` as fallbacks; distroless images keep
``/etc/os-release`` and their package list in ``/var/lib/dpkg/status.d``.  End-of-life
dates come from :func:`hullcheck.vulns.eol.current_eol`: the dated data file
``hullcheck/data/eol.json`` (see its ``as_of`` and ``sources``), or a newer copy that
``hullcheck db update`` stored beside the vulnerability database.  Age is measured from
the config's ``created`` against an injected clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import FinalFiles, ImageRule, ScanSettings, human_bytes
from hullcheck.model import FileRef, Finding, JSONValue, Practice, Severity
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult
from hullcheck.vulns.eol import EolData, Release, current_eol

EOL = ImageRule(
    id="HC8301",
    name="end-of-life-distribution",
    title="Base distribution release is past its end of life",
    practice=Practice.BASE_IMAGE,
    severity=Severity.HIGH,
    explanation=(
        "After a release's end of security support, newly found vulnerabilities in its packages "
        "are never fixed: scanners show fewer CVEs than there are."
    ),
    fix=(
        "Rebuild on a supported release (e.g. FROM debian:trixie-slim, ubuntu:24.04, "
        "alpine:3.22) and keep the base image current."
    ),
)
OLD_IMAGE = ImageRule(
    id="HC8302",
    name="old-image",
    title="Image is old",
    practice=Practice.BASE_IMAGE,
    severity=Severity.MEDIUM,
    explanation=(
        "An image built long ago misses every security update released since: rebuilding "
        "regularly is how fixes reach production."
    ),
    fix=(
        "Rebuild and redeploy regularly (at least monthly), pulling a fresh base image "
        "(docker build --pull)."
    ),
)
FAT_BASE = ImageRule(
    id="HC8303",
    name="general-purpose-base-image",
    title="General-purpose base image where a slim or distroless one would do",
    practice=Practice.BASE_IMAGE,
    severity=Severity.LOW,
    explanation=(
        "Full distribution images carry documentation, man pages and many packages the "
        "application never uses: more to download, more to patch, more for an intruder."
    ),
    fix=(
        "Use a -slim, alpine or distroless base (e.g. debian:bookworm-slim, "
        "gcr.io/distroless/base-debian12), or a multi-stage build."
    ),
)
UNKNOWN_OS = ImageRule(
    id="HC8304",
    name="unknown-distribution-release",
    title="Distribution release not recognised",
    practice=Practice.BASE_IMAGE,
    severity=Severity.INFO,
    explanation=(
        "Without a known distribution release, end-of-life and OS package checks cannot run."
    ),
    fix="Nothing to do for scratch or static images; otherwise keep /etc/os-release in the image.",
)
RULES = (EOL, OLD_IMAGE, FAT_BASE, UNKNOWN_OS)

OS_FILES = frozenset(
    {
        "/etc/os-release",
        "/usr/lib/os-release",
        "/etc/alpine-release",
        "/etc/debian_version",
        "/etc/redhat-release",
        "/etc/system-release",
        "/var/lib/dpkg/status",
        "/lib/apk/db/installed",
    }
)
DOC_PREFIXES = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/")
DOC_BYTES = 5 * 1000 * 1000
PACKAGES = 150
_QUOTED = re.compile(r'^([A-Z_][A-Z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|(.*))$')


def parse_os_release(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").splitlines()[:200]:
        m = _QUOTED.match(line.strip())
        if m:
            value = m.group(2) if m.group(2) is not None else (m.group(3) or m.group(4) or "")
            out[m.group(1)] = value.replace('\\"', '"')[:200]
    return out


def _parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lookup_release(data: EolData, distro: str, version: str) -> Release | None:
    """The release of ``distro`` (os-release ID) that VERSION_ID ``version`` belongs to."""
    return data.find(distro, version)


class BaseImage:
    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings
        self.files = FinalFiles("base-os", OS_FILES, max_size=8 << 20)
        self._distroless = 0

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return (
            self.files.subscription(),
            Subscription(
                "base-distroless",
                self._on_status_d,
                globs=("/var/lib/dpkg/status.d/*",),
                max_size=0,
            ),
        )

    def _on_status_d(self, ref: FileRef, data: bytes | None) -> None:
        self._distroless += 1

    def _os(self, walk: WalkResult) -> dict[str, str]:
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            found = self.files.final(walk, path)
            if found:
                return parse_os_release(found[0])
        alpine = self.files.final(walk, "/etc/alpine-release")
        if alpine:
            return {"ID": "alpine", "VERSION_ID": alpine[0].decode("ascii", "replace").strip()}
        debian = self.files.final(walk, "/etc/debian_version")
        if debian:
            version = debian[0].decode("ascii", "replace").strip().split(".")[0]
            return {"ID": "debian", "VERSION_ID": version if version.isdigit() else ""}
        return {}

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        osr = self._os(walk)
        distro = osr.get("ID", "").lower()
        version = osr.get("VERSION_ID", "")
        now = self.settings.now
        base: dict[str, JSONValue] = {
            "id": distro or None,
            "version_id": version or None,
            "pretty_name": osr.get("PRETTY_NAME") or None,
            "distroless": self._distroless > 0
            or "distroless" in osr.get("PRETTY_NAME", "").lower(),
        }
        eol = current_eol(self.settings.db_path)
        found = lookup_release(eol, distro, version) if distro else None
        os_file = "/etc/os-release" if osr else None
        layer = None
        if os_file:
            info = walk.view.get(walk.view.resolve(os_file) or os_file)
            layer = info.layer_index if info else None
        if found is not None:
            base["eol"] = found.eol.isoformat()
            base["extended_support"] = found.extended.isoformat() if found.extended else None
            base["eol_data_as_of"] = eol.as_of.isoformat()
            base["eol_data_source"] = eol.source
            out.findings.extend(self._eol(image, eol, distro, found, now, os_file, layer))
        elif distro or not walk.view.exists("/etc/os-release"):
            out.findings.append(
                UNKNOWN_OS.finding(
                    image,
                    f"No end-of-life data for {distro or 'this image'}"
                    + (f" {version}" if version else "")
                    + " (no /etc/os-release)" * (not distro)
                    + ".",
                    layer_index=layer,
                    file=os_file,
                )
            )
        out.summary["base_os"] = base
        age = self._age(image, now)
        if age is not None:
            out.findings.append(age)
        fat = self._fat(image, walk, distro)
        if fat is not None:
            out.findings.append(fat)
        return out

    def _eol(  # noqa: PLR0917 - private helper
        self,
        image: Image,
        data: EolData,
        distro: str,
        rel: Release,
        now: datetime,
        file: str | None,
        layer: int | None,
    ) -> list[Finding]:
        name = f"{distro} {rel.key}" + (f" ({rel.name})" if rel.name else "")
        eol, extended = rel.eol, rel.extended
        today = now.date()
        if today <= eol:
            return []
        free = data.aliases.get(distro, distro) in data.free_extended
        if extended is not None and today <= extended and free:
            return [
                EOL.finding(
                    image,
                    f"{name} left regular security support on {eol}; only extended "
                    f"(LTS/ESM) support continues, until {extended}.",
                    severity=Severity.LOW,
                    layer_index=layer,
                    file=file,
                    extra={"eol": str(eol), "extended_support": str(extended)},
                )
            ]
        until = extended if extended is not None and free else eol
        paid = (
            f" (paid extended support runs until {extended})"
            if extended is not None and not free and today <= extended
            else ""
        )
        return [
            EOL.finding(
                image,
                f"{name} reached end of life on {until}: its packages get no free security "
                f"fixes{paid}.",
                layer_index=layer,
                file=file,
                extra={"eol": str(eol), "extended_support": str(extended) if extended else None},
            )
        ]

    def _age(self, image: Image, now: datetime) -> Finding | None:
        created = _parse_date(image.created)
        if created is None:
            return None
        days = (now - created).days
        if days <= self.settings.max_age_days:
            return None
        return OLD_IMAGE.finding(
            image,
            f"The image was created {created.date()}, {days} days ago (limit "
            f"{self.settings.max_age_days} days).",
            extra={"age_days": days},
        )

    def _fat(self, image: Image, walk: WalkResult, distro: str) -> Finding | None:
        if distro not in ("debian", "ubuntu", "fedora", "centos", "rhel", "rocky", "almalinux"):
            return None
        docs = 0
        for info in walk.view.walk():
            if info.kind == "file" and info.path.startswith(DOC_PREFIXES):
                docs += info.size
        status = self.files.final(walk, "/var/lib/dpkg/status")
        packages = (
            status[0].count(b"\nPackage: ") + status[0].startswith(b"Package: ") if status else 0
        )
        man = walk.view.listdir("/usr/share/man")
        if docs <= DOC_BYTES and packages <= PACKAGES:
            return None
        reasons = []
        if docs > DOC_BYTES:
            reasons.append(f"{human_bytes(docs)} of documentation in /usr/share/doc, man, info")
        if man:
            reasons.append(f"{len(man)} man page sections")
        if packages:
            reasons.append(f"{packages} packages")
        return FAT_BASE.finding(
            image,
            f"A full {distro} base: {'; '.join(reasons)}.",
            layer_index=0 if image.layers else None,
            extra={"doc_bytes": docs, "packages": packages},
        )


def analyser(settings: ScanSettings) -> BaseImage:
    return BaseImage(settings)
