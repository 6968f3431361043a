"""A scan's policy, gathered and applied: ``.hullcheck.yaml``, ignore rules, OpenVEX,
``--ignore-unfixed``, ``--severity`` and the ``--fail-on`` threshold.

``load_policy`` finds and reads every policy input once (a bad file is a
``ConfigError``: exit 2, never a half-applied policy).  ``apply_policy`` then turns a
finished report into the one the user asked for, in this order:

1. ``rules.severity`` overrides re-grade findings (``original_severity`` kept), so every
   later step and the gate see the grade policy decided;
2. ``rules.ignore`` (HC ids, image rule ids, ``secret:<engine id>``);
3. ignore rules (``.hullcheckignore`` / ``ignores:``) and VEX statements;
4. ``--ignore-unfixed``, then 5. ``--severity``.

Nothing is dropped: each finding taken out goes to ``Report.suppressed`` with
``suppressed: {by, reason, origin}``, and ``summary`` counts them per mechanism and
lists the ignore rules that expired (their findings are reported again, marked
``ignore_expired``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.document import Report
from hullcheck.errors import ConfigError
from hullcheck.model import Finding, JSONValue, Practice, Severity
from hullcheck.policy import config as config_mod
from hullcheck.policy.config import Config
from hullcheck.policy.gate import DEFAULT_FAIL_ON
from hullcheck.policy.ignores import (
    IgnoreRule,
    Suppressed,
    Suppression,
    VexStatement,
    apply_ignores,
    load_ignore_file,
    load_openvex,
    parse_ignores,
    suppress_below,
    suppress_unfixed,
)
from hullcheck.secrets.config import from_mapping
from hullcheck.secrets.scanner import SecretScanner

IGNORE_FILE = ".hullcheckignore"
SECRET_PREFIX = "SECRET:"  # noqa: S105 (a key prefix, not a password)


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything that decides what a scan reports and when it fails."""

    config: Config = config_mod.DEFAULT
    ignores: tuple[IgnoreRule, ...] = ()
    vex: tuple[VexStatement, ...] = ()
    ignore_unfixed: bool = False
    minimum: Severity | None = None
    """``--severity``: findings below it are suppressed (and counted)."""
    fail_on: Severity | None = DEFAULT_FAIL_ON
    """Resolved: ``--fail-on``, else the config's ``fail-on``, else high; None never fails."""
    secrets: SecretScanner | None = None
    """The engine built from the config's ``secrets:`` section (None: the built-in one)."""
    notes: tuple[str, ...] = ()
    """What the ``secrets:`` section could not apply (printed as warnings)."""
    sources: dict[str, JSONValue] = field(default_factory=dict)
    """Which files the policy came from, for ``summary.policy``."""


def _discover_ignore_file(starts: Sequence[Path]) -> Path | None:
    for start in starts:
        here = start.resolve()
        for folder in (here, *here.parents):
            candidate = folder / IGNORE_FILE
            if candidate.is_file():
                return candidate
    return None


def find_config(explicit: Path | None, starts: Sequence[Path]) -> Config:
    """``--config``, else the nearest ``.hullcheck.yaml`` above any of ``starts``."""
    if explicit is not None:
        return config_mod.load(explicit)
    for start in starts:
        found = config_mod.discover(start)
        if found is not None:
            return config_mod.load(found)
    return config_mod.DEFAULT


def load_policy(
    *,
    config_file: Path | None = None,
    starts: Sequence[Path] = (),
    ignore_file: Path | None = None,
    vex_files: Sequence[Path] = (),
    ignore_unfixed: bool = False,
    minimum: Severity | None = None,
    fail_on: Severity | str | None = "config",
) -> Policy:
    """Read every policy input.  ``starts``: folders to search upward from for
    ``.hullcheck.yaml`` and ``.hullcheckignore`` (the first that has one wins).
    ``fail_on``: the ``--fail-on`` given (a severity, or None for ``none``), or
    ``"config"`` when it was not given."""
    config = find_config(config_file, starts)
    sources: dict[str, JSONValue] = {"config": config.path}
    ignores: list[IgnoreRule] = []
    if config.path is not None and not config.hadolint:
        ignores.extend(parse_ignores(config.sections.get("ignores"), config.path))
    found = ignore_file if ignore_file is not None else _discover_ignore_file(starts)
    if found is not None:
        if ignore_file is not None and not found.is_file():
            raise ConfigError(f"{found}: no such ignore file")
        ignores.extend(load_ignore_file(found))
        sources["ignore_file"] = str(found)
    vex: list[VexStatement] = []
    for path in vex_files:
        vex.extend(load_openvex(path))
    sources["vex"] = [str(p) for p in vex_files]
    engine: SecretScanner | None = None
    notes: tuple[str, ...] = ()
    section = config.sections.get("secrets")
    if section is not None:
        base = Path(config.path).parent if config.path else None
        secrets = from_mapping(section, base_dir=base)
        engine = secrets.scanner()
        notes = tuple(f"{config.path}: secrets: {note}" for note in secrets.notes)
    resolved: Severity | None
    if fail_on == "config":
        resolved = config.fail_on or DEFAULT_FAIL_ON
    else:
        resolved = fail_on if isinstance(fail_on, Severity) else None
    return Policy(
        config=config,
        ignores=tuple(ignores),
        vex=tuple(vex),
        ignore_unfixed=ignore_unfixed,
        minimum=minimum,
        fail_on=resolved,
        secrets=engine,
        notes=(*config.notes, *notes),
        sources=sources,
    )


def policy_keys(finding: Finding) -> tuple[str, ...]:
    """The upper-cased ``rules.ignore``/``rules.severity`` keys a finding answers to, least
    specific first: its rule id (and a vulnerability's aliases), then ``SECRET:<engine
    id>`` for a secret."""
    keys = [finding.rule.upper()]
    if finding.practice is Practice.VULNERABILITIES:  # an advisory answers to its aliases
        aliases = finding.extra.get("aliases")
        if isinstance(aliases, list):
            keys.extend(str(a).upper() for a in aliases)
    kind = finding.extra.get("secret_rule")
    if not isinstance(kind, str) or not kind:
        kind = finding.rule if finding.practice is Practice.SECRETS else None
    if kind:
        keys.append(f"{SECRET_PREFIX}{kind.upper()}")
    return tuple(keys)


def _regrade(findings: Iterable[Finding], config: Config) -> list[Finding]:
    overrides = {k.upper(): v for k, v in config.severity.items()}
    out: list[Finding] = []
    for f in findings:
        new = next((overrides[k] for k in reversed(policy_keys(f)) if k in overrides), None)
        if new is None or new is f.severity:
            out.append(f)
            continue
        extra = dict(f.extra)
        extra.setdefault("original_severity", f.severity.value)
        out.append(dataclasses.replace(f, severity=new, extra=extra))
    return out


def _rules_ignore(findings: Iterable[Finding], config: Config) -> Suppression:
    ignored = {k.upper() for k in config.ignored}
    result = Suppression()
    where = config.path or "configuration"
    for f in findings:
        hit = next((k for k in policy_keys(f) if k in ignored), None)
        if hit is None:
            result.kept.append(f)
        else:
            reason = f"rules.ignore: {hit.lower() if hit.startswith(SECRET_PREFIX) else hit}"
            result.suppressed.append(Suppressed(f, "config", reason, where))
    return result


def _marked(item: Suppressed) -> Finding:
    extra = dict(item.finding.extra)
    extra["suppressed"] = {"by": item.by, "reason": item.reason, "origin": item.origin}
    return dataclasses.replace(item.finding, extra=extra)


def apply_policy(report: Report, policy: Policy, today: dt.date | None = None) -> Report:
    """Apply ``policy`` to ``report`` in place (and return it); ``today`` judges expiry."""
    findings = _regrade(report.findings, policy.config)
    result = _rules_ignore(findings, policy.config)
    result = result.then(apply_ignores(result.kept, policy.ignores, policy.vex, today=today))
    if policy.ignore_unfixed:
        result = result.then(suppress_unfixed(result.kept))
    if policy.minimum is not None:
        result = result.then(suppress_below(result.kept, policy.minimum))
    report.findings = result.kept
    report.suppressed.extend(_marked(item) for item in result.suppressed)
    counts: dict[str, JSONValue] = {}
    for f in report.suppressed:
        mark = f.extra.get("suppressed")
        by = str(mark.get("by")) if isinstance(mark, dict) else "lint"
        counts[by] = int(str(counts.get(by, 0))) + 1
    report.summary["suppressed"] = len(report.suppressed)
    report.summary["suppressed_by"] = counts
    report.summary["ignores_expired"] = [r.to_json() for r in result.expired]
    report.summary["policy"] = dict(policy.sources)
    return report


def expiry_warnings(report: Report) -> list[str]:
    """One line per ignore rule that expired (and so no longer applies)."""
    out = []
    for rule in report.summary.get("ignores_expired") or []:
        if isinstance(rule, dict):
            out.append(
                f"ignore rule {rule.get('id')} ({rule.get('origin')}) expired on "
                f"{rule.get('expires')}; it no longer applies"
            )
    return out
