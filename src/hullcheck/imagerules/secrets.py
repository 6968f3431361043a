"""Secrets in the image, through the secrets engine (``hullcheck.secrets``).

Every regular file of every layer is offered to the engine as it streams, including
versions a later layer overwrote or deleted: those are still in the image's blobs and
anyone who pulls it can extract them, so the finding names the layer that added the
secret, the layer that hid it, and says it is still extractable.  The config's ``Env``
values, ``Labels`` and every history ``created_by`` are scanned as text with their key.
``redact_target`` removes what must not be echoed from the report's ``target``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace

from hullcheck.analysis import AnalyserOutput
from hullcheck.imagerules.base import HISTORY_INDEX, ScanSettings
from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import Finding, JSONValue, Location
from hullcheck.secrets import SecretScanner, is_secret_key
from hullcheck.secrets.subscriber import SecretsSubscriber
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

RULES = ()  # rule ids and texts come from the secrets engine's catalogue
CONFIG_PREFIXES = ("config:", "history[")


class ImageSecrets:
    """The engine's walker subscriber, its findings made traceable and deduplicated."""

    def __init__(self, settings: ScanSettings, scanner: SecretScanner | None = None) -> None:
        self.settings = settings
        self.subscriber = SecretsSubscriber(scanner)

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return self.subscriber.subscriptions()

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        result = self.subscriber.finish(image, walk)
        keys = self._env_keys(image)
        out = AnalyserOutput()
        out.findings = _dedupe([_image_shaped(f, walk, keys) for f in result.findings])
        out.summary["secrets_scan"] = dict(result.stats)
        return out

    def _env_keys(self, image: Image) -> dict[str, str]:
        """Secret value hash (as in fingerprints) -> the Env key holding it."""
        out: dict[str, str] = {}
        for item in image.config.env:
            key, _, value = item.partition("=")
            for m in self.subscriber.scanner.scan_text(value, path="config:Env", key=key):
                out.setdefault(m.value_hash[:16], key)
        return out


def _image_shaped(finding: Finding, walk: WalkResult, env_keys: dict[str, str]) -> Finding:
    """Config matches as image locations (``file: config:Env``), with their history
    entry for tracing; file matches with structured fields saying what hid them."""
    loc = finding.location
    extra: dict[str, JSONValue] = dict(finding.extra)
    if loc.path is not None and loc.path.startswith(CONFIG_PREFIXES):
        if loc.path.startswith("history["):
            with contextlib.suppress(ValueError):
                extra[HISTORY_INDEX] = int(loc.path[8:].split("]")[0])
        where = loc.path
        key = extra.get("key")
        if where == "config:Env" and not key:
            key = env_keys.get(str(extra.get("fingerprint", "")).rsplit(":", 1)[-1])
        if where.startswith("config:") and key:
            where = f"{where}[{key}]"
        loc = Location(
            layer=loc.layer,
            layer_index=loc.layer_index,
            file=where,
            line=loc.line,
            end_line=loc.end_line,
        )
        return replace(finding, location=loc, extra=extra)
    if loc.file is None or loc.layer_index is None:
        return finding
    info = walk.view.get(loc.file)
    layer = loc.layer_index
    hidden_by: int | None = None
    how = ""
    if info is not None:
        if info.layer_index == layer and info.hidden:
            hidden_by, how = info.deleted_by, "deleted"
        elif info.layer_index != layer:
            later = sorted(i for i in (*info.changed_by, info.layer_index) if i > layer)
            if later:
                hidden_by, how = later[0], "overwritten"
            elif info.hidden:
                hidden_by, how = info.deleted_by, "deleted"
    if hidden_by is None:
        return finding
    extra.update(
        {
            "added_by_layer": layer,
            "hidden_by_layer": hidden_by,
            "hidden_how": how,
            "still_extractable": True,
        }
    )
    return replace(finding, extra=extra)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per secret value at one place: a vendor rule wins over a generic one."""
    best: dict[tuple[object, ...], Finding] = {}
    order: list[tuple[object, ...]] = []
    for f in findings:
        fingerprint = str(f.extra.get("fingerprint", ""))
        value = fingerprint.rsplit(":", 1)[-1] if fingerprint.count(":") >= 3 else fingerprint
        loc = f.location
        key = (loc.layer_index, loc.file, loc.path, loc.line, value or f.rule)
        kept = best.get(key)
        if kept is None:
            order.append(key)
            best[key] = f
        elif kept.extra.get("provider") == "generic" != f.extra.get("provider"):
            best[key] = f
    return [best[k] for k in order]


REDACTED = "<redacted>"


def redact_text(scanner: SecretScanner, text: str, path: str) -> str:
    """``text`` with every secret the engine finds replaced by its redacted form."""
    matches = scanner.scan_text(text, path=path)
    if not matches:
        return text
    raw = text.encode("utf-8", "surrogateescape")
    out = bytearray()
    pos = 0
    for m in sorted(matches, key=lambda m: m.start):
        if m.start < pos:
            continue
        out += raw[pos : m.start] + m.redacted.encode()
        pos = m.end
    out += raw[pos:]
    return out.decode("utf-8", "replace")


def _redact_pairs(scanner: SecretScanner, text: str, path: str) -> str:
    """``|N KEY=value ...`` build args: values of secret-named keys become ``<redacted>``."""
    parsed = parse_created_by(text)
    for key, value in parsed.build_args:
        if value and (is_secret_key(key) or scanner.scan_text(value, path=path, key=key)):
            text = text.replace(f"{key}={value}", f"{key}={REDACTED}", 1)
    return redact_text(scanner, text, path)


def redact_env(scanner: SecretScanner, env: Sequence[str]) -> list[str]:
    out: list[str] = []
    for item in env:
        key, eq, value = item.partition("=")
        if (
            eq
            and value
            and (is_secret_key(key) or scanner.scan_text(value, path="config.Env", key=key))
        ):
            out.append(f"{key}={REDACTED}")
        else:
            out.append(item)
    return out


def redact_target(target: dict[str, JSONValue], scanner: SecretScanner | None = None) -> None:
    """Redact, in place, the target's env values, label values and history lines."""
    scanner = scanner or SecretScanner()
    config = target.get("config")
    if isinstance(config, dict):
        env = config.get("env")
        if isinstance(env, list):
            config["env"] = redact_env(scanner, [str(e) for e in env])
        labels = config.get("labels")
        if isinstance(labels, dict):
            for key, value in list(labels.items()):
                if isinstance(value, str) and (
                    scanner.scan_text(value, path="config.Labels", key=key)
                ):
                    labels[key] = REDACTED
        for field in ("entrypoint", "cmd"):
            words = config.get(field)
            if isinstance(words, list):
                config[field] = [redact_text(scanner, str(w), "config") for w in words]
        health = config.get("healthcheck")
        if isinstance(health, dict) and isinstance(health.get("Test"), list):
            health["Test"] = [redact_text(scanner, str(w), "config") for w in health["Test"]]
    for group in ("history", "layers"):
        entries = target.get(group)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("created_by"), str):
                entry["created_by"] = _redact_pairs(scanner, entry["created_by"], "history")


def analyser(settings: ScanSettings) -> ImageSecrets:
    return ImageSecrets(settings, settings.secrets)
