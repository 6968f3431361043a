"""The lint pipeline: find Dockerfiles, parse, run rules and text scanners, apply policy.

Stages meet only here: ``dockerfile`` parses, ``rules`` check, ``policy`` decides what
is ignored and what fails, ``report`` gets one ``Report``.  Secret detection plugs in
as a ``TextScanner`` (a callable given the path and text, returning findings), so lint
does not depend on how the secrets engine works.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from hullcheck.diagnostics import Diagnostic, accept
from hullcheck.diagnostics import error as diag_error
from hullcheck.diagnostics import warning as diag_warning
from hullcheck.dockerfile.buildcontext import BuildContext, context_sources
from hullcheck.dockerfile.dockerignore import ignore_file_for, load
from hullcheck.dockerfile.model import Dockerfile
from hullcheck.dockerfile.parser import parse
from hullcheck.document import Report
from hullcheck.errors import ConfigError, DockerfileError, HullcheckError, InputError
from hullcheck.model import Finding, Location, Severity
from hullcheck.policy import config as config_mod
from hullcheck.policy.config import Config
from hullcheck.policy.known import SECRET_PREFIX, canonical
from hullcheck.policy.pragmas import Pragmas, collect
from hullcheck.rules.base import Hit, Rule, RuleContext
from hullcheck.rules.registry import RULES, SYNTAX_RULE, hadolint_map
from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.config import from_mapping
from hullcheck.secrets.filenames import FILE_RULE_IDS
from hullcheck.secrets.scanner import CONTEXT_RULE, SecretScanner

if TYPE_CHECKING:
    from hullcheck.vulns.eol import EolData

TextScanner = Callable[[str, str], Iterable[Finding]]
"""``(path, text) -> findings`` over the raw Dockerfile text (e.g. the secrets engine)."""

MAX_BYTES = 4 << 20
"""Larger files are refused: no real Dockerfile comes near 4 MiB."""

DEFAULT_FAIL_ON = Severity.HIGH
"""``secret:github-token`` in an ignore names one kind of secret (an engine rule id)."""
STDIN = "-"
_NAME_SEPARATORS = frozenset("._-")
_NOT_DOCKERFILE = frozenset(
    {
        "md", "rst", "txt", "adoc", "html", "py", "go", "js", "ts", "rb", "java", "json",
        "yaml", "yml", "toml", "sh", "ps1", "bat", "orig", "rej", "swp", "patch", "diff",
    }
)  # fmt: skip
"""Extensions that make ``Dockerfile.<ext>`` documentation or code about Dockerfiles."""
_SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__"})


@dataclass(slots=True)
class FileResult:
    """What linting one file produced."""

    path: str
    findings: list[Finding]
    suppressed: list[Finding]
    fail_on: Severity
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """What could not be checked on this file (errors: a rule that crashed, a secrets
    section that could not be applied...) and what the user should fix (warnings: a
    pragma naming no rule)."""

    @property
    def errors(self) -> list[Diagnostic]:
        """The coverage losses: checks that did not run on (part of) this file."""
        return [d for d in self.diagnostics if d.level == "error"]


def is_dockerfile_name(name: str) -> bool:
    """Dockerfile, Containerfile, ``*.Dockerfile``, ``Dockerfile.*``, ``Dockerfile-dev``,
    ``prod_Dockerfile`` (any case), but not ``Dockerfile.md``, ``dockerfile.py``..."""
    low = name.lower()
    for base in ("dockerfile", "containerfile"):
        if low == base:
            return True
        if low.endswith(base) and low[-len(base) - 1] in _NAME_SEPARATORS:
            return True
        if low.startswith(base) and low[len(base)] in _NAME_SEPARATORS:
            return low.rsplit(".", 1)[-1] not in _NOT_DOCKERFILE
    return False


def find_dockerfiles(paths: Sequence[str]) -> list[Path]:
    """Expand the paths given: files as is, directories to every Dockerfile under them."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{raw}: no such file or directory")
        if not path.is_dir() and not path.is_file():
            # a FIFO or device would block or never end
            raise InputError(f"{raw}: not a regular file or directory")
        if path.is_dir():
            found: list[Path] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                found.extend(Path(root) / f for f in files if is_dockerfile_name(f))
            for item in sorted(found):
                if item not in seen and item.is_file():
                    seen.add(item)
                    out.append(item)
        elif path not in seen:
            seen.add(path)
            out.append(path)
    return out


def read_dockerfile(path: Path) -> str:
    """The file's text; ``InputError`` for unreadable, binary or oversized input."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    return decode_dockerfile(data, str(path))


def decode_dockerfile(data: bytes, path: str) -> str:
    """Bytes read (at most ``MAX_BYTES + 1``) as text; ``InputError`` if binary or too big."""
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES // (1 << 20)} MiB, not a Dockerfile")
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: binary data, not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


class Linter:
    """Lints texts with one rule set; resolves configs and hadolint codes once."""

    def __init__(
        self,
        rules: Sequence[Rule] = RULES,
        scanners: Sequence[TextScanner] = (),
        config: Config | None = None,
        fail_on: Severity | None = None,
        *,
        today: date | None = None,
        eol: EolData | None = None,
        context: Path | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self.context = context
        """The build context directory (None: each Dockerfile's own directory)."""
        self._contexts: dict[tuple[Path, Path | None], BuildContext] = {}
        self.today = today
        self.eol = eol
        self.scanners = tuple(scanners)
        self.config = config
        self.fail_on = fail_on
        self._dl = hadolint_map()
        self._by_id = {r.id: r for r in (*RULES, *self.rules, SYNTAX_RULE)}
        self._known = {r.id for r in self.rules} | {SYNTAX_RULE.id}
        self._configs: dict[Path, Config] = {}
        self._loaded: dict[Path, Config] = {}
        # id(config) -> (config kept alive so the id stays its own, its secrets engine)
        self._secrets: dict[int, tuple[Config, SecretScanner | None]] = {}
        # what a config (hadolint codes) or secrets: section could not apply, not yet reported
        self._notes: list[str] = list(config.notes) if config is not None else []
        self.stdin_text: str | None = None

    def resolve(self, code: str) -> tuple[str, ...]:
        """HC id -> itself; hadolint code -> the HC rules covering it.

        When a rule covers several hadolint codes (HC1001: DL3006 untagged, DL3007
        ``latest``), the code narrows it: ``HC1001/DL3007`` only matches that rule's
        findings tagged ``extra["hadolint"] == "DL3007"`` (or not tagged at all), so
        ignoring DL3007 never silences an untagged base image.
        """
        code = canonical(code.upper())
        if code.startswith(("HC", SECRET_PREFIX)):
            return (code,)
        out = []
        for hc in self._dl.get(code, ()):
            rule = self._by_id.get(hc)
            narrow = rule is not None and len(rule.hadolint) > 1
            out.append(f"{hc}/{code}" if narrow else hc)
        return tuple(out)

    def config_for(self, path: Path) -> Config:
        if self.config is not None:
            return self.config
        folder = path.parent.resolve()
        cached = self._configs.get(folder)
        if cached is None:
            found = config_mod.discover(folder)
            if found is None:
                cached = config_mod.DEFAULT
            else:
                # one Config per file, so its secrets engine is built once for all folders
                cached = self._loaded.get(found)
                if cached is None:
                    cached = self._loaded[found] = config_mod.load(found)
                    self._notes.extend(cached.notes)  # once per config file
            self._configs[folder] = cached
        return cached

    def config_for_strict(self, path: Path) -> Config:
        """``config_for``, but a config file that is wrong stops the whole run (exit 2 with
        one line naming the file, the key and the nearest valid spelling): it governs
        every file under it, and a typo must not silently change the policy."""
        try:
            return self.config_for(path)
        except ConfigError as err:
            raise _Fatal(err) from None

    def secrets_for(self, config: Config) -> SecretScanner | None:
        """The secrets engine for ``config``'s ``secrets:`` section, built once per config;
        None (the rules' built-in engine) when it has none.  ``ConfigError`` if invalid."""
        cached = self._secrets.get(id(config))
        if cached is not None and cached[0] is config:
            return cached[1]
        section = config.sections.get("secrets")
        engine: SecretScanner | None = None
        if section is not None:
            base = Path(config.path).parent if config.path else None
            secrets = from_mapping(section, base_dir=base)
            engine = secrets.scanner()
            self._notes.extend(f"{config.path}: secrets: {note}" for note in secrets.notes)
        self._secrets[id(config)] = (config, engine)
        return engine

    def lint_text(self, text: str, path: str, config: Config = config_mod.DEFAULT) -> FileResult:
        """Lint one Dockerfile's text; never raises for bad Dockerfile content."""
        raw: list[Finding] = []
        diagnostics: list[Diagnostic] = []
        pragmas = Pragmas()
        ctx: RuleContext | None = None
        try:
            dockerfile = parse(text, path)
        except DockerfileError as err:
            raw.append(_syntax_finding(path, err.line, err.end_line, err.message))
        else:
            ctx = self._rule_context(dockerfile, path, config, diagnostics)
            pragmas = collect(
                dockerfile, self.resolve, lambda code: self.is_known(code, ctx.secrets)
            )
            raw.extend(self._run_rules(ctx, path, diagnostics))
        raw.extend(self._run_scanners(text, path, diagnostics))
        findings, suppressed = self._apply_config(raw, config, pragmas)
        fail_on = self.fail_on or config.fail_on or DEFAULT_FAIL_ON
        diagnostics.extend(
            diag_warning("pragma-unknown", "rules", _unknown_pragma(path, line, code), path)
            for line, code in pragmas.unknown
        )
        if ctx is not None and ctx.build_context is not None and ctx.build_context.truncated:
            diagnostics.append(_context_truncated(ctx.build_context, path))
        return FileResult(path, findings, suppressed, fail_on, diagnostics)

    def _rule_context(
        self, dockerfile: Dockerfile, path: str, config: Config, diagnostics: list[Diagnostic]
    ) -> RuleContext:
        """What the rules see; a bad ``secrets:`` section is reported and the built-in
        secret rules used instead."""
        try:
            engine = self.secrets_for(config)
        except HullcheckError as err:  # a bad secrets: section: report, lint the rest
            diagnostics.append(
                diag_error(
                    "secrets-config",
                    "config",
                    err.message,
                    f"secrets in {path} (checked with the built-in rules only)",
                    path,
                )
            )
            engine = None
        return RuleContext(
            dockerfile,
            config.trusted_registries,
            engine,
            today=self.today,
            eol=self.eol,
            build_context=self.build_context(dockerfile, path),
        )

    def _run_rules(
        self, ctx: RuleContext, path: str, diagnostics: list[Diagnostic]
    ) -> list[Finding]:
        """Every rule's findings; a rule that raises is reported, the others still run."""
        found: list[Finding] = []
        for rule in self.rules:
            try:
                hits = list(rule.check(ctx))
            except Exception as err:  # one buggy rule must not stop the other checks
                if os.environ.get("HULLCHECK_DEBUG"):
                    raise
                diagnostics.append(
                    diag_error(
                        "rule-failed",
                        "rules",
                        f"rule {rule.id} failed: {type(err).__name__}: {err}"[:500],
                        f"{rule.id} on {path}",
                        path,
                    )
                )
                continue
            found.extend(_finding(rule, path, h.line, h.end_line, h.message, hit=h) for h in hits)
        return found

    def _run_scanners(self, text: str, path: str, diagnostics: list[Diagnostic]) -> list[Finding]:
        found: list[Finding] = []
        for scanner in self.scanners:
            try:
                found.extend(scanner(path, text))
            except _Fatal as fatal:
                raise fatal.error from None
            except HullcheckError as err:
                diagnostics.append(
                    diag_error("scanner-failed", "rules", err.message, f"secrets in {path}", path)
                )
        return found

    def _apply_config(
        self, raw: list[Finding], config: Config, pragmas: Pragmas
    ) -> tuple[list[Finding], list[Finding]]:
        """(findings, suppressed): severities overridden by the config, ignores and
        pragmas applied; findings in file order."""
        ignored = {hc for code in config.ignored for hc in self.resolve(code)}
        overrides: dict[str, Severity] = {}
        for code, sev in config.severity.items():
            for hc in self.resolve(code):
                overrides[hc] = sev
        findings: list[Finding] = []
        suppressed: list[Finding] = []
        for found in raw:
            finding = found
            keys = match_keys(finding)
            for key in reversed(keys):  # the most specific override wins
                if key in overrides:
                    finding = replace(finding, severity=overrides[key])
                    break
            line = finding.location.line
            if not ignored.isdisjoint(keys) or pragmas.silences_any(keys, line):
                suppressed.append(finding)
            else:
                findings.append(finding)
        findings.sort(key=_order)
        return findings, suppressed

    def build_context(self, dockerfile: Dockerfile, path: str) -> BuildContext | None:
        """The context a Dockerfile's COPY/ADD lines read from, one object per context
        and ignore file for the whole run (walked at most once, and only when a rule asks).
        None when no COPY/ADD takes context files, or the Dockerfile is not on disk and
        no ``context`` was given."""
        if not any(context_sources(ins) for ins in dockerfile.find("COPY", "ADD")):
            return None
        file = Path(path)
        on_disk = path != STDIN and file.is_file()
        if self.context is None and not on_disk:
            return None
        root = (self.context if self.context is not None else file.parent).absolute()
        ignore = ignore_file_for(file if on_disk else root / "Dockerfile", root)
        key = (root, ignore)
        found = self._contexts.get(key)
        if found is None:
            found = self._contexts[key] = BuildContext(root, load(ignore))
        return found

    def is_known(self, code: str, engine: SecretScanner | None = None) -> bool:
        """Whether a pragma id names something: a rule of this linter, a hadolint code
        one covers, a ShellCheck code (hadolint's, never reported: nothing to check), or
        ``secret:<id>`` for a rule of ``engine`` (the built-in engine when None)."""
        code = code.upper()
        if code.startswith(SECRET_PREFIX):
            return code[len(SECRET_PREFIX) :] in _secret_ids(engine)
        if code.startswith("SC"):
            return True
        if code.startswith("HC"):
            return canonical(code) in self._by_id
        return bool(self._dl.get(code))

    def lint_paths(self, paths: Sequence[str], stdin: BinaryIO | None = None) -> Report:
        """Lint every Dockerfile named or found under ``paths`` into one report.

        ``-`` reads one Dockerfile from ``stdin`` (config searched from the current
        directory; its text is kept in ``self.stdin_text`` for quoting).  A missing path
        raises ``InputError`` before anything runs.  A file that cannot be read becomes
        a report error and the others are still linted.
        """
        use_stdin = STDIN in paths
        files: list[Path | None] = [None] if use_stdin else []
        files.extend(find_dockerfiles([p for p in paths if p != STDIN]))
        if not files:
            raise InputError(f"no Dockerfile found in {', '.join(paths)}")
        report = Report()
        failed = False
        counts = {s.value: 0 for s in Severity if s is not Severity.UNKNOWN}
        diagnostics = report.diagnostics
        for file in files:
            shown = STDIN if file is None else str(file)
            kind = "dockerfile-unreadable"
            try:
                if file is None:
                    stream = stdin if stdin is not None else sys.stdin.buffer
                    text = decode_dockerfile(stream.read(MAX_BYTES + 1), "standard input")
                    self.stdin_text = text
                else:
                    text = read_dockerfile(file)
                config = self.config_for_strict(Path.cwd() / STDIN if file is None else file)
                kind = "secrets-config"
                self.secrets_for(config)  # a bad secrets: section is an error for this file
            except _Fatal as fatal:
                raise fatal.error from None
            except HullcheckError as err:
                diagnostics.append(
                    diag_error(kind, "dockerfile", err.message, f"all of {shown}", shown)
                )
                continue
            finally:
                diagnostics.extend(  # once per config: the engine is built once
                    diag_warning("config", "config", note) for note in self._notes
                )
                self._notes.clear()
            result = self.lint_text(text, shown, config)
            # the config governing this file may accept some losses (allow-incomplete:)
            diagnostics.extend(accept(result.diagnostics, config.allow_incomplete))
            report.findings.extend(result.findings)
            report.suppressed.extend(result.suppressed)
            for finding in result.findings:
                counts[finding.severity.value] += 1
                if finding.severity.rank >= result.fail_on.rank:
                    failed = True
        report.summary = {
            "files": len(files),
            "findings": len(report.findings),
            "suppressed": len(report.suppressed),
            "by_severity": counts,
            "failed": failed,
        }
        return report


class _Fatal(Exception):
    """Carries a ``ConfigError`` past the per-file handler that turns errors into diagnostics."""

    def __init__(self, error: ConfigError) -> None:
        super().__init__(error.message)
        self.error = error


def _context_truncated(context: BuildContext, path: str) -> Diagnostic:
    root = context.root
    return diag_error(
        "context-truncated",
        "rules",
        f"{path}: build context {root} is larger than lint reads (first "
        f"{context.max_files} entries, {context.max_read_bytes >> 20} MiB of content)",
        f"the rest of what COPY takes from {root} (not checked for secrets)",
        path,
    )


def _unknown_pragma(path: str, line: int, code: str) -> str:
    what = code.lower() if code.startswith(SECRET_PREFIX) else code
    if code.startswith("DL"):
        return f"{path}:{line}: pragma names {what}, which no hullcheck rule covers"
    return f"{path}:{line}: pragma names unknown rule {what}; it silences nothing"


_SECRET_IDS: dict[int, tuple[SecretScanner | None, frozenset[str]]] = {}


def _secret_ids(engine: SecretScanner | None) -> frozenset[str]:
    """Upper-cased rule ids ``engine`` (None: the built-in rules) can report."""
    cached = _SECRET_IDS.get(id(engine))
    if cached is not None and cached[0] is engine:
        return cached[1]
    rules = (
        [c.rule.id for c in engine.rules] if engine is not None else [r.id for r in BUILTIN_RULES]
    )
    ids = frozenset(i.upper() for i in (*rules, CONTEXT_RULE.id, *FILE_RULE_IDS))
    _SECRET_IDS[id(engine)] = (engine, ids)
    return ids


def match_keys(finding: Finding) -> tuple[str, ...]:
    """The ignore/override keys a finding answers to: its rule id, ``id/DLnnnn`` for
    the hadolint code it is tagged with (every code of its rule when untagged), and
    ``SECRET:<ENGINE-ID>`` for the kind of secret HC6001/HC6002 found."""
    kind = finding.extra.get("secret_rule")
    secret = (f"{SECRET_PREFIX}{kind.upper()}",) if isinstance(kind, str) and kind else ()
    tag = finding.extra.get("hadolint")
    if isinstance(tag, str) and tag:
        return (finding.rule, f"{finding.rule}/{tag.upper()}", *secret)
    codes = (f"{finding.rule}/{code}" for code in _codes_of(finding.rule))
    return (finding.rule, *codes, *secret)


def _codes_of(rule_id: str) -> tuple[str, ...]:
    rule = _RULES_BY_ID.get(rule_id)
    return rule.hadolint if rule is not None else ()


_RULES_BY_ID = {rule.id: rule for rule in RULES}


def rules_table(rules: Sequence[Rule] = RULES) -> str:
    """The rule reference as a Markdown table, straight from the registry (cannot drift)."""
    rows = [
        "| id | severity | practice | title | hadolint |",
        "|---|---|---|---|---|",
    ]
    for rule in sorted(rules, key=lambda r: r.id):
        cells = (
            rule.id,
            rule.severity.value,
            rule.practice.value,
            rule.title,
            ", ".join(rule.hadolint) or "-",
        )
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def exit_code(report: Report) -> int:
    """0 clean, 1 findings at/above the threshold, 2 when some input could not be checked
    (an error diagnostic nobody accepted)."""
    if report.errors:
        return 2
    return 1 if report.summary.get("failed") else 0


def _syntax_finding(path: str, line: int, end_line: int, message: str) -> Finding:
    # hadolint's DL3043 is the one parse error it names apart: a forbidden ONBUILD trigger
    code = "DL3043" if "as an ONBUILD trigger" in message else "DL1000"
    hit = Hit(line, end_line, message, extra={"hadolint": code})
    return _finding(SYNTAX_RULE, path, line, end_line, message, hit=hit)


def _finding(
    rule: Rule, path: str, line: int, end_line: int, message: str, *, hit: Hit | None
) -> Finding:
    fix = (hit.fix if hit is not None else None) or rule.fix
    extra = hit.extra if hit is not None else {}
    if len(rule.hadolint) == 1 and "hadolint" not in extra:
        # every finding of a rule with a hadolint equivalent names it, tagged or not
        extra = {**extra, "hadolint": rule.hadolint[0]}
    return Finding(
        rule=rule.id,
        practice=rule.practice,
        severity=rule.severity,
        title=rule.title,
        message=message,
        location=Location(path=path, line=line, end_line=end_line),
        fix=fix,
        extra=extra,
    )


def _order(finding: Finding) -> tuple[str, int, str]:
    loc = finding.location
    return (loc.path or "", loc.line or 0, finding.rule)
