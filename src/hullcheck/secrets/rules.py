"""What a secret rule is: plain data, compiled once.

A ``Rule`` names the provider, the keywords that must appear (case-insensitively) for the
rule to be tried at all, a regular expression over bytes whose ``secret`` group is the
credential, and optional extra checks: a minimum Shannon entropy, a named structural
validator (checksums, JWT structure, PEM bodies), value allow-list regexes and a path
regex restricting the files the rule applies to.  Built-in rules live in
``hullcheck.secrets.builtin``; users add more in ``.hullcheck.yaml`` or a gitleaks TOML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hullcheck.errors import ConfigError
from hullcheck.model import Severity
from hullcheck.secrets.validators import VALIDATORS, Validator


@dataclass(frozen=True, slots=True)
class Rule:
    """One kind of secret.

    ``keywords`` are matched case-insensitively by the prefilter; a rule with no keywords
    is tried on every file its ``paths`` allow.  ``window`` bounds how many bytes around
    a keyword hit the regex looks at (private key blocks need more than tokens).
    ``finder`` names a special extractor (``kubernetes-secret``) used instead of
    ``regex``.  ``reveal`` is how many leading characters a redacted report may show:
    vendor prefixes such as ``ghp_`` are not secret, a password's first letters are.

    ``anchor`` (built-in rules only, a speed hint) is a cheap regex that occurs in every
    match, starting at most ``reach[0]`` bytes after the match starts and at most
    ``reach[1]`` bytes before it ends; the slow ``regex`` then runs only around anchor
    hits.  Results are unchanged only if ``regex`` has no end anchor or negative
    lookahead (cutting the text short can only make it fail) and the reach is exact:
    ``tests/secrets/test_anchor.py`` checks both.  ``anchor_next``, when given, is how
    every match goes on from the last byte of its anchor hit: a hit where it does not
    match is dropped before any range is read.
    """

    id: str
    title: str
    provider: str
    severity: Severity
    regex: str
    keywords: tuple[str, ...] = ()
    secret_group: str = "secret"  # noqa: S105 (a regex group name)
    entropy: float | None = None
    validator: str | None = None
    allow: tuple[str, ...] = ()
    paths: str | None = None
    window: int = 512
    reveal: int = 4
    finder: str | None = None
    fix: str = ""
    yields_to: tuple[str, ...] = ()
    binary: bool = False
    anchor: str | None = None
    reach: tuple[int, int] = (0, 0)
    anchor_next: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its regexes compiled and its validator resolved."""

    rule: Rule
    pattern: re.Pattern[bytes]
    allow: tuple[re.Pattern[bytes], ...]
    paths: re.Pattern[str] | None
    validator: Validator | None
    group: str | int
    anchor: re.Pattern[bytes] | None = None
    anchor_next: re.Pattern[bytes] | None = None


def compile_rule(rule: Rule) -> CompiledRule:
    """Compile ``rule``; ``ConfigError`` names the rule when a regex or validator is bad."""
    try:
        pattern = re.compile(rule.regex.encode("utf-8"))
        allow = tuple(re.compile(a.encode("utf-8")) for a in rule.allow)
        paths = re.compile(rule.paths) if rule.paths else None
        anchor = re.compile(rule.anchor.encode("utf-8")) if rule.anchor else None
        after = re.compile(rule.anchor_next.encode("utf-8")) if rule.anchor_next else None
    except re.error as err:
        raise ConfigError(f"secret rule {rule.id}: bad regular expression: {err}") from None
    validator = None
    if rule.validator is not None:
        validator = VALIDATORS.get(rule.validator)
        if validator is None:
            known = ", ".join(sorted(VALIDATORS))
            raise ConfigError(
                f"secret rule {rule.id}: unknown validator {rule.validator!r} (known: {known})"
            )
    group: str | int = rule.secret_group
    if rule.finder is not None:
        return CompiledRule(rule, pattern, allow, paths, validator, group, anchor, after)
    if rule.secret_group.isdigit():
        group = int(rule.secret_group)
        if group > pattern.groups:
            raise ConfigError(
                f"secret rule {rule.id}: secret group {group} but the regex has {pattern.groups}"
            )
    elif rule.secret_group not in pattern.groupindex:
        # gitleaks' convention: with exactly one capture group, that group is the secret
        group = 1 if pattern.groups == 1 else 0
    return CompiledRule(rule, pattern, allow, paths, validator, group, anchor, after)
