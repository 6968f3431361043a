"""Files whose name alone says they hold secrets: key files, ``.env``, credential stores.

Used on ``COPY``/``ADD`` sources by ``lint`` (the content may not be at hand) and on image
paths by ``scan`` (reported when the content scan found nothing more precise, e.g. an
encrypted or binary key store).  Templates such as ``.env.example`` are not sensitive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hullcheck.model import Severity


@dataclass(frozen=True, slots=True)
class SensitiveFile:
    """A path that looks like a secret store.  ``needs_content``: the name is not proof
    (a ``.pem`` may hold only certificates), so only the content scan should decide."""

    path: str
    rule_id: str
    title: str
    severity: Severity
    needs_content: bool = False


_TEMPLATE = re.compile(r"(?i)\.(?:example|sample|template|dist|tmpl|tpl|defaults?|schema)$")

# (rule id, title, severity, needs_content, file names, extensions): a path matches when
# its last components are one of the names (a regex after "/" or the start) or its name
# ends in one of the extensions (a regex after ".", any case)
_PARTS: tuple[tuple[str, str, Severity, bool, str | None, str | None], ...] = (
    (
        "sensitive-file-ssh-key",
        "SSH private key file",
        Severity.HIGH,
        False,
        r"id_(?:rsa|dsa|ecdsa|ed25519|ecdsa_sk|ed25519_sk)",
        None,
    ),
    (
        "sensitive-file-key-store",
        "Private key or key store file",
        Severity.HIGH,
        False,
        r"(?i:secring\.\w+)",
        r"p12|pfx|jks|keystore|ppk|kdbx",
    ),
    ("sensitive-file-key", "Key file", Severity.HIGH, True, None, r"pem|key|der|asc|gpg|pgp|crt"),
    (
        "sensitive-file-dotenv",
        "Environment file (.env)",
        Severity.MEDIUM,
        False,
        r"\.env(?:\.[\w-]+)?",
        None,
    ),
    (
        "sensitive-file-credentials",
        "Credentials file",
        Severity.HIGH,
        False,
        r"\.aws/credentials|\.git-credentials|\.netrc|_netrc|\.pgpass|\.my\.cnf"
        r"|\.s3cfg|\.boto|\.vault-token|\.dockercfg|\.docker/config\.json|\.kube/config"
        r"|kubeconfig|\.npmrc|\.pypirc|\.gem/credentials|\.htpasswd|credentials\.json"
        r"|client_secrets?(?:_[\w.-]+)?\.json|service[-_]?account[\w.-]*\.json"
        r"|terraform\.tfstate(?:\.backup)?|\.terraformrc|\.config/gh/hosts\.yml"
        r"|\.cargo/credentials(?:\.toml)?|\.composer/auth\.json|auth\.json",
        None,
    ),
)


def _path_regex(names: list[str], extensions: list[str]) -> re.Pattern[str]:
    alternatives = []
    if names:
        alternatives.append(f"(?:^|/)(?:{'|'.join(names)})$")
    if extensions:
        alternatives.append(f"(?i:\\.(?:{'|'.join(extensions)}))$")
    return re.compile("|".join(alternatives))


_NAMES: tuple[tuple[str, str, Severity, bool, re.Pattern[str]], ...] = tuple(
    (rule_id, title, severity, needs, _path_regex([n] if n else [], [e] if e else []))
    for rule_id, title, severity, needs, n, e in _PARTS
)
"""(rule id, title, severity, needs_content, regex on the path)"""

FILE_RULES = tuple((name[0], name[1], name[2]) for name in _NAMES)
"""(rule id, title, severity) of the file-name findings."""
FILE_RULE_IDS = tuple(rule[0] for rule in FILE_RULES)
"""Rule ids of the file-name findings (for ``secret:<id>`` ignores)."""


_ANY = _path_regex([n for *_, n, _ in _PARTS if n], [e for *_, e in _PARTS if e])
"""Matches where some name rule matches: one search for the many paths that match none
(the names share one "(?:^|/)" and the extensions one "\\.", so each position of a path
costs two tests, not one per rule)."""


def sensitive_file(path: str) -> SensitiveFile | None:
    """What kind of secret store ``path`` names, or ``None``."""
    clean = path.rstrip("/")
    if not _ANY.search(clean):
        return None
    if _TEMPLATE.search(clean) or clean.endswith(".pub"):
        return None
    for rule_id, title, severity, needs_content, rx in _NAMES:
        if rx.search(clean):
            return SensitiveFile(clean, rule_id, title, severity, needs_content)
    return None
