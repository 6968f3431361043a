"""User configuration of the secrets engine: ``.hullcheck.yaml`` and gitleaks TOML files.

``.hullcheck.yaml``::

    secrets:
      disable: [jwt]                     # built-in rule ids to turn off
      max_size: 10485760                 # bytes; larger files are skipped (and counted)
      gitleaks: .gitleaks.toml           # import a gitleaks config (relative to the YAML)
      rules:
        - id: acme-api-token
          title: ACME API token
          regex: 'acme_(?P<secret>[a-z0-9]{32})'
          keywords: [acme_]
          severity: high                 # default high
          entropy: 3.5                   # optional
          paths: '\\.conf$'              # optional: only files whose path matches
          allowlist: {regexes: ['^acme_test']}
      allowlist:
        paths: ['^/opt/fixtures/']
        regexes: ['^dummy']
        stopwords: [notasecret]
        fingerprints: ['/app/.env:secret-in-variable:3:0123456789abcdef']

A gitleaks config contributes its ``[[rules]]`` (``id``, ``description``, ``regex``,
``secretGroup``, ``entropy``, ``keywords``, ``path``, per-rule allow-lists) and its global
``[allowlist]`` / ``[[allowlists]]``.  Go RE2 syntax that Python lacks is translated.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullcheck.errors import ConfigError
from hullcheck.model import Severity
from hullcheck.secrets.allowlist import Allowlist
from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.rules import Rule, compile_rule
from hullcheck.secrets.scanner import DEFAULT_MAX_BYTES, SecretScanner

MAX_CONFIG_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SecretsConfig:
    """Rules and allow-lists in effect, and notes about what could not be imported."""

    rules: tuple[Rule, ...] = BUILTIN_RULES
    allowlist: Allowlist = field(default_factory=Allowlist)
    max_bytes: int = DEFAULT_MAX_BYTES
    notes: tuple[str, ...] = ()

    def scanner(self, *, prefilter: bool = True) -> SecretScanner:
        return SecretScanner(
            self.rules, allowlist=self.allowlist, max_bytes=self.max_bytes, prefilter=prefilter
        )


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{what} must be a list of strings")


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{what} must be a mapping")
    return value


def _allowlist(section: Mapping[str, Any], what: str, rules: Sequence[str] = ()) -> Allowlist:
    known = {"paths", "regexes", "stopwords", "fingerprints", "description", "rules"}
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{what}: unknown keys {', '.join(sorted(unknown))}")
    return Allowlist.build(
        paths=_strings(section.get("paths"), f"{what}.paths"),
        regexes=_strings(section.get("regexes"), f"{what}.regexes"),
        stopwords=_strings(section.get("stopwords"), f"{what}.stopwords"),
        fingerprints=_strings(section.get("fingerprints"), f"{what}.fingerprints"),
        rules=(*rules, *_strings(section.get("rules"), f"{what}.rules")),
    )


def _user_rule(raw: Any, index: int) -> tuple[Rule, Allowlist | None]:
    where = f"secrets.rules[{index}]"
    spec = _mapping(raw, where)
    rule_id = spec.get("id")
    regex = spec.get("regex")
    if not isinstance(rule_id, str) or not rule_id:
        raise ConfigError(f"{where}: 'id' is required")
    if not isinstance(regex, str) or not regex:
        raise ConfigError(f"{where} ({rule_id}): 'regex' is required")
    try:
        severity = Severity.parse(str(spec.get("severity", "high")))
    except ValueError as err:
        raise ConfigError(f"{where} ({rule_id}): {err}") from None
    entropy = spec.get("entropy")
    if entropy is not None and not isinstance(entropy, int | float):
        raise ConfigError(f"{where} ({rule_id}): 'entropy' must be a number")
    paths = spec.get("paths")
    if paths is not None and not isinstance(paths, str):
        raise ConfigError(f"{where} ({rule_id}): 'paths' must be one regex")
    rule = Rule(
        id=rule_id,
        title=str(spec.get("title", rule_id)),
        provider=str(spec.get("provider", "custom")),
        severity=severity,
        regex=regex,
        keywords=tuple(k.lower() for k in _strings(spec.get("keywords"), f"{where}.keywords")),
        secret_group=str(spec.get("secret_group", "secret")),
        entropy=float(entropy) if entropy is not None else None,
        paths=paths,
        reveal=int(spec.get("reveal", 4)),
    )
    compile_rule(rule)  # fail now, naming the rule, rather than at scan time
    allow = spec.get("allowlist")
    scoped = _allowlist(_mapping(allow, f"{where}.allowlist"), where, (rule_id,)) if allow else None
    return rule, scoped


def from_mapping(
    section: Mapping[str, Any] | None, *, base_dir: Path | None = None
) -> SecretsConfig:
    """Read the ``secrets:`` section of ``.hullcheck.yaml`` (already parsed)."""
    spec = _mapping(section, "secrets")
    known = {"disable", "max_size", "gitleaks", "rules", "allowlist"}
    unknown = set(spec) - known
    if unknown:
        raise ConfigError(f"secrets: unknown keys {', '.join(sorted(unknown))}")
    disabled = set(_strings(spec.get("disable"), "secrets.disable"))
    builtin_ids = {r.id for r in BUILTIN_RULES}
    if disabled - builtin_ids:
        raise ConfigError(
            f"secrets.disable: unknown rule ids {', '.join(sorted(disabled - builtin_ids))}"
        )
    rules = [r for r in BUILTIN_RULES if r.id not in disabled]
    allowlists = [
        _allowlist(_mapping(spec.get("allowlist"), "secrets.allowlist"), "secrets.allowlist")
    ]
    notes: list[str] = []
    raw_rules = spec.get("rules") or []
    if not isinstance(raw_rules, list):
        raise ConfigError("secrets.rules must be a list")
    for index, raw in enumerate(raw_rules):
        rule, scoped = _user_rule(raw, index)
        rules.append(rule)
        if scoped is not None:
            allowlists.append(scoped)
    gitleaks = spec.get("gitleaks")
    if gitleaks is not None:
        if not isinstance(gitleaks, str):
            raise ConfigError("secrets.gitleaks must be a path")
        path = Path(gitleaks)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        imported = load_gitleaks(path)
        rules.extend(imported.rules)
        allowlists.append(imported.allowlist)
        notes.extend(imported.notes)
    max_size = spec.get("max_size", DEFAULT_MAX_BYTES)
    if not isinstance(max_size, int) or max_size <= 0:
        raise ConfigError("secrets.max_size must be a positive number of bytes")
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"secrets: duplicate rule ids {', '.join(dupes)}")
    return SecretsConfig(
        tuple(rules), allowlists[0].merged(*allowlists[1:]), max_size, tuple(notes)
    )


# --- gitleaks -------------------------------------------------------------------------

_POSIX_CLASSES = {
    "[:alnum:]": "A-Za-z0-9",
    "[:alpha:]": "A-Za-z",
    "[:digit:]": "0-9",
    "[:lower:]": "a-z",
    "[:upper:]": "A-Z",
    "[:space:]": r"\s",
    "[:xdigit:]": "0-9A-Fa-f",
    "[:word:]": r"\w",
    "[:punct:]": r"!-/:-@\[-`{-~",
}


def go_regex_to_python(regex: str) -> str:
    """Translate the RE2 features gitleaks configs use that Python's ``re`` spells differently.

    Go allows ``(?i)`` anywhere (it applies to the rest of the group); Python only at the
    start, so a flag found later is hoisted (the match gets slightly more permissive,
    never less).  ``\\z`` becomes ``\\Z``; POSIX classes are expanded.
    """
    out = regex.replace(r"\z", r"\Z")
    for posix, expansion in _POSIX_CLASSES.items():
        out = out.replace(posix, expansion)
    flags: set[str] = set()
    for m in re.finditer(r"\(\?([imsU]+)\)", out):
        flags.update(m.group(1))
    if flags:
        out = re.sub(r"\(\?[imsU]+\)", "", out)
        flags.discard("U")  # ungreedy has no Python equivalent; dropped
        if flags:
            out = f"(?{''.join(sorted(flags))})" + out
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: gitleaks config larger than {MAX_CONFIG_BYTES} bytes")
        with path.open("rb") as f:
            return tomllib.load(f)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read gitleaks config: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None


def _gitleaks_allowlist(spec: Mapping[str, Any], where: str, rules: Sequence[str]) -> Allowlist:
    target_rules = _strings(spec.get("targetRules"), f"{where}.targetRules")
    return Allowlist.build(
        paths=[go_regex_to_python(p) for p in _strings(spec.get("paths"), f"{where}.paths")],
        regexes=[go_regex_to_python(r) for r in _strings(spec.get("regexes"), f"{where}.regexes")],
        stopwords=_strings(spec.get("stopwords"), f"{where}.stopwords"),
        rules=(*rules, *target_rules),
    )


def load_gitleaks(path: Path) -> SecretsConfig:
    """Rules and allow-lists of a gitleaks config (``.gitleaks.toml``), built-ins excluded."""
    doc = _read_toml(path)
    rules: list[Rule] = []
    allowlists: list[Allowlist] = []
    notes: list[str] = []
    raw_rules = doc.get("rules", [])
    if not isinstance(raw_rules, list):
        raise ConfigError(f"{path}: 'rules' must be an array of tables")
    for index, raw in enumerate(raw_rules):
        where = f"{path.name}: rules[{index}]"
        spec = _mapping(raw, where)
        rule_id = spec.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise ConfigError(f"{where}: 'id' is required")
        regex = spec.get("regex")
        path_rx = spec.get("path")
        if not isinstance(regex, str) or not regex:
            notes.append(f"gitleaks rule {rule_id}: path-only rules are not imported")
            continue
        entropy = spec.get("entropy")
        group = spec.get("secretGroup", 0)
        rule = Rule(
            id=f"gitleaks-{rule_id}",
            title=str(spec.get("description", rule_id)),
            provider="gitleaks",
            severity=Severity.HIGH,
            regex=go_regex_to_python(regex),
            keywords=tuple(k.lower() for k in _strings(spec.get("keywords"), f"{where}.keywords")),
            secret_group=str(group) if isinstance(group, int) and group > 0 else "secret",
            entropy=float(entropy) if isinstance(entropy, int | float) else None,
            paths=go_regex_to_python(path_rx) if isinstance(path_rx, str) else None,
        )
        compile_rule(rule)
        rules.append(rule)
        scoped = []
        if isinstance(spec.get("allowlist"), Mapping):
            scoped.append(spec["allowlist"])
        if isinstance(spec.get("allowlists"), list):
            scoped.extend(a for a in spec["allowlists"] if isinstance(a, Mapping))
        for i, allow in enumerate(scoped):
            allowlists.append(_gitleaks_allowlist(allow, f"{where}.allowlists[{i}]", (rule.id,)))
    globals_: list[Mapping[str, Any]] = []
    if isinstance(doc.get("allowlist"), Mapping):
        globals_.append(doc["allowlist"])
    if isinstance(doc.get("allowlists"), list):
        globals_.extend(a for a in doc["allowlists"] if isinstance(a, Mapping))
    for i, allow in enumerate(globals_):
        targets = [f"gitleaks-{t}" for t in _strings(allow.get("targetRules"), "targetRules")]
        spec = {k: v for k, v in allow.items() if k != "targetRules"}
        allowlists.append(_gitleaks_allowlist(spec, f"{path.name}: allowlists[{i}]", targets))
    merged = allowlists[0].merged(*allowlists[1:]) if allowlists else Allowlist()
    return SecretsConfig(tuple(rules), merged, DEFAULT_MAX_BYTES, tuple(notes))
