"""``.hullcheck.yaml`` secrets section and gitleaks TOML import."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hullcheck.errors import ConfigError
from hullcheck.secrets import from_mapping, load_gitleaks
from hullcheck.secrets.config import go_regex_to_python

from .corpus import ALNUM, checksummed, rand

ACME = "acme_" + rand("abcdef0123456789", 32)

YAML = """
secrets:
  disable: [jwt]
  max_size: 2048
  rules:
    - id: acme-token
      title: ACME API token
      regex: 'acme_[a-f0-9]{32}'
      keywords: [ACME_]
      severity: critical
      allowlist:
        regexes: ['^acme_0000']
  allowlist:
    paths: ['^/opt/fixtures/']
    fingerprints: ['/x:github-token:1:deadbeefdeadbeef']
"""


def test_yaml_section_adds_rules_disables_and_allowlists() -> None:
    config = from_mapping(yaml.safe_load(YAML)["secrets"])
    ids = {r.id for r in config.rules}
    assert "acme-token" in ids and "jwt" not in ids
    scanner = config.scanner()
    assert scanner.max_bytes == 2048
    [m] = scanner.scan(f"key={ACME}\n".encode(), path="/app/x")
    assert m.rule.id == "acme-token" and m.rule.severity.value == "critical"
    assert scanner.scan(b"key=acme_0000" + b"a" * 28 + b"\n", path="/app/x") == []
    token = checksummed("ghp_")
    assert scanner.scan(token.encode(), path="/opt/fixtures/t.txt") == []
    assert len(scanner.scan(token.encode(), path="/app/t.txt")) == 1


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"rules": [{"id": "x"}]}, "'regex' is required"),
        ({"rules": [{"id": "x", "regex": "("}]}, "bad regular expression"),
        ({"rules": [{"id": "x", "regex": "a", "severity": "urgent"}]}, "unknown severity"),
        ({"disable": ["no-such-rule"]}, "unknown rule ids"),
        ({"allowlist": {"paths": ["("]}}, "allow-list path"),
        ({"bogus": 1}, "unknown keys bogus"),
        ({"rules": [{"id": "github-token", "regex": "a"}]}, "duplicate rule ids"),
        ({"max_size": -1}, "max_size"),
    ],
)
def test_bad_config_is_one_clear_error(section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        from_mapping(section)


GITLEAKS = r"""
title = "custom"

[extend]
useDefault = true

[[rules]]
id = "internal-token"
description = "Internal service token"
regex = '''(?i)internal[_-]?token\s*=\s*["']?(it_[a-z0-9]{24})'''
keywords = ["it_"]
entropy = 3.0
secretGroup = 1

  [[rules.allowlists]]
  regexes = ['''it_test''']

[[rules]]
id = "mixed-flags"
description = "Go allows (?i) in the middle"
regex = '''token:(?i)ZZ[[:alnum:]]{10}\z'''

[[rules]]
id = "pem-by-name"
description = "path-only rule"
path = '''\.pem$'''

[allowlist]
description = "global"
paths = ['''^/vendor/''']
stopwords = ["dummy"]
"""


def test_gitleaks_rules_and_allowlists(tmp_path: Path) -> None:
    path = tmp_path / ".gitleaks.toml"
    path.write_text(GITLEAKS)
    config = load_gitleaks(path)
    assert [r.id for r in config.rules] == ["gitleaks-internal-token", "gitleaks-mixed-flags"]
    assert config.notes == ("gitleaks rule pem-by-name: path-only rules are not imported",)
    scanner = config.scanner()
    secret = "it_" + rand("abcdefghijklmnopqrstuvwxyz0123456789", 24)
    [m] = scanner.scan(f"INTERNAL_TOKEN={secret}\n".encode(), path="/app/env")
    assert m.secret_text == secret
    assert scanner.scan(b"internal_token = it_test" + b"x" * 21, path="/app/env") == []
    assert scanner.scan(f"internal_token={secret}".encode(), path="/vendor/x") == []
    assert [m.rule.id for m in scanner.scan(b"token:zz" + rand(ALNUM, 10).encode(), path="/a")] == [
        "gitleaks-mixed-flags"
    ]


def test_gitleaks_file_referenced_from_yaml(tmp_path: Path) -> None:
    (tmp_path / "gl.toml").write_text(GITLEAKS)
    config = from_mapping({"gitleaks": "gl.toml"}, base_dir=tmp_path)
    assert "gitleaks-internal-token" in {r.id for r in config.rules}
    assert "github-token" in {r.id for r in config.rules}


def test_bad_gitleaks_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_gitleaks(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rules]\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_gitleaks(bad)


def test_go_regex_translation() -> None:
    assert go_regex_to_python(r"a(?i)b") == r"(?i)ab"
    assert go_regex_to_python(r"[[:digit:]]+\z") == r"[0-9]+\Z"
