"""The secrets engine as a subscriber of the single-pass layer walker (``scan``).

Every regular file of every layer is offered (not only the final filesystem: a key that
a later layer deletes is still in the image, and anyone who pulls it can extract it).
The path-only skips (package documentation, binary formats) are decided in the
subscription predicate so the walker never reads those contents; they are counted by
reason (files only: the predicate does not see sizes).  After the pass, the merged view
says which findings sit in a file that was later deleted or replaced, and the image
config (``Env``, ``Labels``, history ``created_by``) is scanned too.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hullcheck.model import FileRef, Finding, JSONValue, Location
from hullcheck.secrets.allowlist import Allowlist
from hullcheck.secrets.filenames import sensitive_file
from hullcheck.secrets.findings import sensitive_file_finding, to_finding
from hullcheck.secrets.imageconfig import scan_image_config
from hullcheck.secrets.rules import Rule
from hullcheck.secrets.scanner import SecretMatch, SecretScanner
from hullcheck.sources.image import Image
from hullcheck.sources.layercache import CacheHooks
from hullcheck.sources.layerfs import PathInfo
from hullcheck.sources.walker import Subscription, WalkResult

_NOTHING: tuple[list[SecretMatch], bool] = ([], False)  # never mutated: _apply only reads it


@dataclass
class SecretsResult:
    """Findings of one image, and what the engine examined and skipped."""

    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, JSONValue] = field(default_factory=dict)


class SecretsSubscriber:
    """Feeds a :class:`SecretScanner` from the walker; one instance per image pass."""

    def __init__(self, scanner: SecretScanner | None = None, *, show_secrets: bool = False):
        self.scanner = scanner if scanner is not None else SecretScanner()
        self.show_secrets = show_secrets
        self._matches: list[tuple[FileRef, SecretMatch]] = []
        self._named: list[FileRef] = []
        self._rules: dict[str, Rule] | None = None
        self._last: tuple[str, bool, str | None] = ("", False, None)
        """The predicate's verdict on the last path it saw (path, named, skip reason),
        which the walk offers next: not worked out twice."""

    def subscriptions(self) -> list[Subscription]:
        return [
            Subscription(
                name="secrets",
                on_file=self._on_file,
                predicate=self._wants_path,
                max_size=self.scanner.max_bytes,
                cache=CacheHooks(
                    key=scanner_key(self.scanner),
                    fact=self._fact,
                    load=self._load,
                    apply=self._apply,
                    counters=self._counters,
                    add_counters=self._add_counters,
                ),
            )
        ]

    def _name_is_finding(self, path: str) -> bool:
        """A file whose name alone is a finding, unless the user allow-listed its path."""
        hint = sensitive_file(path)
        if hint is None or hint.needs_content:
            return False
        return not self.scanner.allowlist.path_allowed(path)

    def _wants_path(self, path: str) -> bool:
        named = self._name_is_finding(path)
        reason = self.scanner.skip_reason(path, 0)
        self._last = (path, named, reason)
        if named:
            return True  # read it even if a skip rule matches: the name alone is a finding
        if reason is not None:
            self.scanner.stats.skip(reason, 0)
            return False
        return True

    def _verdict(self, path: str, size: int) -> tuple[bool, str | None]:
        """Whether the name alone is a finding, and why the content is not scanned."""
        seen, named, reason = self._last
        if seen != path:
            named, reason = self._name_is_finding(path), self.scanner.skip_reason(path, 0)
        if size > self.scanner.max_bytes:
            reason = "too-large"  # skip_reason's first test, the only one on the size
        return named, reason

    def _examine(self, ref: FileRef, data: bytes | None) -> tuple[list[SecretMatch], bool]:
        """The file's matches, and whether its name alone is to be reported."""
        named, reason = self._verdict(ref.path, ref.size)
        if data is None or len(data) < ref.size:
            self.scanner.stats.skip("too-large", ref.size)
            matches: list[SecretMatch] = []
        elif reason is not None:
            matches = []  # a named file in a skipped place: only the name is reported
        else:
            matches = self.scanner.scan(data, path=ref.path)
        return matches, bool(named and not matches and ref.size)

    def _on_file(self, ref: FileRef, data: bytes | None) -> None:
        self._apply(ref, self._examine(ref, data))

    def _apply(self, ref: FileRef, examined: tuple[list[SecretMatch], bool]) -> None:
        matches, named = examined
        self._matches.extend((ref, m) for m in matches)
        if named:
            self._named.append(ref)

    # -- the layer cache: a file's matches as a fact, the engine's counters as deltas --
    def _fact(self, ref: FileRef, data: bytes | None) -> JSONValue:
        matches, named = self._examine(ref, data)
        found: list[JSONValue] = [
            [
                m.rule.id,
                m.path,
                m.line,
                m.end_line,
                m.start,
                m.end,
                base64.b64encode(m.secret).decode("ascii"),
                m.key,
            ]
            for m in matches
        ]
        return {"m": found, "n": named}

    def _load(self, fact: JSONValue) -> tuple[list[SecretMatch], bool]:
        if not isinstance(fact, dict) or not isinstance(fact["m"], list):
            raise TypeError("secrets fact")
        if not fact["m"] and fact["n"] is False:
            return _NOTHING  # most files: nothing found
        if self._rules is None:
            self._rules = {c.rule.id: c.rule for c in self.scanner.rules}
        rules = self._rules
        matches: list[SecretMatch] = []
        for m in fact["m"]:
            if not isinstance(m, list) or len(m) != 8:
                raise TypeError("secrets fact")
            rule_id, path, line, end_line, start, end, secret, key = m
            ints = (line, end_line, start, end)
            if not isinstance(path, str) or not all(type(i) is int for i in ints):
                raise TypeError("secrets fact")
            if not isinstance(secret, str) or not (key is None or isinstance(key, str)):
                raise TypeError("secrets fact")
            matches.append(
                SecretMatch(
                    rule=rules[str(rule_id)],
                    path=path,
                    line=int(str(line)),
                    end_line=int(str(end_line)),
                    start=int(str(start)),
                    end=int(str(end)),
                    secret=base64.b64decode(secret.encode("ascii"), validate=True),
                    key=key,
                )
            )
        named = fact["n"]
        if not isinstance(named, bool):
            raise TypeError("secrets fact")
        return matches, named

    def _counters(self) -> dict[str, int]:
        st = self.scanner.stats
        out = {
            "files_scanned": st.files_scanned,
            "bytes_scanned": st.bytes_scanned,
            "files_without_keywords": st.files_without_keywords,
            "rule_runs": st.rule_runs,
            "truncated_files": st.truncated_files,
            "binary_files_scanned": st.binary_files_scanned,
            "binary_bytes_scanned": st.binary_bytes_scanned,
        }
        for name in ("skipped_files", "skipped_bytes", "allowlisted"):
            counter: Counter[str] = getattr(st, name)
            out.update({f"{name}:{k}": v for k, v in counter.items()})
        return out

    def _add_counters(self, delta: dict[str, int]) -> None:
        st = self.scanner.stats
        for key, n in delta.items():
            name, sep, sub = key.partition(":")
            if sep and name in ("skipped_files", "skipped_bytes", "allowlisted"):
                counter: Counter[str] = getattr(st, name)
                counter[sub] += n
            elif not sep and name in self._counters():
                setattr(st, name, getattr(st, name) + n)

    def finish(self, image: Image, walk: WalkResult) -> SecretsResult:
        """Findings for every layer's files and the image config, with deletion notes."""
        view = walk.view
        result = SecretsResult()
        for ref, match in self._matches:
            loc = Location(
                layer=ref.layer_digest,
                layer_index=ref.layer_index,
                file=ref.path,
                line=match.line,
                end_line=match.end_line,
            )
            finding = to_finding(match, location=loc, show_secret=self.show_secrets)
            result.findings.append(_with_fate(finding, ref, view.get(ref.path)))
        for ref in self._named:
            hint = sensitive_file(ref.path)
            if hint is not None:
                loc = Location(layer=ref.layer_digest, layer_index=ref.layer_index, file=ref.path)
                finding = sensitive_file_finding(hint, loc)
                result.findings.append(_with_fate(finding, ref, view.get(ref.path)))
        config = image.config
        layers = {layer.index: layer.digest for layer in image.layers}
        for match in scan_image_config(
            self.scanner,
            env=config.env,
            labels=config.labels,
            history=[h.created_by for h in config.history],
        ):
            loc = Location(path=match.path)
            if match.path.startswith("history["):
                entry = config.history[int(match.path[8:-1])]
                if entry.layer_index is not None:
                    loc = Location(
                        path=match.path,
                        layer=layers.get(entry.layer_index),
                        layer_index=entry.layer_index,
                    )
            result.findings.append(to_finding(match, location=loc, show_secret=self.show_secrets))
        result.stats = self.scanner.stats.to_json()
        return result


def _with_fate(finding: Finding, ref: FileRef, info: PathInfo | None) -> Finding:
    """Note when the file version holding the secret is not in the final filesystem."""
    if info is None or ref.layer_index is None:
        return finding
    if info.hidden:
        fate = f"deleted by layer {info.deleted_by}"
    elif info.layer_index != ref.layer_index:
        fate = f"replaced by layer {info.layer_index}"
    else:
        return finding
    extra = dict(finding.extra)
    extra["hidden"] = fate
    return Finding(
        rule=finding.rule,
        practice=finding.practice,
        severity=finding.severity,
        title=finding.title,
        message=f"{finding.message}; {fate}, but still in layer {ref.layer_index}",
        location=finding.location,
        fix=finding.fix,
        extra=extra,
    )


def _allowlist_key(allow: Allowlist) -> Any:
    return (
        tuple(p.pattern for p in allow.paths),
        tuple(r.pattern for r in allow.regexes),
        allow.stopwords,
        sorted(allow.fingerprints),
        sorted(allow.rules),
        tuple(_allowlist_key(c) for c in allow.children),
    )


def scanner_key(scanner: SecretScanner) -> str:
    """What the engine's answers depend on: its rules, allowlist, limits and skips."""
    parts = (
        repr([c.rule for c in scanner.rules]),
        repr(_allowlist_key(scanner.allowlist)),
        scanner.max_bytes,
        scanner.prefilter,
        scanner.scan_binaries,
        tuple((reason, rx.pattern) for reason, rx, _ in scanner._skips),
    )
    return "secrets " + hashlib.sha256(repr(parts).encode()).hexdigest()
