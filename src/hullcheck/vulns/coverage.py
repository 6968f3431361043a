"""Which packages a scan could check against advisory data, per ecosystem and release.

A package is *checked* when the database holds advisory data for its ecosystem (a
language registry such as ``npm``) or its distribution release (``Debian:12``): a checked
package with no advisories is clean.  A package of an ecosystem or release the database
holds no data for at all is *unchecked*, and so is a package that cannot be matched
(a distro package of an unknown release): the scan must not pass it silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hullcheck.model import JSONValue

KIND = "vulnerability-coverage"
"""The coverage-loss kind a user accepts with ``--allow-incomplete vulnerability-coverage``."""
MAX_NAMES = 500


@dataclass(slots=True)
class EcosystemCount:
    """Packages of one ecosystem or release: checked, or left unchecked (with names)."""

    ecosystem: str
    covered: bool
    packages: int = 0
    vulnerable: int = 0
    names: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        self.packages += 1
        if not self.covered and len(self.names) < MAX_NAMES:
            self.names.append(name)


@dataclass(slots=True)
class Coverage:
    """Per ecosystem (``PyPI``, ``npm``) or release (``Debian:12``): packages checked."""

    by_key: dict[str, EcosystemCount] = field(default_factory=dict)

    def count(self, key: str, covered: bool, name: str) -> EcosystemCount:
        entry = self.by_key.get(key)
        if entry is None:
            entry = self.by_key[key] = EcosystemCount(key, covered)
        entry.add(name)
        return entry

    @property
    def checked(self) -> int:
        return sum(e.packages for e in self.by_key.values() if e.covered)

    @property
    def unchecked(self) -> int:
        return sum(e.packages for e in self.by_key.values() if not e.covered)

    def losses(self) -> list[tuple[str, str]]:
        """Per ecosystem or release left unchecked: a message naming the fix, and what
        was not examined."""
        out = []
        for entry in sorted(self.by_key.values(), key=lambda e: -e.packages):
            if entry.covered:
                continue
            shown = ", ".join(entry.names[:8])
            more = entry.packages - min(len(entry.names), 8)
            listed = f"{shown}{f' and {more} more' if more > 0 else ''}"
            what = "package" if entry.packages == 1 else "packages"
            if entry.ecosystem.startswith("("):  # cannot be matched at all
                out.append(
                    (
                        f"{entry.packages} {entry.ecosystem[1:-1]} cannot be matched to "
                        f"advisories ({listed})",
                        f"{entry.packages} {what} never checked for vulnerabilities",
                    )
                )
            else:
                out.append(
                    (
                        f"{entry.packages} {entry.ecosystem} {what} were not checked for "
                        f"vulnerabilities: the database holds no {entry.ecosystem} "
                        f"advisories ({listed}); run 'hullcheck db update'",
                        f"{entry.packages} {entry.ecosystem} {what}",
                    )
                )
        return out

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "checked": self.checked,
            "unchecked": self.unchecked,
            "ecosystems": [
                {
                    "ecosystem": e.ecosystem,
                    "covered": e.covered,
                    "packages": e.packages,
                    "checked": e.packages if e.covered else 0,
                    "unchecked": 0 if e.covered else e.packages,
                    "vulnerable": e.vulnerable,
                    "unchecked_packages": list(e.names),
                }
                for e in sorted(self.by_key.values(), key=lambda e: e.ecosystem)
            ],
        }
