"""Compare two inventories package by package on (purl type, name, version).

Used to measure agreement with a peer cataloger (syft) and to explain every difference:
``agreement`` is the share of the union of both sides that both found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hullcheck.model import Package

Key = tuple[str, str, str]
OS_TYPES = frozenset({"deb", "apk", "rpm", "alpm"})


def key(pkg: Package) -> Key:
    return (pkg.type, pkg.name, pkg.version)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What both sides found, and what only one side found."""

    both: frozenset[Key]
    only_ours: frozenset[Key]
    only_theirs: frozenset[Key]

    @property
    def agreement(self) -> float:
        union = len(self.both) + len(self.only_ours) + len(self.only_theirs)
        return 1.0 if union == 0 else len(self.both) / union

    def restricted(self, types: Iterable[str]) -> Comparison:
        wanted = set(types)
        return Comparison(
            frozenset(k for k in self.both if k[0] in wanted),
            frozenset(k for k in self.only_ours if k[0] in wanted),
            frozenset(k for k in self.only_theirs if k[0] in wanted),
        )

    def summary(self) -> str:
        return (
            f"{self.agreement:.1%} agreement: {len(self.both)} in both, "
            f"{len(self.only_ours)} only hullcheck, {len(self.only_theirs)} only peer"
        )


def compare(ours: Iterable[Package], theirs: Iterable[Package]) -> Comparison:
    a = {key(p) for p in ours}
    b = {key(p) for p in theirs}
    return Comparison(frozenset(a & b), frozenset(a - b), frozenset(b - a))
