"""The scanner API: skips and their counts, redaction, fingerprints, findings, allow-lists."""

from __future__ import annotations

import json

import pytest

from hullcheck.model import Location, Practice, Severity
from hullcheck.secrets import Allowlist, SecretScanner, to_finding
from hullcheck.secrets.findings import image_location
from hullcheck.secrets.scanner import is_binary

from .corpus import JWT, checksummed, pem

TOKEN = checksummed("ghp_")


def test_binary_and_oversized_files_are_skipped_and_counted() -> None:
    scanner = SecretScanner(max_bytes=1000, scan_binaries=False)
    assert scanner.scan(b"\x7fELF\x00\x00" + TOKEN.encode(), path="/bin/x") == []
    assert scanner.scan(TOKEN.encode() + b" " * 2000, path="/big.txt") == []
    assert scanner.stats.skipped_files == {"binary": 1, "too-large": 1}
    assert scanner.stats.files_scanned == 0


def test_binary_files_get_only_the_unmistakable_rules() -> None:
    scanner = SecretScanner()
    elf = b"\x7fELF\x02\x01\x00\x00" + b"\x00" * 64
    blob = elf + TOKEN.encode() + b"\x00" + b'password = "hunter2x9Q"\x00' + JWT.encode()
    assert [m.rule.id for m in scanner.scan(blob, path="/usr/local/bin/app")] == ["github-token"]
    assert scanner.stats.binary_files_scanned == 1
    assert scanner.stats.files_scanned == 0


def test_wants_counts_docs_and_extension_skips() -> None:
    scanner = SecretScanner()
    assert not scanner.wants("/usr/share/doc/pkg/README", 10)
    assert not scanner.wants("/usr/share/man/man1/ls.1.gz", 10)
    assert not scanner.wants("/app/logo.png", 10)
    assert scanner.wants("/usr/share/app/config.json", 10)
    assert scanner.wants("/etc/passwd", 10)
    summary = scanner.stats.to_json()["skipped"]
    assert summary == {
        "binary-extension": {"files": 1, "bytes": 10},
        "package-docs": {"files": 2, "bytes": 20},
    }


def test_third_party_test_data_is_skipped_and_counted() -> None:
    scanner = SecretScanner()
    for path in (
        "/usr/lib/python3/dist-packages/requests/tests/certs/server.key",
        "/app/node_modules/jsonwebtoken/test/priv.pem",
        "/usr/lib/google-cloud-sdk/platform/gsutil/third_party/urllib3/dummyserver/certs/a.key",
        "/usr/lib/python3.11/test/keycert.pem",
        "/usr/share/go-1.19/src/crypto/tls/example_test.go",
        "/usr/lib/google-cloud-sdk/lib/third_party/kubernetes/config/kube_config_test.py",
        "/app/node_modules/pkg/lib/auth.spec.js",
    ):
        assert not scanner.wants(path, 100), path
    assert scanner.stats.skipped_files["package-tests"] == 7
    # the application's own tests are read
    assert scanner.wants("/app/tests/.env", 100)
    assert scanner.wants("/srv/app/test/settings.py", 100)
    assert scanner.wants("/app/auth_test.py", 100)


def test_is_binary() -> None:
    assert is_binary(b"abc\x00def")
    assert is_binary(bytes(range(1, 32)) * 10)
    assert not is_binary("héllo wörld\n\ttabs".encode())
    assert not is_binary(b"")


def test_redaction_never_reveals_more_than_a_prefix() -> None:
    scanner = SecretScanner()
    [m] = scanner.scan(f"t={TOKEN}\n".encode(), path="/a")
    assert m.redacted == "ghp_****(40 chars)"
    assert TOKEN not in repr(m)
    [pw] = scanner.scan(b'db_password = "hunter2x9Q"\n', path="/app/s.py")
    assert pw.redacted == "****(10 chars)"


def test_fingerprint_is_stable_and_location_specific() -> None:
    scanner = SecretScanner()
    a = scanner.scan(f"{TOKEN}\n".encode(), path="/a")[0]
    b = scanner.scan(f"{TOKEN}\n".encode(), path="/a")[0]
    c = scanner.scan(f"\n{TOKEN}\n".encode(), path="/a")[0]
    assert a.fingerprint == b.fingerprint
    assert a.fingerprint != c.fingerprint
    assert a.fingerprint.startswith("/a:github-token:1:")
    assert TOKEN not in a.fingerprint


def test_to_finding_shape_and_redaction() -> None:
    scanner = SecretScanner()
    [m] = scanner.scan(f"x\nAuthorization: Bearer {JWT}\n".encode(), path="/app/req.log")
    finding = to_finding(m, location=image_location(m, layer="sha256:ab", layer_index=1))
    doc = finding.to_json()
    assert doc["rule"] == "jwt"
    assert doc["practice"] == Practice.SECRETS.value
    assert doc["severity"] == Severity.MEDIUM.value
    assert doc["location"] == {
        "line": 2,
        "end_line": 2,
        "layer": "sha256:ab",
        "layer_index": 1,
        "file": "/app/req.log",
    }
    assert doc["fingerprint"] == m.fingerprint
    assert JWT not in json.dumps(doc)
    assert doc["secret"] == f"eyJ****({len(JWT)} chars)"
    shown = to_finding(m, show_secret=True).to_json()
    assert shown["secret"] == JWT
    assert to_finding(m).location == Location(path="/app/req.log", line=2, end_line=2)


def test_multiline_private_key_spans_lines() -> None:
    key = pem("RSA PRIVATE KEY", 640)
    [m] = SecretScanner().scan(("# header\n" + key).encode(), path="/k")
    assert (m.line, m.end_line) == (2, 2 + key.count("\n") - 1)
    assert m.redacted.startswith("****(")


def test_allowlist_by_path_regex_stopword_and_fingerprint() -> None:
    data = f"{TOKEN}\n".encode()
    fp = SecretScanner().scan(data, path="/a")[0].fingerprint
    cases = [
        Allowlist.build(paths=[r"^/a$"]),
        Allowlist.build(regexes=["^ghp_"]),
        Allowlist.build(stopwords=[TOKEN[4:12]]),
        Allowlist.build(fingerprints=[fp]),
        Allowlist.build(paths=["^/a$"], rules=["github-token"]),
    ]
    for allow in cases:
        scanner = SecretScanner(allowlist=allow)
        assert scanner.scan(data, path="/a") == []
        assert sum(scanner.stats.allowlisted.values()) == 1
    other_rule = SecretScanner(allowlist=Allowlist.build(paths=["^/a$"], rules=["jwt"]))
    assert len(other_rule.scan(data, path="/a")) == 1
    assert SecretScanner(allowlist=Allowlist.build(paths=["^/a$"])).wants("/a", 1) is False


def test_many_keyword_hits_fall_back_to_whole_file() -> None:
    data = ("token " * 10000 + f'\napi_token = "{TOKEN}"\n').encode()
    ids = {m.rule.id for m in SecretScanner().scan(data, path="/app/x.py")}
    assert "github-token" in ids


def test_token_in_longer_word_is_not_matched() -> None:
    data = f"prefix{TOKEN}suffix\n".encode()
    assert SecretScanner().scan(data, path="/a") == []


def test_docs_rule_table_is_current() -> None:
    from pathlib import Path

    from hullcheck.secrets.ruledoc import rule_table

    doc = (Path(__file__).resolve().parents[2] / "docs" / "secrets.md").read_text()
    block = doc.split("<!-- rules:start -->\n", 1)[1].split("<!-- rules:end -->", 1)[0]
    assert block == rule_table(), "regenerate: PYTHONPATH=src python -m hullcheck.secrets.ruledoc"


HOSTILE_UNITS = [
    b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 40 + b"\n",
    b'password = "a1b2c3d4e5"\n',
    b'password = "changeme12"\n',
    b"https://u:p4ssw0rd@h/ ",
    b"AKIAAAAAAAAAAAAAAAAA ",
    b"kind: Secret\ndata:\n" + b"  k: Y2hhbmdlbWU=\n" * 10,
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("unit", HOSTILE_UNITS, ids=range(len(HOSTILE_UNITS)))
def test_hostile_repetition_stays_linear_and_bounded(unit: bytes) -> None:
    # 2 MB of one candidate repeated: per-match work must not rescan the file
    # (quadratic line counting, unterminated PEM blocks) and matches are capped
    scanner = SecretScanner()
    data = unit * (2_000_000 // len(unit))
    matches = scanner.scan(data, path="/app/x.env")
    assert len(matches) <= 1000
    if len(matches) == 1000:
        assert scanner.stats.truncated_files == 1
        assert matches[-1].line > 1


def test_vendor_match_suppresses_generic_match_on_same_value() -> None:
    key_id = "AKIA" + "QZ7RXW2TLM5PNB3K"
    [m] = SecretScanner().scan(f'AWS_SECRET_ACCESS_KEY="{key_id}"\n'.encode(), path="/app/x.py")
    assert m.rule.id == "aws-access-key-id"
