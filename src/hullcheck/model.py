"""Shared nouns of every pipeline stage: findings, locations, packages, files in layers.

These frozen dataclasses are the contract between stages.  Rules, catalogers, matchers
and the secrets engine produce them; policy filters them; every report format renders
them.  Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

JSONValue = Any
"""A value that ``json.dumps`` accepts (kept loose: mypy has no recursive JSON type)."""


class Severity(enum.StrEnum):
    """How bad a finding is; ordered, ``CRITICAL`` the worst."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    UNKNOWN = "unknown"
    """An advisory whose data gives no severity at all: shown as such, never guessed.
    It sorts with ``high``, and the gate treats it as ``high`` unless the policy says
    otherwise (``vulnerabilities.unknown-severity``)."""

    @property
    def rank(self) -> int:
        """Higher is worse: info=0 ... critical=4 (unknown=3, as high)."""
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name, case-insensitively; ``ValueError`` names the choices.

        ``unknown`` is not a grade a user can give: it only says the data had none.
        """
        value = text.strip().lower()
        if value != cls.UNKNOWN.value:
            try:
                return cls(value)
            except ValueError:
                pass
        choices = ", ".join(s.value for s in cls if s is not cls.UNKNOWN)
        raise ValueError(f"unknown severity {text!r} (choose from {choices})")


_SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
    Severity.UNKNOWN: 3,
}


class Practice(enum.StrEnum):
    """The hardening practice a finding belongs to (see DEVELOPERS.md)."""

    BASE_IMAGE = "base-image"
    BUILD = "build"
    VULNERABILITIES = "vulnerabilities"
    SECRETS = "secrets"
    PRIVILEGES = "privileges"
    PROVENANCE = "provenance"
    LAYER_HYGIENE = "layer-hygiene"
    AUDIT = "audit"
    SYNTAX = "syntax"


@dataclass(frozen=True, slots=True)
class SourceSpan:
    """Lines ``line``..``end_line`` (1-based, inclusive) of a text file such as a Dockerfile."""

    path: str
    line: int
    end_line: int

    def to_json(self) -> dict[str, JSONValue]:
        return {"path": self.path, "line": self.line, "end_line": self.end_line}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding was caused.  Any combination may be set.

    A lint finding has ``path``/``line``/``end_line`` (the Dockerfile).  An image finding
    has ``layer`` (digest), ``layer_index`` and ``file`` (absolute path inside the image),
    and ``instruction`` once the layer is traced back to a Dockerfile line.
    """

    path: str | None = None
    line: int | None = None
    end_line: int | None = None
    layer: str | None = None
    layer_index: int | None = None
    file: str | None = None
    instruction: SourceSpan | None = None

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {}
        if self.path is not None:
            out["path"] = self.path
        if self.line is not None:
            out["line"] = self.line
            out["end_line"] = self.end_line if self.end_line is not None else self.line
        if self.layer is not None:
            out["layer"] = self.layer
        if self.layer_index is not None:
            out["layer_index"] = self.layer_index
        if self.file is not None:
            out["file"] = self.file
        if self.instruction is not None:
            out["instruction"] = self.instruction.to_json()
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found, whatever found it: a rule, a matcher or the secrets engine.

    ``rule`` is a rule id (``HC1001``), or an advisory id for vulnerabilities.
    ``extra`` carries capability-specific fields (``fingerprint``, ``secret``,
    ``package``, ``aliases``, ``fixed_version``, ``references``...) that the JSON report
    adds to the finding object; it must never hold an unredacted secret.
    """

    rule: str
    practice: Practice
    severity: Severity
    title: str
    message: str
    location: Location
    fix: str = ""
    extra: Mapping[str, JSONValue] = field(default_factory=dict)

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "rule": self.rule,
            "practice": self.practice.value,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "location": self.location.to_json(),
            "fix": self.fix,
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file as it appears in one layer of an image (or in a directory being scanned).

    ``path`` is absolute inside the image (``/etc/os-release``), normalised, never with
    ``..``.  ``layer_index`` is the 0-based index among the image's layers (``None`` for
    a plain directory).  ``mode`` holds the permission and type bits as in ``st_mode``.
    """

    path: str
    size: int
    mode: int = 0o100644
    layer_index: int | None = None
    layer_digest: str | None = None
    uid: int = 0
    gid: int = 0
    link_target: str | None = None
    xattrs: tuple[tuple[str, bytes], ...] = ()
    """Extended attributes as stored in the layer (``security.capability``...)."""


@dataclass(frozen=True, slots=True)
class Package:
    """One installed package found by a cataloger.

    ``type`` is the purl type (``deb``, ``apk``, ``rpm``, ``pypi``, ``npm``, ``golang``,
    ``maven``, ``gem``, ``cargo``, ``composer``, ``nuget``).  ``source_name`` and
    ``source_version`` hold the source package where the ecosystem has one (Debian's
    ``Source:``, apk's origin, the source RPM) since advisories are keyed on it.
    ``files`` are the paths the package was found in; ``layer_index``/``layer_digest``
    the layer that added it.  ``owner`` is the purl of the OS package (deb, apk, rpm)
    whose file list holds this language package's metadata: the distribution built it,
    patches it and publishes its advisories, so language advisories are not matched.
    """

    name: str
    version: str
    type: str
    purl: str
    licenses: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    layer_index: int | None = None
    layer_digest: str | None = None
    source_name: str | None = None
    source_version: str | None = None
    cataloger: str = ""
    metadata: Mapping[str, JSONValue] = field(default_factory=dict)
    owner: str | None = None

    def to_json(self) -> dict[str, JSONValue]:
        out: dict[str, JSONValue] = {
            "name": self.name,
            "version": self.version,
            "type": self.type,
            "purl": self.purl,
            "licenses": list(self.licenses),
            "files": list(self.files),
        }
        if self.layer_index is not None:
            out["layer_index"] = self.layer_index
        if self.layer_digest is not None:
            out["layer"] = self.layer_digest
        if self.source_name is not None:
            out["source"] = {"name": self.source_name, "version": self.source_version}
        if self.cataloger:
            out["cataloger"] = self.cataloger
        if self.owner:
            out["owner"] = self.owner
        return out
