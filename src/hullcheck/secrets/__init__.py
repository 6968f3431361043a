"""The secrets engine: rules as data, keyword prefilter, redaction; used by lint and scan.

Public API (everything a caller needs)::

    from hullcheck.secrets import SecretScanner, to_finding, sensitive_file

    scanner = SecretScanner()                      # or config.from_mapping(...).scanner()
    if scanner.wants(path, size):                  # counts skipped files by reason
        for match in scanner.scan(data, path=path):
            finding = to_finding(match, location=image_location(match, layer=d, layer_index=i))
    scanner.scan_text("hunter2x9", path="Dockerfile", line=4, key="DB_PASSWORD")
    scanner.stats.to_json()                        # what was scanned and skipped

    dockerfile_scanner(scanner)(path, text)        # lint: (path, text) -> findings
    scan_image_config(scanner, env=..., labels=..., history=...)   # image config
    hullcheck.secrets.subscriber.SecretsSubscriber # scan: the layer walker's subscriber
"""

from hullcheck.secrets.allowlist import Allowlist
from hullcheck.secrets.builtin import BUILTIN_RULES
from hullcheck.secrets.config import SecretsConfig, from_mapping, load_gitleaks
from hullcheck.secrets.dockerfile import dockerfile_scanner
from hullcheck.secrets.filenames import SensitiveFile, sensitive_file
from hullcheck.secrets.findings import image_location, sensitive_file_finding, to_finding
from hullcheck.secrets.imageconfig import scan_image_config
from hullcheck.secrets.keys import is_secret_key
from hullcheck.secrets.rules import Rule
from hullcheck.secrets.scanner import ScanStats, SecretMatch, SecretScanner

__all__ = [
    "BUILTIN_RULES",
    "Allowlist",
    "Rule",
    "ScanStats",
    "SecretMatch",
    "SecretScanner",
    "SecretsConfig",
    "SensitiveFile",
    "dockerfile_scanner",
    "from_mapping",
    "image_location",
    "is_secret_key",
    "load_gitleaks",
    "scan_image_config",
    "sensitive_file",
    "sensitive_file_finding",
    "to_finding",
]
