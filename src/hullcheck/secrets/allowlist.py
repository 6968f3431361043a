"""What the user told us is not a secret: paths, value patterns, stop words, fingerprints.

Filled from ``.hullcheck.yaml`` (``secrets.allowlist``) and from a gitleaks TOML's
``[allowlist]``/``[[allowlists]]``.  Every suppression is counted by reason so reports can
say how many findings an allow-list hid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hullcheck.errors import ConfigError

if TYPE_CHECKING:
    from hullcheck.secrets.scanner import SecretMatch


def _compile_all(patterns: Iterable[str], what: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p))
        except re.error as err:
            raise ConfigError(f"secrets allow-list {what} {p!r}: {err}") from None
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Allowlist:
    """Suppressions.  ``rules`` restricts the entry to some rule ids (empty: all rules)."""

    paths: tuple[re.Pattern[str], ...] = ()
    regexes: tuple[re.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    fingerprints: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    children: tuple[Allowlist, ...] = field(default=())

    @classmethod
    def build(
        cls,
        *,
        paths: Iterable[str] = (),
        regexes: Iterable[str] = (),
        stopwords: Iterable[str] = (),
        fingerprints: Iterable[str] = (),
        rules: Iterable[str] = (),
    ) -> Allowlist:
        return cls(
            paths=_compile_all(paths, "path"),
            regexes=_compile_all(regexes, "regex"),
            stopwords=tuple(s.lower() for s in stopwords),
            fingerprints=frozenset(fingerprints),
            rules=frozenset(rules),
        )

    def merged(self, *others: Allowlist) -> Allowlist:
        """This allow-list and ``others``, each keeping its own rule restriction."""
        return Allowlist(children=(self, *self.children, *others))

    @property
    def allows_paths(self) -> bool:
        """Whether ``path_allowed`` can be true for any path: an entry of paths for every
        rule, here or in a child.  Most scans have none, and skip the call per file."""
        return bool(self.paths and not self.rules) or any(c.allows_paths for c in self.children)

    def path_allowed(self, path: str) -> bool:
        """True when the whole file is allow-listed for every rule."""
        if not self.rules and any(p.search(path) for p in self.paths):
            return True
        return any(c.path_allowed(path) for c in self.children)

    def reason(self, match: SecretMatch) -> str | None:
        """Why ``match`` is suppressed (``fingerprint``, ``path``, ``regex``, ``stopword``)."""
        if not self.rules or match.rule.id in self.rules:
            if match.fingerprint in self.fingerprints:
                return "fingerprint"
            if any(p.search(match.path) for p in self.paths):
                return "path"
            text = match.secret_text
            if any(r.search(text) for r in self.regexes):
                return "regex"
            low = text.lower()
            if any(w in low for w in self.stopwords):
                return "stopword"
        for child in self.children:
            why = child.reason(match)
            if why is not None:
                return why
        return None
