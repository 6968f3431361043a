"""Exceptions to findings: ignore rules with reasons and expiry, OpenVEX statements, and the
``--ignore-unfixed``/``--severity`` filters.  Nothing is silently dropped: every finding
taken out of the results is kept in :attr:`Suppression.suppressed` with what suppressed it
and why, so reports can count it and ``--show-suppressed`` can list it.

Ignore rules come from ``.hullcheckignore`` (YAML: a list, or a mapping with ``ignores:``)
or the ``ignores:`` key of ``.hullcheck.yaml``::

    ignores:
      - id: CVE-2018-18074        # advisory id or any alias; or a rule id such as HC1001
        package: requests         # optional: name, or a purl (with or without @version)
        path: /app/venv/**        # optional: glob on the finding's file/path
        reason: not reachable, no redirects to other hosts   # required
        expires: 2026-12-31       # optional: the rule stops applying after this day

An expired rule no longer applies; findings it would have covered carry
``ignore_expired`` and the rule is listed in :attr:`Suppression.expired`.
OpenVEX documents (v0.2.0, and v0.0.x's string forms) are honoured for statements with
status ``not_affected`` (which must give a ``justification`` or ``impact_statement``) or
``fixed``; the newest statement for a vulnerability and product wins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packageurl import PackageURL

from hullcheck.diagnostics import suggest
from hullcheck.errors import ConfigError
from hullcheck.globs import matches as glob_matches
from hullcheck.model import Finding, Severity
from hullcheck.policy.known import SECRET_PREFIX, canonical, problem

MAX_FILE_BYTES = 16 * 1024 * 1024
ENTRY_KEYS = frozenset({"id", "package", "path", "reason", "expires"})
VEX_JUSTIFICATIONS = frozenset(
    {
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "inline_mitigations_already_exist",
    }
)


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One accepted exception, with the reason a person gave for it."""

    id: str
    reason: str
    package: str | None = None
    path: str | None = None
    expires: dt.date | None = None
    origin: str = ""

    def expired(self, today: dt.date) -> bool:
        """True after the ``expires`` day (the rule still applies on that day)."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding) -> bool:
        if self.id.lower() not in _names(finding):
            return False
        if self.package is not None and not _package_matches(self.package, finding):
            return False
        if self.path is not None:
            paths = [p for p in (finding.location.file, finding.location.path) if p]
            if not any(glob_matches(self.path, p) for p in paths):
                return False
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reason": self.reason,
            "package": self.package,
            "path": self.path,
            "expires": self.expires.isoformat() if self.expires else None,
            "origin": self.origin,
        }


@dataclass(frozen=True, slots=True)
class VexStatement:
    """An OpenVEX statement: ``vulnerability`` (and aliases) x ``products`` -> ``status``."""

    vulnerability: tuple[str, ...]
    products: tuple[str, ...]
    status: str
    justification: str
    impact_statement: str
    timestamp: str
    origin: str
    image_level: bool = False  # a product that is an image, not a package

    def matches(self, finding: Finding) -> bool:
        if not {v.lower() for v in self.vulnerability} & _names(finding):
            return False
        if self.image_level:
            return True
        purl = _finding_purl(finding)
        return purl is not None and any(_purl_matches(p, purl) for p in self.products)


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A finding taken out of the results: ``by`` (ignore, vex, unfixed, severity) and why."""

    finding: Finding
    by: str
    reason: str
    origin: str = ""

    def to_json(self) -> dict[str, Any]:
        out = self.finding.to_json()
        out["suppressed"] = {"by": self.by, "reason": self.reason, "origin": self.origin}
        return out


@dataclass(slots=True)
class Suppression:
    """Findings kept, findings suppressed (never dropped), and ignore rules that expired."""

    kept: list[Finding] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    expired: list[IgnoreRule] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Suppressed findings per mechanism, for the report summary."""
        out: dict[str, int] = {}
        for item in self.suppressed:
            out[item.by] = out.get(item.by, 0) + 1
        return out

    def then(self, other: Suppression) -> Suppression:
        """Chain: ``other`` was computed from :attr:`kept`; keep both suppression lists."""
        expired = self.expired + [r for r in other.expired if r not in self.expired]
        return Suppression(other.kept, self.suppressed + other.suppressed, expired)


def _names(finding: Finding) -> set[str]:
    names = {finding.rule.lower()}
    aliases = finding.extra.get("aliases")
    if isinstance(aliases, list):
        names.update(str(a).lower() for a in aliases)
    advisories = finding.extra.get("advisories")
    if isinstance(advisories, list):
        names.update(str(a).lower() for a in advisories)
    return names


def _finding_purl(finding: Finding) -> str | None:
    pkg = finding.extra.get("package")
    if isinstance(pkg, Mapping) and isinstance(pkg.get("purl"), str):
        return str(pkg["purl"])
    return None


def _parse_purl(text: str) -> PackageURL | None:
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _purl_matches(pattern: str, purl: str) -> bool:
    """Same type, namespace and name; same version when the pattern has one; qualifiers
    ignored (an image's ``arch``/``distro`` do not change which package it is)."""
    want, have = _parse_purl(pattern), _parse_purl(purl)
    if want is None or have is None:
        return False
    same = (
        want.type == have.type
        and (want.namespace or "").lower() == (have.namespace or "").lower()
        and want.name.lower() == have.name.lower()
    )
    return same and (want.version is None or want.version == have.version)


def _package_matches(package: str, finding: Finding) -> bool:
    if package.startswith("pkg:"):
        purl = _finding_purl(finding)
        return purl is not None and _purl_matches(package, purl)
    pkg = finding.extra.get("package")
    if not isinstance(pkg, Mapping):
        return False
    names = {str(pkg.get("name", "")).lower()}
    matched = pkg.get("matched_as")
    if isinstance(matched, Mapping):
        names.add(str(matched.get("name", "")).lower())
    return package.lower() in names


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from None


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{where}: 'expires' must be a date like 2026-12-31") from None


def parse_ignores(entries: Any, origin: str) -> list[IgnoreRule]:
    """Ignore rules from a loaded ``ignores:`` list; :class:`ConfigError` on a bad entry."""
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(f"{origin}: 'ignores' must be a list")
    rules = []
    for index, entry in enumerate(entries, 1):
        where = f"{origin}: ignore #{index}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} is not a mapping")
        for key in entry:
            if str(key) not in ENTRY_KEYS:
                hint = suggest(str(key), ENTRY_KEYS) or f" (valid: {', '.join(sorted(ENTRY_KEYS))})"
                raise ConfigError(f"{where}: unknown key {str(key)!r}{hint}")
        ident, reason = entry.get("id"), entry.get("reason")
        if not isinstance(ident, str) or not ident.strip():
            raise ConfigError(f"{where}: 'id' (an advisory or rule id) is required")
        ident = canonical(ident.strip())
        _check_rule_id(ident, where)
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where} ({ident}): a 'reason' is required")
        for key in ("package", "path"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise ConfigError(f"{where}: '{key}' must be a string")
        rules.append(
            IgnoreRule(
                id=ident.strip(),
                reason=reason.strip(),
                package=entry.get("package"),
                path=entry.get("path"),
                expires=_date(entry.get("expires"), where),
                origin=f"{origin}#{index}",
            )
        )
    return rules


def _check_rule_id(ident: str, where: str) -> None:
    """An id shaped like a rule id must name a rule (advisory and secret ids are free)."""
    code = ident.upper()
    if code.startswith(("HC", SECRET_PREFIX)) and (code[2:].isdigit() or ":" in code):
        why = problem(code)
        if why is not None:
            raise ConfigError(f"{where}: {why}")
    elif code[:2] in ("DL", "SC") and code[2:].isdigit():
        raise ConfigError(
            f"{where}: {ident} is a hadolint code; findings carry HC ids (ignore the HC rule "
            "that covers it, or list the code under rules.ignore in .hullcheck.yaml)"
        )


def load_ignore_file(path: Path) -> list[IgnoreRule]:
    """Rules of a ``.hullcheckignore`` (a YAML list, or a mapping with ``ignores:``) or of a
    ``.hullcheck.yaml`` (its ``ignores:`` key)."""
    try:
        data = yaml.safe_load(_read(path))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from None
    if data is None:
        return []
    if isinstance(data, Mapping):
        strict = path.name not in (".hullcheck.yaml", ".hullcheck.yml")  # config.load checks
        for key in data:
            if strict and str(key) != "ignores":
                hint = suggest(str(key), {"ignores"}) or " (the only key is 'ignores')"
                raise ConfigError(f"{path}: unknown key {str(key)!r}{hint}")
        return parse_ignores(data.get("ignores"), str(path))
    return parse_ignores(data, str(path))


def _vex_names(vuln: Any) -> tuple[str, ...]:
    if isinstance(vuln, str):
        return (vuln,)
    if isinstance(vuln, Mapping):
        names = [vuln.get("name"), vuln.get("@id")]
        aliases = vuln.get("aliases")
        if isinstance(aliases, list):
            names.extend(aliases)
        return tuple(n for n in names if isinstance(n, str) and n)
    return ()


def load_openvex(path: Path) -> list[VexStatement]:
    """Statements of an OpenVEX JSON document; :class:`ConfigError` when malformed."""
    try:
        doc = json.loads(_read(path))
    except ValueError as err:
        raise ConfigError(f"{path}: not valid JSON: {err}") from None
    if not isinstance(doc, Mapping) or not isinstance(doc.get("statements"), list):
        raise ConfigError(f"{path}: not an OpenVEX document (no 'statements')")
    doc_time = str(doc.get("timestamp") or "")
    out = []
    for index, st in enumerate(doc["statements"], 1):
        where = f"{path}: statement #{index}"
        if not isinstance(st, Mapping):
            raise ConfigError(f"{where} is not an object")
        names = _vex_names(st.get("vulnerability"))
        status = st.get("status")
        if not names or not isinstance(status, str):
            raise ConfigError(f"{where}: needs a vulnerability and a status")
        justification = str(st.get("justification") or "")
        impact = str(st.get("impact_statement") or "")
        if status == "not_affected":
            if not justification and not impact:
                raise ConfigError(f"{where}: not_affected needs a justification or impact")
            if justification and justification not in VEX_JUSTIFICATIONS:
                raise ConfigError(f"{where}: unknown justification {justification[:60]!r}")
        products: list[str] = []
        image_level = False
        for product in st.get("products") or ():
            pid = product if isinstance(product, str) else None
            subs: list[Any] = []
            if isinstance(product, Mapping):
                pid = product.get("@id") if isinstance(product.get("@id"), str) else None
                subs = product.get("subcomponents") or []
            for sub in subs if isinstance(subs, list) else ():
                sid = sub if isinstance(sub, str) else (sub or {}).get("@id")
                if isinstance(sid, str):
                    products.append(sid)
            if pid:
                parsed = _parse_purl(pid)
                if parsed is not None and parsed.type != "oci":
                    products.append(pid)
                elif not subs:
                    image_level = True  # the whole image (pkg:oci/..., a digest, a ref)
        if not products and not image_level:
            raise ConfigError(f"{where}: no products")
        out.append(
            VexStatement(
                vulnerability=names,
                products=tuple(products),
                status=status,
                justification=justification,
                impact_statement=impact,
                timestamp=str(st.get("timestamp") or doc_time),
                origin=f"{path}#{index}",
                image_level=image_level,
            )
        )
    return out


def apply_ignores(
    findings: Iterable[Finding],
    rules: Sequence[IgnoreRule] = (),
    vex: Sequence[VexStatement] = (),
    *,
    today: dt.date | None = None,
) -> Suppression:
    """Split ``findings`` into kept and suppressed by ignore rules and VEX statements."""
    today = today or dt.datetime.now(dt.UTC).date()
    live = [r for r in rules if not r.expired(today)]
    expired = [r for r in rules if r.expired(today)]
    ordered_vex = sorted(vex, key=lambda s: s.timestamp)
    result = Suppression(expired=list(expired))
    for finding in findings:
        rule = next((r for r in live if r.matches(finding)), None)
        if rule is not None:
            result.suppressed.append(Suppressed(finding, "ignore", rule.reason, rule.origin))
            continue
        statement = None
        for st in ordered_vex:
            if st.matches(finding):
                statement = st  # the newest applicable statement wins
        if statement is not None and statement.status in ("not_affected", "fixed"):
            why = statement.justification or statement.impact_statement or statement.status
            result.suppressed.append(
                Suppressed(finding, "vex", f"{statement.status}: {why}", statement.origin)
            )
            continue
        stale = next((r for r in expired if r.matches(finding)), None)
        if stale is not None:
            extra = dict(finding.extra)
            extra["ignore_expired"] = stale.to_json()
            result.kept.append(dataclasses.replace(finding, extra=extra))
            continue
        result.kept.append(finding)
    return result


def suppress_unfixed(findings: Iterable[Finding]) -> Suppression:
    """``--ignore-unfixed``: vulnerabilities without a known fixed version."""
    result = Suppression()
    for finding in findings:
        if finding.practice.value == "vulnerabilities" and not finding.extra.get("fixed_version"):
            result.suppressed.append(Suppressed(finding, "unfixed", "no fixed version is known"))
        else:
            result.kept.append(finding)
    return result


def suppress_below(findings: Iterable[Finding], minimum: Severity) -> Suppression:
    """``--severity``: findings less severe than ``minimum``."""
    result = Suppression()
    for finding in findings:
        if finding.severity.rank < minimum.rank:
            result.suppressed.append(
                Suppressed(finding, "severity", f"{finding.severity} is below {minimum}")
            )
        else:
            result.kept.append(finding)
    return result
