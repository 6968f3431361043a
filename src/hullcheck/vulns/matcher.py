"""Matching installed packages against the database: one finding per issue per package.

A distro package is looked up by its *source* package in its release's ecosystem
(``Debian:12``, ``Alpine:v3.19``...), a language package by its registry name in its
ecosystem (PEP 503 names for PyPI, ``group:artifact`` for Maven, module paths for Go).
Each affected entry is evaluated with the ecosystem's exact version scheme.  Records that
are the same issue under other names (a PYSEC and the GHSA and CVE it aliases) are merged,
so one issue is reported once per package, under the ecosystem's own advisory id.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

from hullcheck.model import Finding, JSONValue, Location, Package, Practice, Severity
from hullcheck.vulns.coverage import Coverage
from hullcheck.vulns.distro import DistroLike, ecosystem_matches, os_ecosystem
from hullcheck.vulns.names import normalize_name
from hullcheck.vulns.osv import Advisory, Affected
from hullcheck.vulns.ranges import Verdict, evaluate
from hullcheck.vulns.severity import highest, rate
from hullcheck.vulns.store import VulnDatabase
from hullcheck.vulns.versions import (
    InvalidVersionError,
    VersionScheme,
    pep440,
    scheme_for_ecosystem,
)

LANGUAGE_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "golang": "Go",
    "maven": "Maven",
    "gem": "RubyGems",
    "cargo": "crates.io",
    "composer": "Packagist",
    "nuget": "NuGet",
}
UNKNOWN_SOURCE = "no severity in the advisory, its aliases or their records"
# Which id names a merged issue: the ecosystem's own database first, CVE last.
_ID_RANK = (
    ("PYSEC-", 0), ("GO-", 0), ("RUSTSEC-", 0), ("DSA-", 0), ("DLA-", 0), ("DTSA-", 0),
    ("DEBIAN-", 1), ("USN-", 0), ("UBUNTU-", 1), ("ALSA-", 0), ("RHSA-", 0), ("RLSA-", 0),
    ("ALPINE-", 1), ("GHSA-", 2), ("CVE-", 3),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Query:
    """What to look up for one package."""

    base: str  # OSV base ecosystem
    release: str  # distro release ("12", "v3.19"), "" for language ecosystems
    names: tuple[str, ...]
    version: str
    scheme: VersionScheme | None


@dataclass(slots=True)
class MatchStats:
    """Packages that could not be matched, and why (shown in the report's errors)."""

    packages: int = 0
    owned: int = 0  # language packages installed by an OS package: matched through it
    unsupported: dict[str, int] = field(default_factory=dict)
    coverage: Coverage = field(default_factory=Coverage)

    def note(self, reason: str) -> None:
        self.unsupported[reason] = self.unsupported.get(reason, 0) + 1


def _purl_parts(purl: str) -> tuple[str | None, str] | None:
    """(namespace, name) of a purl, by the purl spec's parsing steps (no library call: this
    runs for every package of every scan)."""
    if not purl.startswith("pkg:"):
        return None
    body = purl[4:].lstrip("/").split("#", 1)[0].split("?", 1)[0]
    _type, _, rest = body.partition("/")
    if not rest:
        return None
    head, at, _version = rest.rpartition("@")
    path = head if at else rest
    segments = [urllib.parse.unquote(s) for s in path.strip("/").split("/") if s]
    if not segments:
        return None
    namespace = "/".join(segments[:-1]) or None
    return namespace, segments[-1]


def _purl_name(pkg: Package, ecosystem: str) -> str:
    parts = _purl_parts(pkg.purl)
    if parts is None:
        return pkg.name
    ns, name = parts
    if ecosystem == "Maven" and ns:
        return f"{ns}:{name}"
    if ecosystem == "npm" and ns:
        return f"{ns if ns.startswith('@') else '@' + ns}/{name}"
    if ecosystem in ("Go", "Packagist") and ns:
        return f"{ns}/{name}"
    return name or pkg.name


def query_for(pkg: Package, distro: DistroLike | None) -> Query | str:
    """The lookup for ``pkg``, or the reason it cannot be matched."""
    if pkg.type in LANGUAGE_ECOSYSTEMS:
        base = LANGUAGE_ECOSYSTEMS[pkg.type]
        name = _purl_name(pkg, base) if pkg.purl else pkg.name
        return Query(base, "", (name,), pkg.version, scheme_for_ecosystem(base))
    if pkg.type in ("deb", "apk", "rpm"):
        eco = os_ecosystem(distro, pkg.type)
        if eco is None:
            return f"{pkg.type} packages without a known distribution release"
        base, release = eco
        version = pkg.version
        if pkg.type == "deb":
            names: tuple[str, ...] = (pkg.source_name or pkg.name,)
            version = pkg.source_version or pkg.version
        elif pkg.type == "apk":
            names = (pkg.source_name or pkg.name,)
        else:  # Red Hat keys advisories on binary package names; others on the source RPM
            names = tuple(dict.fromkeys(n for n in (pkg.name, pkg.source_name) if n))
        return Query(base, release, names, version, scheme_for_ecosystem(base))
    return f"{pkg.type or 'untyped'} packages"


def _normalized_version(base: str, version: str) -> str | None:
    if base != "PyPI":
        return None
    try:
        return str(pep440.parse(version))
    except InvalidVersionError:
        return None


@dataclass(slots=True)
class _Hit:
    advisory: Advisory
    affected: Affected
    verdict: Verdict


# Ecosystems whose advisories name exactly one release: the store can filter on it.
_EXACT_RELEASE = frozenset({"Debian", "Alpine", "Rocky Linux", "AlmaLinux"})


def _hits(pkg_query: Query, db: VulnDatabase) -> list[_Hit]:
    hits: list[_Hit] = []
    seen: set[str] = set()
    normalized = _normalized_version(pkg_query.base, pkg_query.version)
    exact = None
    if pkg_query.base in _EXACT_RELEASE and pkg_query.release:
        exact = f"{pkg_query.base}:{pkg_query.release}"
    for name in pkg_query.names:
        key = normalize_name(pkg_query.base, name)
        for cand in db.advisories_for(pkg_query.base, name, exact):
            if cand.withdrawn or cand.id in seen:
                continue
            for aff in cand.affected:
                if normalize_name(pkg_query.base, aff.name) != key:
                    continue
                if not ecosystem_matches(aff.ecosystem, pkg_query.base, pkg_query.release):
                    continue
                verdict = evaluate(pkg_query.version, aff, pkg_query.scheme, normalized)
                if verdict.affected:
                    hits.append(_Hit(cand.advisory(), aff, verdict))
                    seen.add(cand.id)
                    break
    return hits


def _id_rank(ident: str) -> tuple[int, str]:
    for prefix, rank in _ID_RANK:
        if ident.startswith(prefix):
            return rank, ident
    return 1, ident


def _merge(hits: list[_Hit]) -> list[list[_Hit]]:
    """Group hits that share an id or alias (union-find over names)."""
    parent = list(range(len(hits)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, hit in enumerate(hits):
        for name in (hit.advisory.id, *hit.advisory.aliases, *hit.advisory.upstream):
            if name in owner:
                parent[find(i)] = find(owner[name])
            else:
                owner[name] = i
    groups: dict[int, list[_Hit]] = {}
    for i, hit in enumerate(hits):
        groups.setdefault(find(i), []).append(hit)
    return list(groups.values())


def _best_fix(group: list[_Hit], scheme: VersionScheme | None) -> str | None:
    fixes = [h.verdict.fixed_version for h in group if h.verdict.fixed_version]
    if not fixes:
        return None
    if scheme is None:
        return fixes[0]
    best = fixes[0]
    for fix in fixes[1:]:
        try:
            # the lowest version that fixes every merged record: the highest of their fixes
            if scheme.compare(fix, best) > 0:
                best = fix
        except InvalidVersionError:
            continue
    return best


def covered(db: VulnDatabase, q: Query) -> bool:
    """Whether the database holds any advisory for ``q``'s ecosystem (and release)."""
    return any(ecosystem_matches(eco, q.base, q.release) for eco in db.releases(q.base))


def coverage_key(q: Query) -> str:
    """``PyPI``, ``npm``; ``Debian:12``, ``Alpine:v3.19`` for a distribution release."""
    return f"{q.base}:{q.release}" if q.release else q.base


def headline(details: str, limit: int = 200) -> str:
    """A one-line title from an advisory's free-text details, for records without a summary.

    The first sentence when it fits; otherwise whole words up to ``limit`` and an ellipsis,
    so a title never stops in the middle of a word.
    """
    text = " ".join(details.split())
    end = text.find(". ")
    if 0 < end < limit:
        return text[: end + 1]
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _finding(pkg: Package, q: Query, group: list[_Hit], db: VulnDatabase) -> Finding:
    group.sort(key=lambda h: _id_rank(h.advisory.id))
    primary = group[0].advisory
    ids = {h.advisory.id for h in group}
    aliases = sorted(
        {a for h in group for a in (h.advisory.id, *h.advisory.aliases, *h.advisory.upstream)}
        - {primary.id},
        key=_id_rank,
    )
    # the records' own ratings first, then those of alias records held in the database
    alias_records = [a for a in db.records_named(aliases) if a.id not in ids]
    rating = highest(
        [rate(h.advisory, h.affected) for h in group] + [rate(a) for a in alias_records]
    )
    severity = rating.severity if rating else Severity.UNKNOWN
    severity_source = rating.source if rating else UNKNOWN_SOURCE
    fixed = _best_fix(group, q.scheme)
    summary = next((h.advisory.summary for h in group if h.advisory.summary), "")
    if not summary:
        details = next((h.advisory.details for h in group if h.advisory.details), "")
        summary = headline(details)
    version = q.version
    subject = f"{pkg.name} {pkg.version}"
    if (q.names[0], version) != (pkg.name, pkg.version):
        subject += f" (source {q.names[0]} {version})"
    source_note = " (source version)" if q.names[0] != pkg.name else ""
    aka = f" (also {', '.join(aliases[:4])})" if aliases else ""
    fix_text = f"fixed in {fixed}" if fixed else "no fixed version is known"
    references = list(dict.fromkeys(r for h in group for r in h.advisory.references))[:10]
    extra: dict[str, JSONValue] = {
        "aliases": aliases,
        "advisories": sorted(ids, key=_id_rank),
        "package": {
            "name": pkg.name,
            "version": pkg.version,
            "type": pkg.type,
            "purl": pkg.purl,
            "layer": pkg.layer_digest,
            "layer_index": pkg.layer_index,
            "matched_as": {"ecosystem": group[0].affected.ecosystem, "name": q.names[0],
                           "version": version},
        },
        "fixed_version": fixed,
        "references": references,
        "severity_source": severity_source,
    }  # fmt: skip
    if rating and rating.vector:
        extra["cvss"] = {"vector": rating.vector, "score": rating.score}
    return Finding(
        rule=primary.id,
        practice=Practice.VULNERABILITIES,
        severity=severity,
        title=f"{primary.id}: {summary}" if summary else f"{primary.id} in {pkg.name}",
        message=f"{subject} is affected by {primary.id}{aka}; {fix_text}",
        location=Location(
            layer=pkg.layer_digest,
            layer_index=pkg.layer_index,
            file=pkg.files[0] if pkg.files else None,
        ),
        fix=f"Upgrade {pkg.name} to {fixed} or later{source_note}." if fixed else "",
        extra=extra,
    )


def match_packages(
    packages: Sequence[Package],
    db: VulnDatabase,
    distro: DistroLike | None = None,
    stats: MatchStats | None = None,
) -> list[Finding]:
    """Findings (practice ``vulnerabilities``) for every known issue of ``packages``.

    Sorted by severity (worst first), then advisory id and package.  Pass ``stats`` to
    learn which packages could not be matched and why.
    """
    stats = stats if stats is not None else MatchStats()
    findings: list[Finding] = []
    for pkg in packages:
        stats.packages += 1
        if pkg.owner:
            # the OS package's advisories cover it (with the distribution's backports)
            stats.owned += 1
            continue
        q = query_for(pkg, distro)
        if isinstance(q, str):
            stats.note(q)
            stats.coverage.count(f"({q})", False, pkg.name)
            continue
        key = coverage_key(q)
        entry = stats.coverage.by_key.get(key)
        entry = stats.coverage.count(
            key, entry.covered if entry else covered(db, q), pkg.name or pkg.purl
        )
        if not entry.covered:
            continue
        if q.scheme is None:
            stats.note(f"{q.base} versions (no exact version scheme; only listed versions)")
        groups = _merge(_hits(q, db))
        if groups:
            entry.vulnerable += 1
        for group in groups:
            findings.append(_finding(pkg, q, group, db))
    findings.sort(key=lambda f: (-f.severity.rank, f.rule, f.extra["package"]["name"]))
    return findings
