"""Secrets in the image, through the secrets engine (``hullcheck.secrets``).

Every regular file of every layer is offered to the engine as it streams, including
versions a later layer overwrote or deleted: those are still in the image's blobs and
anyone who pulls it can extract them, so the finding names the layer that added the
secret, the layer that hid it, and says it is still extractable.  The config's ``Env``
values, ``Labels`` and every history ``created_by`` are scanned as text with their key.
``redact_target`` removes what must not be echoed from the report's ``target``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hullcheck.imagerules.base import ScanSettings
from hullcheck.imagerules.history import parse_created_by
from hullcheck.model import FileRef, Finding, JSONValue, Location
from hullcheck.scan import AnalyserOutput
from hullcheck.secrets import (
    SecretMatch,
    SecretScanner,
    image_location,
    is_secret_key,
    sensitive_file,
    sensitive_file_finding,
    to_finding,
)
from hullcheck.sources.image import Image
from hullcheck.sources.walker import Subscription, WalkResult

RULES = ()  # rule ids and texts come from the secrets engine's catalogue
MAX_READ = 4 << 20
"""Content read per file: secrets sit in small files; bigger files are scanned up to this."""


class ImageSecrets:
    def __init__(self, settings: ScanSettings, scanner: SecretScanner | None = None) -> None:
        self.settings = settings
        self.scanner = scanner or SecretScanner()
        self._matches: list[tuple[SecretMatch, int]] = []
        self._names: list[tuple[str, int, str]] = []

    def subscriptions(self, image: Image) -> Sequence[Subscription]:
        return (
            Subscription(
                "secrets",
                self._on_file,
                predicate=lambda path: (
                    self.scanner.skip_reason(path, 0) is None or sensitive_file(path) is not None
                ),
                max_size=MAX_READ,
            ),
        )

    def _on_file(self, ref: FileRef, data: bytes | None) -> None:
        layer = ref.layer_index if ref.layer_index is not None else -1
        hint = sensitive_file(ref.path)
        found = False
        if data is not None and self.scanner.wants(ref.path, min(ref.size, len(data))):
            for match in self.scanner.scan(data, path=ref.path):
                self._matches.append((match, layer))
                found = True
        if hint is not None and not hint.needs_content and not found:
            self._names.append((ref.path, layer, hint.rule_id))

    def finish(self, image: Image, walk: WalkResult) -> AnalyserOutput:
        out = AnalyserOutput()
        digests = [layer.digest for layer in image.layers]
        for match, layer in _dedupe(self._matches):
            digest = digests[layer] if 0 <= layer < len(digests) else None
            finding = to_finding(
                match, location=image_location(match, layer=digest, layer_index=layer)
            )
            out.findings.append(_hidden_note(finding, walk, match.path, layer))
        for path, layer, _ in self._names:
            hint = sensitive_file(path)
            if hint is None:
                continue
            digest = digests[layer] if 0 <= layer < len(digests) else None
            finding = sensitive_file_finding(
                hint, Location(layer=digest, layer_index=layer, file=path)
            )
            out.findings.append(_hidden_note(finding, walk, path, layer))
        out.findings.extend(self._config(image))
        out.summary["secrets_scan"] = dict(self.scanner.stats.to_json())
        return out

    def _config(self, image: Image) -> list[Finding]:
        out: list[Finding] = []
        for item in image.config.env:
            key, _, value = item.partition("=")
            for m in self.scanner.scan_text(value, path="config.Env", key=key):
                out.append(to_finding(m, location=Location(file=f"config.Env[{key}]")))
        for key, value in image.config.labels.items():
            for m in self.scanner.scan_text(value, path="config.Labels", key=key):
                out.append(to_finding(m, location=Location(file=f"config.Labels[{key}]")))
        digests = [layer.digest for layer in image.layers]
        for i, entry in enumerate(image.config.history):
            for m in self.scanner.scan_text(entry.created_by, path=f"history[{i}].created_by"):
                li = entry.layer_index
                loc = Location(
                    layer=digests[li] if li is not None and li < len(digests) else None,
                    layer_index=li,
                    file=f"history[{i}].created_by",
                )
                finding = to_finding(m, location=loc)
                out.append(replace(finding, extra={**finding.extra, "history_index": i}))
        return out


def _dedupe(matches: list[tuple[SecretMatch, int]]) -> list[tuple[SecretMatch, int]]:
    """One finding per secret value at one place: a vendor rule wins over a generic one."""
    best: dict[tuple[int, str, int, str], tuple[SecretMatch, int]] = {}
    for match, layer in matches:
        key = (layer, match.path, match.line, match.value_hash)
        kept = best.get(key)
        if kept is None or (kept[0].rule.provider == "generic" != match.rule.provider):
            best[key] = (match, layer)
    return list(best.values())


def _hidden_note(finding: Finding, walk: WalkResult, path: str, layer: int) -> Finding:
    """Say when the version holding the secret is no longer visible, and why."""
    info = walk.view.get(path)
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
    message = (
        f"{finding.message}; added by layer {layer}, {how} by layer {hidden_by}, "
        "and still extractable from layer "
        f"{layer} by anyone who can pull the image"
    )
    extra: dict[str, JSONValue] = {
        **finding.extra,
        "added_by_layer": layer,
        "hidden_by_layer": hidden_by,
        "hidden_how": how,
        "still_extractable": True,
    }
    return replace(finding, message=message, extra=extra)


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
    return ImageSecrets(settings)
