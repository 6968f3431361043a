"""Secrets in a Dockerfile's text, for ``hullcheck lint`` (a ``TextScanner``).

Three looks at one file: the whole text through every content rule (tokens, keys, URLs
with passwords, ``--password`` flags in ``RUN``); each ``ENV``/``ARG``/``LABEL`` pair in
context mode (``ENV DB_PASSWORD=hunter2x9`` is a finding, ``ARG TOKEN`` is not); and the
sources of ``COPY``/``ADD`` by name (``COPY id_rsa /root/.ssh/``).  The instruction reader
here is deliberately small and independent of ``hullcheck.dockerfile``: it only needs
keys, values and line numbers.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hullcheck.model import Finding, Location
from hullcheck.secrets.filenames import sensitive_file
from hullcheck.secrets.findings import sensitive_file_finding, to_finding
from hullcheck.secrets.scanner import SecretMatch, SecretScanner

TextScanner = Callable[[str, str], list[Finding]]


@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str
    args: str
    line: int
    end_line: int


_ESCAPE_DIRECTIVE = re.compile(r"(?im)^#\s*escape\s*=\s*([\\`])\s*$")


def instructions(text: str) -> Iterator[Instruction]:
    """Instructions with continuation lines joined, and their 1-based line span."""
    m = _ESCAPE_DIRECTIVE.search(text[:4096])
    escape = m.group(1) if m else "\\"
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        parts = [raw]
        while parts[-1].rstrip().endswith(escape) and i + 1 < len(lines):
            parts[-1] = parts[-1].rstrip()[:-1]
            i += 1
            nxt = lines[i]
            if nxt.strip().startswith("#"):
                parts.append(escape)  # comment lines inside a continuation are dropped
                continue
            parts.append(nxt)
        joined = " ".join(p.strip() for p in parts if p.strip() != escape)
        keyword, _, args = joined.partition(" ")
        yield Instruction(keyword.upper(), args.strip(), start + 1, i + 1)
        i += 1


def _split(args: str) -> list[str]:
    try:
        return shlex.split(args, posix=True)
    except ValueError:
        return args.split()


def key_values(inst: Instruction) -> list[tuple[str, str | None]]:
    """``ENV``/``ARG``/``LABEL`` pairs; ``None`` value for ``ARG NAME`` without default."""
    words = _split(inst.args)
    if inst.keyword == "ENV" and words and "=" not in words[0]:
        # legacy form: ENV KEY the rest is the value
        return [(words[0], " ".join(words[1:]))]
    out: list[tuple[str, str | None]] = []
    for word in words:
        if word.startswith("--"):
            continue
        key, eq, value = word.partition("=")
        out.append((key, value if eq else None))
    return out


def copy_sources(inst: Instruction) -> list[str]:
    """Source paths of ``COPY``/``ADD`` (exec/JSON form too), flags dropped."""
    args = inst.args
    if args.startswith("["):
        try:
            words = [str(w) for w in json.loads(args)]
        except ValueError:
            words = _split(args)
    else:
        words = _split(args)
    words = [w for w in words if not w.startswith("--")]
    return words[:-1] if len(words) > 1 else []


def scan_dockerfile(
    scanner: SecretScanner, path: str, text: str, *, show_secrets: bool = False
) -> list[Finding]:
    """Every secret finding of one Dockerfile, deduplicated, in line order."""
    matches: list[SecretMatch] = list(scanner.scan(text.encode("utf-8", "replace"), path=path))
    seen = {(m.line, m.secret) for m in matches}
    findings: list[Finding] = []
    for inst in instructions(text):
        if inst.keyword in ("ENV", "ARG", "LABEL"):
            for key, value in key_values(inst):
                if not value:
                    continue
                for hit in scanner.scan_text(value, path=path, line=inst.line, key=key):
                    m = _spanning(hit, inst)
                    if not any(s == m.secret for ln, s in seen if inst.line <= ln <= inst.end_line):
                        seen.add((m.line, m.secret))
                        matches.append(m)
        elif inst.keyword in ("COPY", "ADD"):
            for src in copy_sources(inst):
                hint = sensitive_file(src)
                if hint is not None and not hint.needs_content:
                    loc = Location(path=path, line=inst.line, end_line=inst.end_line)
                    findings.append(sensitive_file_finding(hint, loc))
    findings.extend(to_finding(m, show_secret=show_secrets) for m in matches)
    findings.sort(key=lambda f: (f.location.line or 0, f.rule))
    return findings


def _spanning(match: SecretMatch, inst: Instruction) -> SecretMatch:
    """A context match reported on the whole instruction's lines."""
    return SecretMatch(
        match.rule,
        match.path,
        inst.line,
        inst.end_line,
        match.start,
        match.end,
        match.secret,
        match.key,
    )


def dockerfile_scanner(
    scanner: SecretScanner | None = None, *, show_secrets: bool = False
) -> TextScanner:
    """A ``lint`` text scanner: ``(path, text) -> findings``."""
    engine = scanner if scanner is not None else SecretScanner()

    def run(path: str, text: str) -> list[Finding]:
        return scan_dockerfile(engine, path, text, show_secrets=show_secrets)

    return run
