"""Turning secret matches into ``model.Finding`` objects (practice ``secrets``).

A finding's ``extra`` carries ``fingerprint`` (``path:rule:line:valuehash``, stable across
runs, usable in allow-lists), ``secret`` (redacted: a short vendor prefix and the length,
never the value, unless the user opted in with ``--show-secrets``), ``provider`` and,
for context matches, the variable ``key``.
"""

from __future__ import annotations

from hullcheck.model import Finding, JSONValue, Location, Practice
from hullcheck.secrets.filenames import SensitiveFile
from hullcheck.secrets.scanner import SecretMatch

DEFAULT_FIX = (
    "Remove the secret from the image and its history, rotate it (anyone who can pull the"
    " image has it, even if a later layer deletes the file), and provide it at run time or"
    " through a BuildKit secret mount (RUN --mount=type=secret)."
)


def image_location(match: SecretMatch, *, layer: str | None, layer_index: int | None) -> Location:
    """Where a secret sits in an image: layer, file and line."""
    return Location(
        layer=layer,
        layer_index=layer_index,
        file=match.path,
        line=match.line,
        end_line=match.end_line,
    )


def to_finding(
    match: SecretMatch,
    *,
    location: Location | None = None,
    show_secret: bool = False,
) -> Finding:
    """A ``Finding`` for ``match``; ``location`` defaults to the match's path and lines.

    ``show_secret`` puts the raw value in ``extra["secret"]``: only for an explicit
    ``--show-secrets``; every other caller must leave it off.
    """
    rule = match.rule
    loc = location or Location(path=match.path, line=match.line, end_line=match.end_line)
    shown = match.secret_text if show_secret else match.redacted
    extra: dict[str, JSONValue] = {
        "fingerprint": match.fingerprint,
        "secret": shown,
        "provider": rule.provider,
    }
    if match.key:
        extra["key"] = match.key
    where = f"{match.path}:{match.line}"
    what = f" in variable {match.key}" if match.key and rule.provider == "generic" else ""
    return Finding(
        rule=rule.id,
        practice=Practice.SECRETS,
        severity=rule.severity,
        title=rule.title,
        message=f"{rule.title}{what} at {where} ({shown})",
        location=loc,
        fix=rule.fix or DEFAULT_FIX,
        extra=extra,
    )


def sensitive_file_finding(hint: SensitiveFile, location: Location) -> Finding:
    """A ``Finding`` for a file whose name alone says it holds secrets."""
    path = location.file or location.path or hint.path
    return Finding(
        rule=hint.rule_id,
        practice=Practice.SECRETS,
        severity=hint.severity,
        title=hint.title,
        message=f"{hint.title}: {path}",
        location=location,
        fix=DEFAULT_FIX,
        extra={"fingerprint": f"{path}:{hint.rule_id}", "provider": "file"},
    )
