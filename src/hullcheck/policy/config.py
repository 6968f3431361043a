"""``.hullcheck.yaml``: ignored rules, severity overrides, trusted registries, fail-on.

Found by walking up from the Dockerfile's directory, or given with ``--config``.  A
``.hadolint.yaml``/``.hadolint.yml`` is read too when no ``.hullcheck.yaml`` is found
on the way up (``ignored``, ``trustedRegistries``, ``override``, ``failure-threshold``),
its DL codes mapped to HC rules by the caller.

Schema (every key optional)::

    fail-on: high                 # critical|high|medium|low|info: exit 1 at/above this
    trusted-registries: [docker.io, ghcr.io/acme]
    rules:
      ignore: [HC1001, DL3008, CVE-2018-18074]   # HC ids, hadolint codes,
                                  # secret:<engine rule id>, advisory ids or aliases
      severity: {HC4010: medium, GHSA-8q59-q68h-6hv4: low}  # per-rule/advisory override
    vulnerabilities:
      unknown-severity: high      # how the gate treats advisories with no severity
    allow-incomplete: [catalog-unreadable]   # coverage losses accepted (docs/diagnostics.md)
    secrets: {...}                # ignores: [...], db: {...}: kept raw in ``Config.sections``

The file is strict: an unknown key (at the top level or under ``rules``) or a rule id
that names no rule is a ``ConfigError`` naming the file, the key and the nearest valid
spelling (a typo must not silently disable a policy: ``fail_on: critical`` would leave
the gate at high).  ``.hadolint.yaml`` keeps hadolint's leniency: a DL code hullcheck does
not implement is a warning (``Config.notes``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hullcheck.diagnostics import suggest, unknown_kind_message
from hullcheck.errors import ConfigError
from hullcheck.model import Severity
from hullcheck.policy.known import canonical, problem

NAMES = (".hullcheck.yaml", ".hullcheck.yml")
HADOLINT_NAMES = (".hadolint.yaml", ".hadolint.yml")
MAX_BYTES = 1 << 20
_SECRET_ID = re.compile(r"^[A-Z0-9][A-Z0-9._-]*$")
_RULE_KEYS = frozenset({"ignore", "severity"})
SECTIONS = frozenset(
    {
        "fail-on",
        "trusted-registries",
        "rules",
        "allow-incomplete",
        "secrets",
        "ignores",
        "db",
        "provenance",
        "vulnerabilities",
    }
)
"""Every top-level key of ``.hullcheck.yaml`` (a stage owning a new section adds it here)."""
_VULN_KEYS = frozenset({"unknown-severity"})
# An advisory id or alias (CVE-2020-14343, GHSA-8q59-q68h-6hv4, PYSEC-2021-142,
# RHSA-2024:4546, DSA-5000-1, GO-2024-2687), upper-cased like every rule id here.
_ADVISORY_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Z0-9][A-Z0-9._:-]*$")
_HADOLINT_LEVELS = {
    "error": Severity.HIGH,
    "warning": Severity.MEDIUM,
    "info": Severity.LOW,
    "style": Severity.INFO,
}


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for one run.  ``ignored`` and ``severity`` keys may hold DL codes still."""

    path: str | None = None
    ignored: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    trusted_registries: tuple[str, ...] = ()
    fail_on: Severity | None = None
    sections: Mapping[str, Any] = field(default_factory=dict)
    hadolint: bool = False
    unknown_severity: Severity = Severity.HIGH
    """How the gate treats a vulnerability with no severity in the data
    (``vulnerabilities.unknown-severity``); it is still shown as ``unknown``."""
    allow_incomplete: frozenset[str] = frozenset()
    """Kinds of coverage loss accepted (``allow-incomplete:``; see hullcheck.diagnostics)."""
    notes: tuple[str, ...] = ()
    """Warnings met while reading (a hadolint code no hullcheck rule covers)."""


DEFAULT = Config()


def discover(start: Path) -> Path | None:
    """The nearest ``.hullcheck.yaml`` (else ``.hadolint.yaml``) in ``start`` or above."""
    here = start if start.is_dir() else start.parent
    here = here.resolve()
    hadolint: Path | None = None
    for folder in (here, *here.parents):
        for name in NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        if hadolint is None:
            for name in HADOLINT_NAMES:
                candidate = folder / name
                if candidate.is_file():
                    hadolint = candidate
                    break
    return hadolint


def load(path: Path) -> Config:
    """Read and validate a config file (hullcheck or hadolint format, by file name)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise ConfigError(f"cannot read config {path}: {err.strerror or err}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(f"config {path} is larger than {MAX_BYTES} bytes")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(f"config {path} is not valid YAML: {first}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"config {path} must be a mapping at the top level")
    if path.name in HADOLINT_NAMES:
        return _from_hadolint(data, str(path))
    return _from_hullcheck(data, str(path))


def unknown_key(where: str, key: object, valid: frozenset[str], under: str = "") -> ConfigError:
    """``ConfigError``: ``where: unknown key 'k' [under 'x']; did you mean K?``."""
    place = f" under '{under}'" if under else ""
    hint = suggest(str(key), valid) or f" (valid: {', '.join(sorted(valid))})"
    return ConfigError(f"{where}: unknown key {str(key)!r}{place}{hint}")


def _from_hullcheck(data: dict[Any, Any], where: str) -> Config:
    for key in data:
        if str(key) not in SECTIONS:
            raise unknown_key(where, key, SECTIONS)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{where}: 'rules' must be a mapping")
    for key in rules:
        if str(key) not in _RULE_KEYS:
            raise unknown_key(where, key, _RULE_KEYS, "rules")
    secret_kinds, any_secret = _own_secret_kinds(data.get("secrets"))

    def known(code: str, what: str) -> str:
        why = problem(code, secret_kinds=secret_kinds, any_secret=any_secret)
        if why is not None:
            raise ConfigError(f"{where}: {what}: {why}")
        return code

    ignored = [
        known(code, "rules.ignore")
        for code in _id_list(rules.get("ignore"), f"{where}: rules.ignore")
    ]
    severity_raw = rules.get("severity") or {}
    if not isinstance(severity_raw, dict):
        raise ConfigError(f"{where}: rules.severity must map rule ids to severities")
    severity = {
        known(_rule_id(k, where), f"rules.severity.{k}"): _severity(
            v, f"{where}: rules.severity.{k}"
        )
        for k, v in severity_raw.items()
    }
    fail_on = data.get("fail-on")
    sections = {
        str(k): v
        for k, v in data.items()
        if k
        not in ("rules", "fail-on", "trusted-registries", "allow-incomplete", "vulnerabilities")
    }
    vulns = data.get("vulnerabilities") or {}
    if not isinstance(vulns, dict):
        raise ConfigError(f"{where}: 'vulnerabilities' must be a mapping")
    extra = set(map(str, vulns)) - _VULN_KEYS
    if extra:
        raise ConfigError(
            f"{where}: unknown key(s) under 'vulnerabilities': {', '.join(sorted(extra))} "
            f"(known: {', '.join(sorted(_VULN_KEYS))})"
        )
    unknown = vulns.get("unknown-severity")
    allowed = _str_list(data.get("allow-incomplete"), f"{where}: allow-incomplete")
    for kind in allowed:
        wrong = unknown_kind_message(kind, f"{where}: allow-incomplete")
        if wrong is not None:
            raise ConfigError(wrong)
    return Config(
        path=where,
        ignored=frozenset(ignored),
        severity=severity,
        trusted_registries=tuple(
            _str_list(data.get("trusted-registries"), f"{where}: trusted-registries")
        ),
        fail_on=None if fail_on is None else _severity(fail_on, f"{where}: fail-on"),
        sections=sections,
        unknown_severity=(
            Severity.HIGH
            if unknown is None
            else _severity(unknown, f"{where}: vulnerabilities.unknown-severity")
        ),
        allow_incomplete=frozenset(allowed),
    )


def _own_secret_kinds(section: Any) -> tuple[frozenset[str], bool]:
    """The ``secrets:`` section's own rule ids (upper-cased), and whether it imports
    rules that cannot be listed without reading another file (a gitleaks config)."""
    if not isinstance(section, dict):
        return frozenset(), False
    raw = section.get("rules")
    ids = [r.get("id") for r in raw if isinstance(r, dict)] if isinstance(raw, list) else []
    kinds = frozenset(i.strip().upper() for i in ids if isinstance(i, str))
    return kinds, section.get("gitleaks") is not None


def _from_hadolint(data: dict[Any, Any], where: str) -> Config:
    ignored = _id_list(data.get("ignored"), f"{where}: ignored")
    severity: dict[str, Severity] = {}
    override = data.get("override") or {}
    if not isinstance(override, dict):
        raise ConfigError(f"{where}: 'override' must be a mapping of level to codes")
    for level, codes in override.items():
        if str(level) not in _HADOLINT_LEVELS:
            raise ConfigError(f"{where}: unknown hadolint level {level!r} in override")
        for code in _id_list(codes, f"{where}: override.{level}"):
            severity[code] = _HADOLINT_LEVELS[str(level)]
    threshold = data.get("failure-threshold")
    fail_on = None
    if threshold is not None:
        if str(threshold) in _HADOLINT_LEVELS:
            fail_on = _HADOLINT_LEVELS[str(threshold)]
        elif str(threshold) not in ("none", "ignore"):
            raise ConfigError(f"{where}: unknown failure-threshold {threshold!r}")
    notes = [
        f"{where}: {why}; ignored"
        for code in sorted({*ignored, *severity})
        if (why := problem(code)) is not None
    ]
    return Config(
        path=where,
        ignored=frozenset(ignored),
        severity=severity,
        trusted_registries=tuple(
            _str_list(data.get("trustedRegistries"), f"{where}: trustedRegistries")
        ),
        fail_on=fail_on,
        hadolint=True,
        notes=tuple(notes),
    )


def _str_list(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def _id_list(value: Any, where: str) -> list[str]:
    return [_rule_id(v, where) for v in _str_list(value, where)]


def _rule_id(value: Any, where: str) -> str:
    text = canonical(str(value).strip().upper())
    if text.startswith("SECRET:") and _SECRET_ID.match(text[7:]):
        return text
    if is_advisory_id(text):
        return text
    if text[:2] not in ("HC", "DL", "SC") or not text[2:].isdigit():
        raise ConfigError(
            f"{where}: {value!r} is not a rule id (HCnnnn, a hadolint DLnnnn,"
            " secret:<secrets engine rule id>, or an advisory id such as CVE-2020-14343)"
        )
    return text


def is_advisory_id(text: str) -> bool:
    """Whether ``text`` (upper-cased) is shaped like an advisory id or alias: what
    ``rules.ignore``/``rules.severity`` match against a vulnerability and its aliases."""
    return bool(_ADVISORY_ID.match(text)) and text[:2] not in ("HC", "DL", "SC")


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as err:
        raise ConfigError(f"{where}: {err}") from None
