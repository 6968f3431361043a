"""What an image rule is, and what it is given: the image, the walk and the settings.

An image rule family is one module of this package exposing ``RULES`` (the rule
catalogue entries it may report) and ``analyser(settings)`` returning a
``hullcheck.scan.Analyser``: subscriptions for the single layer pass, then ``finish``
turning what was seen into findings.  ``ImageRule.finding`` builds a finding whose
location names the layer (digest and index) and file; the scan pipeline adds the
Dockerfile ``instruction`` afterwards (``hullcheck.trace``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from hullcheck.model import FileRef, Finding, JSONValue, Location, Severity
from hullcheck.rulemeta import RuleMeta
from hullcheck.secrets.scanner import SecretScanner
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

HISTORY_INDEX = "history_index"
"""Finding ``extra`` key: the config history entry a config-level finding came from,
so tracing can point at the Dockerfile instruction (``USER``, ``EXPOSE``...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageRule(RuleMeta):
    """One image check: its description (:class:`hullcheck.rulemeta.RuleMeta`) and how a
    finding of it is located (layer, file, config history entry)."""

    KIND: ClassVar[str] = "image"

    def finding(
        self,
        image: Image,
        message: str,
        *,
        layer_index: int | None = None,
        file: str | None = None,
        severity: Severity | None = None,
        fix: str | None = None,
        extra: Mapping[str, JSONValue] | None = None,
        history_index: int | None = None,
    ) -> Finding:
        digest = None
        if layer_index is not None and 0 <= layer_index < len(image.layers):
            digest = image.layers[layer_index].digest
        more: dict[str, JSONValue] = dict(extra or {})
        if history_index is not None:
            more[HISTORY_INDEX] = history_index
        return Finding(
            rule=self.id,
            practice=self.practice,
            severity=severity or self.severity,
            title=self.title,
            message=message,
            location=Location(layer=digest, layer_index=layer_index, file=file),
            fix=fix or self.fix,
            extra=more,
        )


@dataclass(frozen=True, slots=True)
class ScanSettings:
    """Knobs of the image rules; ``now`` is injected so that ages are testable."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    max_age_days: int = 90
    packages: bool = True
    """Catalogue packages (``report.packages``) during the pass."""
    vulnerabilities: bool = False
    """Match the packages against the vulnerability database (the CLI turns it on)."""
    db_path: Path | None = None
    """The database (None: ``--db``'s default, built from the embedded snapshot)."""
    secrets: SecretScanner | None = None
    """The secrets engine built from the config's ``secrets:`` section (None: built-in)."""
    max_db_age_days: float | None = None
    """``--max-db-age``: vulnerability data older than this (or of unknown age) is a loss."""


class FinalFiles:
    """Collects small files (``/etc/passwd``...) per layer; answers with the final version.

    The walker offers every layer's version of a path as it streams; only the version
    the merged view ends with (and that no later layer deleted) describes the image.
    """

    def __init__(
        self,
        name: str,
        paths: frozenset[str],
        max_size: int = 1 << 20,
        globs: tuple[str, ...] = (),
    ) -> None:
        self.paths = paths
        self.globs = globs
        self.max_size = max_size
        self.name = name
        self._seen: dict[tuple[str, int], bytes] = {}

    def subscription(self) -> Subscription:
        return Subscription(
            self.name, self._on_file, paths=self.paths, globs=self.globs, max_size=self.max_size
        )

    def _on_file(self, ref: FileRef, data: bytes | None) -> None:
        if data is not None and ref.layer_index is not None:
            self._seen[(ref.path, ref.layer_index)] = data

    def final(self, walk: WalkResult, path: str) -> tuple[bytes, int] | None:
        """The content and layer of ``path`` (symlinks followed) in the final image."""
        resolved = walk.view.resolve(path) or path
        info = walk.view.get(resolved)
        if info is None or info.hidden:
            return None
        data = self._seen.get((resolved, info.layer_index))
        return None if data is None else (data, info.layer_index)


def parse_user(user: str) -> tuple[str, str | None]:
    """``USER`` as ``(user, group)``; the user part may be a name or a numeric uid."""
    name, sep, group = user.strip().partition(":")
    return name, (group if sep else None)


def is_root_user(user: str) -> bool:
    """True when the configured user is root: unset, ``0``, ``root``, ``0:0``..."""
    name, _ = parse_user(user)
    return name in ("", "0", "root")


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


class ConfigAnalyser:
    """An analyser that judges the image's configuration and history (and what the walk
    found) in ``finish``: it reads no file of its own, so it subscribes to nothing."""

    def __init__(self, settings: ScanSettings) -> None:
        self.settings = settings

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return ()
