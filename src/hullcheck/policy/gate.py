"""The gate: which findings count, in what order, and the exit code they lead to.

Shared by every command that reports findings (``lint``, ``scan``).  A CLI applies, in
this order: ``apply_overrides`` (config: rule id or practice -> severity), then
``filter_by_severity`` (``--severity``), then ``sort_findings``, renders the report, and
returns ``report_exit_code`` (or ``exit_code``) for ``--fail-on``.

Exit codes: 0 no finding at or above ``--fail-on``; 1 at least one; 2 the tool could not
do its job (a ``HullcheckError``, or an input it could not read: ``Report.errors``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from hullcheck.document import Report
from hullcheck.errors import ConfigError
from hullcheck.model import Finding, Practice, Severity

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
DEFAULT_FAIL_ON = Severity.HIGH
NEVER = "none"
"""``--fail-on none``: report, never fail on findings."""


def parse_fail_on(text: str) -> Severity | None:
    """Read ``--fail-on``: a severity name, or ``none`` (never fail on findings)."""
    if text.strip().lower() in (NEVER, "never"):
        return None
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise ConfigError(f"--fail-on: {err}; or 'none'") from None


def parse_severity(text: str, option: str = "--severity") -> Severity:
    """Read a severity option value, as a ``ConfigError`` naming the option if wrong."""
    try:
        return Severity.parse(text)
    except ValueError as err:
        raise ConfigError(f"{option}: {err}") from None


def exit_code(
    findings: Iterable[Finding],
    fail_on: Severity | None = DEFAULT_FAIL_ON,
    unknown_as: Severity = Severity.HIGH,
) -> int:
    """1 if any finding is at or above ``fail_on``, else 0 (always 0 for ``None``).

    A finding of ``unknown`` severity (no severity in the data) counts as ``unknown_as``
    (the policy's ``vulnerabilities.unknown-severity``, high by default).
    """
    if fail_on is None:
        return EXIT_OK
    threshold = fail_on.rank
    unknown_rank = unknown_as.rank

    def rank(f: Finding) -> int:
        return unknown_rank if f.severity is Severity.UNKNOWN else f.severity.rank

    return EXIT_FINDINGS if any(rank(f) >= threshold for f in findings) else EXIT_OK


def report_exit_code(report: Report, fail_on: Severity | None = DEFAULT_FAIL_ON) -> int:
    """2 if the run met errors (some input was not checked), else ``exit_code``.

    An incomplete check must not pass a gate, so errors outrank findings.
    """
    if report.errors:
        return EXIT_ERROR
    return exit_code(report.findings, fail_on)


def filter_by_severity(findings: Iterable[Finding], minimum: Severity | None) -> list[Finding]:
    """Keep the findings at or above ``minimum`` (all of them for ``None``)."""
    if minimum is None:
        return list(findings)
    return [f for f in findings if f.severity.rank >= minimum.rank]


def parse_overrides(raw: Mapping[str, str]) -> dict[str, Severity]:
    """Read ``{rule-or-practice: severity-name}`` from config, naming the bad entry."""
    out: dict[str, Severity] = {}
    for key, value in raw.items():
        try:
            out[key.strip()] = Severity.parse(str(value))
        except ValueError as err:
            raise ConfigError(f"severity override for {key!r}: {err}") from None
    return out


def apply_overrides(
    findings: Iterable[Finding], overrides: Mapping[str, Severity]
) -> list[Finding]:
    """Re-grade findings: a key is a rule id (exact, case-insensitive) or a practice name.

    A rule id wins over its practice.  A changed finding keeps its original grade in
    ``extra["original_severity"]`` so reports can show that policy, not the rule,
    decided it.
    """
    if not overrides:
        return list(findings)
    by_rule = {k.upper(): v for k, v in overrides.items()}
    practices = {p.value for p in Practice}
    by_practice = {k.lower(): v for k, v in overrides.items() if k.lower() in practices}
    out: list[Finding] = []
    for f in findings:
        new = by_rule.get(f.rule.upper()) or by_practice.get(f.practice.value)
        if new is None or new is f.severity:
            out.append(f)
            continue
        extra = dict(f.extra)
        extra.setdefault("original_severity", f.severity.value)
        out.append(replace(f, severity=new, extra=extra))
    return out


def _sort_key(f: Finding) -> tuple[int, str, int, int, str, str, str]:
    loc = f.location
    path = loc.path or (loc.instruction.path if loc.instruction else "") or loc.file or ""
    line = loc.line or (loc.instruction.line if loc.instruction else 0) or 0
    layer = loc.layer_index if loc.layer_index is not None else -1
    return (-f.severity.rank, path, line, layer, loc.file or "", f.rule, f.message)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by path (Dockerfile, else file in the image), line, layer, rule.

    Total and deterministic, so two runs on the same input print the same report.
    """
    return sorted(findings, key=_sort_key)
