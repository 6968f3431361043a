"""Diagnostics: what a run could not do, from every stage, in one shape.

A finding is a problem in the thing checked; a diagnostic is a problem with the check.
Every stage (reading a Dockerfile, a rule, the layer walk, an analyser, a cataloger, the
matcher, lint inside scan, policy) reports what it could not examine as a
:class:`Diagnostic` with a level, a stable ``kind`` and the ``stage`` it came from.

Levels decide the verdict:

* ``error``: coverage was lost (something was NOT examined).  The run exits 2 unless the
  user accepted exactly that kind of loss (``--allow-incomplete KIND`` or
  ``allow-incomplete: [KIND]`` in ``.hullcheck.yaml``); an accepted one is kept in the
  report, marked ``accepted``.
* ``warning``: something the user should know or fix that lost no coverage.  Warnings
  never decide the exit code.
* ``info``: context (what data was used, what was skipped on purpose).

This module is a leaf: it imports nothing from hullcheck, so every stage can use it.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any


class Level(enum.StrEnum):
    """How a diagnostic weighs on the verdict (see the module docstring)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


KINDS: dict[str, str] = {
    # coverage losses (errors)
    "rule-failed": "a Dockerfile rule raised: that rule did not check that file",
    "scanner-failed": "a text scanner (secrets in the Dockerfile) failed on a file",
    "dockerfile-unreadable": "a Dockerfile could not be read: none of it was checked",
    "context-truncated": "the build context was larger than lint reads: the rest was not "
    "checked for secrets",
    "secrets-config": "a secrets: section could not be applied: the file was linted without it",
    "analyser-failed": "an image analyser raised: its checks did not run on the image",
    "file-unreadable": "a file in a layer could not be read: it was not examined",
    "layer-unreadable": "a layer (or the rest of it) could not be read: its files were not "
    "examined",
    "catalog-unreadable": "a package database or manifest could not be read: its packages "
    "are missing from the inventory and were not matched",
    "sbom-incomplete": "an SBOM read as input says it is incomplete or holds entries that "
    "could not be read",
    "vulnerability-coverage": "packages of an ecosystem or release the advisory data does "
    "not cover were not checked for vulnerabilities",
    "vulnerability-db": "the vulnerability database could not be used as asked",
    "provenance-unchecked": "the image's signatures or attestations could not be read or "
    "verified: the provenance policy was not checked",
    "advise-unmeasured": "a candidate base image advise could not scan: it is ranked last, "
    "unmeasured, and the best base may be missing from the advice",
    "image-invalid": "a layer holds an entry Docker and containerd cannot unpack and whose "
    "content is unknowable (a hard link to itself or to no file): the image is broken",
    # warnings
    "untraced-layers": "layers of the image that the --dockerfile given does not explain",
    "trace-failed": "the Dockerfile given could not be traced to the image",
    "image-metadata": "an oddity in the image's manifest or config that did not stop the read",
    "layer-entry": "an odd layer entry read as Docker would (a name that is not UTF-8 or "
    "too long for Linux, a device or FIFO, an unknown tar type, a duplicate path)",
    "layer-cache": "a layer cache record was damaged or not trusted: it was ignored and the "
    "layer read from its blob",
    "pragma-unknown": "an inline pragma that names no rule (it silences nothing)",
    "config": "a configuration entry that is ignored or lenient (e.g. an unknown DL code)",
    "policy": "a policy note: an expired or expiring ignore, a VEX statement not applied",
    "db-stale": "the vulnerability data is old",
    "sbom-attestation": "--attested-sbom-key was given but the attached SBOM could not be "
    "used (unsigned index, no SBOM for the scanned manifest): the image was catalogued",
}
"""Every kind a diagnostic may have, with what it means (docs/diagnostics.md lists them)."""

ALLOWABLE: frozenset[str] = frozenset(
    {
        "rule-failed",
        "scanner-failed",
        "dockerfile-unreadable",
        "context-truncated",
        "secrets-config",
        "analyser-failed",
        "file-unreadable",
        "layer-unreadable",
        "catalog-unreadable",
        "sbom-incomplete",
        "vulnerability-coverage",
        "vulnerability-db",
        "provenance-unchecked",
        "image-invalid",
        "advise-unmeasured",
    }
)
"""The kinds that lose coverage: what ``--allow-incomplete`` may accept."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One thing a run could not do (or should say); ``str()`` is its one-line form."""

    level: Level
    kind: str
    stage: str
    """``dockerfile``, ``rules``, ``walk``, ``analyser``, ``catalog``, ``match``, ``lint``,
    ``trace``, ``policy``, ``config``, ``sbom``..."""
    message: str
    not_examined: str = ""
    """What was NOT examined because of it (empty for warnings that lost nothing)."""
    path: str | None = None
    """The file (Dockerfile, or path inside the image) it is about, when there is one."""
    accepted: bool = False
    """An error the user accepted with ``--allow-incomplete``: reported, not failing."""

    @property
    def blocking(self) -> bool:
        """Whether it makes the run exit 2: an error nobody accepted."""
        return self.level is Level.ERROR and not self.accepted

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": self.level.value,
            "kind": self.kind,
            "stage": self.stage,
            "message": self.message,
        }
        if self.not_examined:
            out["not_examined"] = self.not_examined
        if self.path is not None:
            out["path"] = self.path
        if self.accepted:
            out["accepted"] = True
        return out

    def __str__(self) -> str:
        text = (
            f"{self.path}: {self.message}"
            if self.path and self.path not in self.message
            else self.message
        )
        if self.not_examined and self.level is Level.ERROR:
            text += f" (not examined: {self.not_examined})"
        return text


def error(
    kind: str, stage: str, message: str, not_examined: str, path: str | None = None
) -> Diagnostic:
    """A coverage loss: ``not_examined`` says what the run did not look at."""
    return Diagnostic(Level.ERROR, kind, stage, _one_line(message), _one_line(not_examined), path)


def warning(kind: str, stage: str, message: str, path: str | None = None) -> Diagnostic:
    """Something to know or fix that lost no coverage (never decides the exit code)."""
    return Diagnostic(Level.WARNING, kind, stage, _one_line(message), "", path)


def info(kind: str, stage: str, message: str, path: str | None = None) -> Diagnostic:
    return Diagnostic(Level.INFO, kind, stage, _one_line(message), "", path)


def accept(diagnostics: Iterable[Diagnostic], kinds: Iterable[str]) -> list[Diagnostic]:
    """Mark the errors of the ``kinds`` the user allowed as accepted (kept, not failing)."""
    allowed = frozenset(kinds)
    return [
        replace(d, accepted=True) if d.level is Level.ERROR and d.kind in allowed else d
        for d in diagnostics
    ]


def blocking(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diagnostics if d.blocking]


def unknown_kind_message(kind: str, where: str = "--allow-incomplete") -> str | None:
    """None if ``kind`` may be accepted; else one line naming the nearest valid kind."""
    if kind in ALLOWABLE:
        return None
    hint = suggest(kind, ALLOWABLE)
    choices = ", ".join(sorted(ALLOWABLE))
    if kind in KINDS:
        return f"{where}: {kind} is a warning, not a loss of coverage; choose from {choices}"
    return f"{where}: unknown kind {kind!r}{hint} (choose from {choices})"


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean X?"`` for the closest of ``choices``, or ``""``."""
    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    if not found:
        low = {c.lower(): c for c in choices}
        found = difflib.get_close_matches(word.lower(), sorted(low), n=1, cutoff=0.6)
        found = [low[f] for f in found]
    return f"; did you mean {found[0]}?" if found else ""


def verdict_line(diagnostics: Sequence[Diagnostic]) -> str | None:
    """The one ``hullcheck: error:`` line (without the prefix) an exit-2 run ends with,
    or None when nothing blocks.  It names the first loss; the others are counted."""
    failing = blocking(diagnostics)
    if not failing:
        return None
    kinds = sorted({d.kind for d in failing})
    n = len(failing)
    more = f" (and {n - 1} more not checked)" if n > 1 else ""
    head = "invalid image" if failing[0].kind == "image-invalid" else "incomplete check"
    text = f"{head}: {failing[0]}{more}"
    acceptable = [k for k in kinds if k in ALLOWABLE]
    if acceptable == kinds:
        text += f"; accept with --allow-incomplete {' --allow-incomplete '.join(kinds)}"
    return text


def stderr_lines(diagnostics: Sequence[Diagnostic], *, quiet: bool = False) -> list[str]:
    """What a command prints on stderr: one line per diagnostic, then the verdict line.

    Warnings print as ``hullcheck: warning: ...``, accepted losses as ``hullcheck:
    accepted [kind]: ...`` and the losses after the first as ``hullcheck: incomplete
    [kind]: ...``; the last line, when the run fails for them, is the one ``hullcheck:
    error: ...`` line (naming the first loss).  ``quiet`` keeps the losses and the verdict.
    """
    out: list[str] = []
    first = next((d for d in diagnostics if d.blocking), None)
    for d in diagnostics:
        if d.level is Level.INFO or d is first:
            continue
        if d.level is Level.WARNING:
            if not quiet:
                out.append(f"hullcheck: warning: {d}")
        elif d.accepted:
            if not quiet:
                out.append(f"hullcheck: accepted [{d.kind}]: {d}")
        else:
            out.append(f"hullcheck: incomplete [{d.kind}]: {d}")
    line = verdict_line(diagnostics)
    if line is not None:
        out.append(f"hullcheck: error: {line}")
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())
