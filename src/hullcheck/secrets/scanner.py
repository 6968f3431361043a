"""The secrets scanner: one pass of a keyword prefilter, then only the rules it woke up.

``SecretScanner.scan(data, path=...)`` examines one file's bytes.  A case-insensitive
multi-literal search for every rule's keywords (``prefilter``) runs once over it; a rule
whose keywords never occur is never tried, and a rule that is tried only runs its regex
on windows around the keyword hits.  Binary files, files over the size limit and
package-owned documentation are skipped, and every skip is counted in ``stats`` so a
report can say what was not examined.

``scan_text`` is for short strings with context: a Dockerfile ``ENV``/``ARG``/``LABEL``
value, a ``RUN`` line, an image history ``created_by``, an image config ``Env`` entry.
With ``key=`` the value is also judged as the value of that variable, so
``ENV DB_PASSWORD=hunter2x9`` is found while ``ENV PASSWORD_FILE=/run/secrets/db`` is
not.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hullcheck.model import Severity
from hullcheck.secrets.allowlist import Allowlist
from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.finders import FINDERS
from hullcheck.secrets.keys import is_secret_key
from hullcheck.secrets.prefilter import KeywordPrefilter
from hullcheck.secrets.rules import CompiledRule, Rule, compile_rule
from hullcheck.secrets.values import is_documented_example, is_literal_secret, shannon_entropy

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""Files larger than this are skipped (and counted): secrets live in small files."""

BINARY_SNIFF = 8192
MAX_MATCHES = 1000
"""Matches kept per file; a file with more is hostile or generated (counted as truncated)."""
MAX_HITS = 4096
"""Past this many keyword hits for one rule in one file, the rule reads the whole file."""

_PACKAGE_TESTS = (
    # test data and samples shipped inside third-party packages and system trees:
    # fixture keys and passwords by design (requests' test certs, boto's p4ssw0rd)
    "package-tests",
    r"(?:/(?:site-packages|dist-packages|node_modules|vendor|vendored|third_party)/"
    r"|^/?usr/(?:lib|share|local/lib)/)"
    r"(?:(?:[^/]+/)*?(?:tests?|testing|testdata|test_data|__tests__|fixtures?|dummyserver"
    r"|examples?|samples?)/|(?:[^/]+/)*(?:[^/]*_test\.(?:go|py|rb)|test_[^/]*\.py"
    r"|[^/]*\.(?:test|spec)\.[cm]?[jt]sx?)$)",
)

DEFAULT_SKIP_PATHS: tuple[tuple[str, str], ...] = (
    (
        "package-docs",
        r"^/?usr/share/(?:doc|man|info|locale|i18n|zoneinfo|terminfo|common-licenses"
        r"|lintian|bug|doc-base|help)/",
    ),
    _PACKAGE_TESTS,
    (
        "binary-extension",
        r"(?i)\.(?:png|jpe?g|gif|ico|webp|bmp|tiff?|woff2?|ttf|otf|eot|pyc|pyo|so(?:\.[\d.]+)?"
        r"|a|o|mo|gz|xz|bz2|zst|lz4|zip|jar|war|whl|egg|tar|tgz|7z|rar|deb|rpm|apk"
        r"|mp3|mp4|ogg|wav|pdf)$",
    ),
)
"""Paths never read: (reason, regex).  Reasons are reported with their counts."""

_SKIP_NEEDLES: dict[tuple[str, str], tuple[str, ...]] = {
    _PACKAGE_TESTS: ("test", "fixture", "dummyserver", "example", "sample", "spec"),
}
"""A path ``_PACKAGE_TESTS`` matches holds one of these strings (each alternative of its
test-ish part spells one), so a path holding none is not searched: the regex is tried at
every position of every file's path, and most paths hold none of them.  Keyed by the
(reason, regex) pair itself, so a user's own regex under the same reason is always
searched."""

CONTEXT_RULE = Rule(
    "secret-in-variable",
    "Secret value in a variable whose name says it holds one",
    "generic",
    Severity.HIGH,
    "",
    reveal=0,
    fix="Pass the secret at run time (a mounted secret file or a BuildKit --mount=type=secret),"
    " never as a literal value baked into the image or Dockerfile.",
)
"""The rule reported by ``scan_text(..., key=...)`` when the key name alone is the signal."""


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """One secret found.  ``secret`` is the raw value: never print it; use ``redacted``."""

    rule: Rule
    path: str
    line: int
    end_line: int
    start: int
    end: int
    secret: bytes = field(repr=False)
    key: str | None = None

    @property
    def secret_text(self) -> str:
        return self.secret.decode("utf-8", "replace")

    @property
    def redacted(self) -> str:
        """A short prefix (vendor prefixes only, never most of a password) and the length."""
        text = self.secret_text
        shown = min(self.rule.reveal, len(text) // 4)
        return f"{text[:shown]}{'*' * 4}({len(text)} chars)"

    @property
    def value_hash(self) -> str:
        return hashlib.sha256(self.secret).hexdigest()

    @property
    def fingerprint(self) -> str:
        """Stable id of this secret at this place: ``path:rule:line:valuehash``."""
        return f"{self.path}:{self.rule.id}:{self.line}:{self.value_hash[:16]}"


@dataclass(slots=True)
class ScanStats:
    """What the scanner looked at and what it skipped, by reason."""

    files_scanned: int = 0
    bytes_scanned: int = 0
    files_without_keywords: int = 0
    rule_runs: int = 0
    truncated_files: int = 0
    binary_files_scanned: int = 0
    binary_bytes_scanned: int = 0
    skipped_files: Counter[str] = field(default_factory=Counter)
    skipped_bytes: Counter[str] = field(default_factory=Counter)
    allowlisted: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, size: int) -> None:
        self.skipped_files[reason] += 1
        self.skipped_bytes[reason] += size

    def to_json(self) -> dict[str, object]:
        return {
            "files_scanned": self.files_scanned,
            "bytes_scanned": self.bytes_scanned,
            "files_without_keywords": self.files_without_keywords,
            "truncated_files": self.truncated_files,
            "binary_files_scanned": self.binary_files_scanned,
            "binary_bytes_scanned": self.binary_bytes_scanned,
            "skipped": {
                reason: {"files": n, "bytes": self.skipped_bytes[reason]}
                for reason, n in sorted(self.skipped_files.items())
            },
            "allowlisted": dict(sorted(self.allowlisted.items())),
        }


_CONTROL = bytes(b for b in range(32) if b not in (8, 9, 10, 12, 13, 27))


def is_binary(data: bytes) -> bool:
    """NUL bytes, or more than 10% control characters, in the first 8 KiB."""
    head = data[:BINARY_SNIFF]
    if b"\x00" in head:
        return True
    if not head:
        return False
    # translate() deletes in C: what is left of the head is its control characters
    control = len(head) - len(head.translate(None, _CONTROL))
    return control * 10 > len(head)


_DOC_EXAMPLE = re.compile(rb"[ \t]*(?:>>>|\.\.\.|\$ |In \[\d+\]:)[ \t]")


def _in_doc_example(data: bytes, offset: int) -> bool:
    """Whether ``offset`` is on an interactive-session line (``>>> ``, ``... ``, ``$ ``).

    Docstrings and READMEs show credentials in doctest and shell-prompt examples; a
    value typed at a documented prompt is an example, not configuration.
    """
    line_start = data.rfind(b"\n", 0, offset) + 1
    return _DOC_EXAMPLE.match(data, line_start) is not None


class _File:
    """One file's bytes with lazily built indexes, so each match costs a bisect, not a scan.

    A hostile file can hold thousands of candidates; counting newlines (or docstring
    quotes) from the start for each would be quadratic.
    """

    __slots__ = ("_lines", "_quotes", "data", "path")

    def __init__(self, data: bytes, path: str) -> None:
        self.data = data
        self.path = path
        self._lines: list[int] | None = None
        self._quotes: list[int] | None = None

    def line_of(self, offset: int) -> int:
        if self._lines is None:
            self._lines = [m.start() for m in _NEWLINE.finditer(self.data)]
        return bisect.bisect_left(self._lines, offset) + 1

    def in_docstring(self, offset: int) -> bool:
        """Whether ``offset`` lies inside a Python triple-quoted string (usage examples)."""
        if self._quotes is None:
            self._quotes = [m.start() for m in _TRIPLE_QUOTE.finditer(self.data)]
        return bisect.bisect_left(self._quotes, offset) % 2 == 1


_NEWLINE = re.compile(rb"\n")
_TRIPLE_QUOTE = re.compile(rb'"""|\'\'\'')


class SecretScanner:
    """Finds secrets in file contents and in short strings; build once, reuse for all files."""

    def __init__(
        self,
        rules: Sequence[Rule] = BUILTIN_RULES,
        *,
        allowlist: Allowlist | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        skip_paths: Sequence[tuple[str, str]] = DEFAULT_SKIP_PATHS,
        prefilter: bool = True,
        scan_binaries: bool = True,
    ) -> None:
        self.rules: tuple[CompiledRule, ...] = tuple(compile_rule(r) for r in rules)
        self.allowlist = allowlist if allowlist is not None else Allowlist()
        self.max_bytes = max_bytes
        self.prefilter = prefilter
        self.scan_binaries = scan_binaries and any(c.rule.binary for c in self.rules)
        self.stats = ScanStats()
        self._skips = tuple(
            (reason, re.compile(rx), _SKIP_NEEDLES.get((reason, rx), ()))
            for reason, rx in skip_paths
        )
        self._allows_paths = self.allowlist.allows_paths
        self._always = tuple(i for i, c in enumerate(self.rules) if not c.rule.keywords)
        self._prefilter = KeywordPrefilter(
            (kw, index) for index, c in enumerate(self.rules) for kw in c.rule.keywords
        )
        # executables are most of the bytes an image holds and only binary rules run on
        # them: a small automaton of those rules' keywords (and of the rules they yield
        # to, so yielding works as on text) walks them instead of the full one
        wanted = {c.rule.id for c in self.rules if c.rule.binary}
        wanted |= {y for c in self.rules if c.rule.binary for y in c.rule.yields_to}
        self._binary_prefilter = KeywordPrefilter(
            (kw, index)
            for index, c in enumerate(self.rules)
            if c.rule.id in wanted
            for kw in c.rule.keywords
        )

    # -- deciding what to read -----------------------------------------------------
    def skip_reason(self, path: str, size: int) -> str | None:
        """Why a file would not be scanned (``None``: scan it).  Does not count."""
        if size > self.max_bytes:
            return "too-large"
        for reason, rx, needles in self._skips:
            if needles and not any(n in path for n in needles):
                continue
            if rx.search(path):
                return reason
        if self._allows_paths and self.allowlist.path_allowed(path):
            return "allowlisted-path"
        return None

    def wants(self, path: str, size: int) -> bool:
        """Whether the caller should read this file for ``scan``; counts the skips."""
        reason = self.skip_reason(path, size)
        if reason is not None:
            self.stats.skip(reason, size)
            return False
        return True

    # -- file contents -------------------------------------------------------------
    def scan(self, data: bytes, *, path: str) -> list[SecretMatch]:
        """All secrets in one file's contents, in file order."""
        if len(data) > self.max_bytes:
            self.stats.skip("too-large", len(data))
            return []
        if is_binary(data):
            if not self.scan_binaries:
                self.stats.skip("binary", len(data))
                return []
            # executables and databases can embed keys; only unmistakable formats apply
            self.stats.binary_files_scanned += 1
            self.stats.binary_bytes_scanned += len(data)
            return self._scan(data, path, binary=True)
        self.stats.files_scanned += 1
        self.stats.bytes_scanned += len(data)
        return self._scan(data, path)

    def _may_run_unwoken(self, index: int, path: str, binary: bool) -> bool:
        """Whether a rule without keywords would run on this file (the loop below skips
        it otherwise)."""
        return (not binary or self.rules[index].rule.binary) and self._applicable(index, path)

    def _applicable(self, index: int, path: str) -> bool:
        paths = self.rules[index].paths
        return paths is None or bool(paths.search(path))

    def _scan(self, data: bytes, path: str, *, binary: bool = False) -> list[SecretMatch]:
        hits: dict[int, list[tuple[int, int]]]
        if self.prefilter:
            prefilter = self._binary_prefilter if binary else self._prefilter
            hits = prefilter.rule_hits(data, MAX_HITS)
            if not hits:
                self.stats.files_without_keywords += 1
                if not any(self._may_run_unwoken(i, path, binary) for i in self._always):
                    return []  # most files: no keyword, and no keyword-less rule for them
        else:
            # the baseline the prefilter is measured against: one substring search per
            # keyword, then each woken rule's regex over the whole file
            lowered = data.lower()
            hits = {
                i: []
                for i, c in enumerate(self.rules)
                if any(kw.lower().encode() in lowered for kw in c.rule.keywords)
            }
        candidates = set(hits) | set(self._always)
        woken = {self.rules[i].rule.id for i in hits}
        file = _File(data, path)
        found: list[SecretMatch] = []
        for index in sorted(candidates):
            if not self._applicable(index, path):
                continue
            compiled = self.rules[index]
            if binary and not compiled.rule.binary:
                continue
            if woken.intersection(compiled.rule.yields_to):
                continue
            positions = hits.get(index, [])
            if len(positions) >= MAX_HITS or not positions or not compiled.rule.window:
                windows = [(0, len(data))]
            else:
                windows = _windows(data, positions, compiled.rule.window)
            self.stats.rule_runs += 1
            for match in self._run_rule(compiled, file, windows):
                if len(found) >= MAX_MATCHES:
                    self.stats.truncated_files += 1
                    break
                found.append(match)
            else:
                continue
            break
        found.sort(key=lambda m: (m.start, m.rule.id))
        return _prefer_specific(found)

    def _run_rule(
        self,
        compiled: CompiledRule,
        file: _File,
        windows: Iterable[tuple[int, int]],
    ) -> Iterable[SecretMatch]:
        rule = compiled.rule
        data = file.data
        if rule.finder is not None:
            for start, end in FINDERS[rule.finder](data):
                match = self._accept(compiled, file, (start, end), None)
                if match is not None:
                    yield match
            return
        if compiled.anchor is not None:
            windows = _anchor_windows(
                data, windows, compiled.anchor, rule.reach, compiled.anchor_next
            )
        seen: set[tuple[int, int]] = set()
        for lo, hi in windows:
            for m in compiled.pattern.finditer(data, lo, hi):
                try:
                    start, end = m.span(compiled.group)
                except IndexError:
                    start, end = m.span()
                if start < 0 or (start, end) in seen:
                    continue
                seen.add((start, end))
                key = None
                if "key" in compiled.pattern.groupindex and m.group("key") is not None:
                    key = m.group("key").decode("latin-1")
                match = self._accept(compiled, file, (start, end), key)
                if match is not None:
                    yield match

    def _accept(
        self,
        compiled: CompiledRule,
        file: _File,
        span: tuple[int, int],
        key: str | None,
    ) -> SecretMatch | None:
        rule = compiled.rule
        data, path = file.data, file.path
        start, end = span
        secret = data[start:end]
        if not secret:
            return None
        text = secret.decode("latin-1")
        if rule.entropy is not None and shannon_entropy(secret) < rule.entropy:
            return None
        if is_documented_example(text):
            return None
        if any(a.search(secret) for a in compiled.allow):
            return None
        if compiled.validator is not None and not compiled.validator(secret):
            return None
        if rule.provider == "generic" and (
            _in_doc_example(data, start) or (path.endswith(".py") and file.in_docstring(start))
        ):
            return None
        line = file.line_of(start)
        end_line = line + secret.count(b"\n")
        match = SecretMatch(rule, path, line, end_line, start, end, secret, key)
        reason = self.allowlist.reason(match)
        if reason is not None:
            self.stats.allowlisted[reason] += 1
            return None
        return match

    # -- short strings with context ----------------------------------------------------
    def scan_text(
        self,
        text: str,
        *,
        path: str,
        line: int = 1,
        key: str | None = None,
    ) -> list[SecretMatch]:
        """Secrets in a short string: a variable value, a ``RUN`` line, a history entry.

        ``line`` is the line the string starts on (matches are shifted to it).  With
        ``key`` (the variable name), a literal value of a secret-named variable is a
        finding even when no vendor rule recognises its format.
        """
        data = text.encode("utf-8", "surrogateescape")
        if len(data) > self.max_bytes:
            self.stats.skip("too-large", len(data))
            return []
        found = [
            SecretMatch(
                m.rule,
                m.path,
                m.line + line - 1,
                m.end_line + line - 1,
                m.start,
                m.end,
                m.secret,
                m.key,
            )
            for m in self._scan(data, path)
        ]
        if key is not None and not found:
            value = text.strip().strip("\"'")
            if is_secret_key(key) and is_literal_secret(value, strict=False):
                raw = value.encode("utf-8", "surrogateescape")
                start = data.find(raw)
                match = SecretMatch(
                    CONTEXT_RULE,
                    path,
                    line,
                    line + raw.count(b"\n"),
                    max(start, 0),
                    max(start, 0) + len(raw),
                    raw,
                    key,
                )
                reason = self.allowlist.reason(match)
                if reason is None:
                    found.append(match)
                else:
                    self.stats.allowlisted[reason] += 1
        return found


def _prefer_specific(matches: list[SecretMatch]) -> list[SecretMatch]:
    """Drop generic matches whose value a vendor rule already reported (same bytes)."""
    specific = [(m.start, m.end) for m in matches if m.rule.provider != "generic"]
    if not specific:
        return matches
    return [
        m
        for m in matches
        if m.rule.provider != "generic" or not any(s < m.end and m.start < e for s, e in specific)
    ]


def _windows(data: bytes, positions: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Merged byte ranges around keyword hits, widened to whole lines when lines are short."""
    out: list[tuple[int, int]] = []
    size = len(data)
    for kw_start, kw_end in sorted(positions):
        lo = max(0, kw_start - width)
        hi = min(size, kw_end + width)
        nl = data.rfind(b"\n", max(0, lo - width), lo)
        lo = nl + 1 if nl >= 0 else (0 if lo <= width else lo)
        nl = data.find(b"\n", hi, min(size, hi + width))
        hi = nl if nl >= 0 else (size if size - hi <= width else hi)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _anchor_windows(
    data: bytes,
    windows: Iterable[tuple[int, int]],
    anchor: re.Pattern[bytes],
    reach: tuple[int, int],
    anchor_next: re.Pattern[bytes] | None = None,
) -> list[tuple[int, int]]:
    """The parts of ``windows`` within ``reach`` of an anchor hit, merged.

    Every match holds an anchor hit and lies within reach of it, so it lies in one
    merged range, and no match straddles a range's start (it would have merged the
    range before); the regex therefore finds in the ranges exactly what it finds in
    the whole windows, while reading a fraction of the bytes.
    """
    before, after = reach
    out: list[tuple[int, int]] = []
    for lo, hi in windows:
        first = len(out)
        for hit in anchor.finditer(data, lo, hi):
            # unbounded by the window: cutting the text short only takes matches away
            if anchor_next is not None and anchor_next.match(data, hit.end() - 1) is None:
                continue
            start = max(lo, hit.start() - before)
            end = min(hi, hit.start() + after)
            if len(out) > first and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
    return out
