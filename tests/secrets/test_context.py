"""``scan_text``: Dockerfile values, RUN lines, history, image config, with a known key."""

from __future__ import annotations

import pytest

from hullcheck.secrets import SecretScanner, is_secret_key

from .corpus import checksummed

SCANNER = SecretScanner()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("DB_PASSWORD", "hunter2x9"),
        ("MYSQL_ROOT_PASSWORD", "root"),
        ("POSTGRES_PASSWORD", "s3cret!"),
        ("JWT_SECRET", "my-app-jwt-signing"),
        ("API_KEY", "a8f3k2l9"),
        ("DJANGO_SECRET_KEY", "x(8)vq!2p#mz"),
        ("SECRET_KEY_BASE", "abcdef0123456789abcdef"),
        ("npmAuthToken", "q8v7z6x5w4"),
        ("REDIS_PASS", "pa55word"),
        ("GPG_PASSPHRASE", "correct horse battery staple"),
    ],
)
def test_secret_named_variable_with_literal_value_is_found(key: str, value: str) -> None:
    [m] = SCANNER.scan_text(value, path="Dockerfile", line=7, key=key)
    assert m.rule.id == "secret-in-variable"
    assert (m.line, m.key) == (7, key)
    assert m.secret_text == value
    assert value not in m.redacted


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("PASSWORD_FILE", "/run/secrets/db"),
        ("TOKEN", ""),
        ("GITHUB_TOKEN", "${GITHUB_TOKEN}"),
        ("NPM_TOKEN", "$NPM_TOKEN"),
        ("API_KEY", "changeme"),
        ("API_KEY", "<your-api-key>"),
        ("DB_PASSWORD", "$(cat /run/secrets/db)"),
        ("PASSWORD_MIN_LENGTH", "12"),
        ("TOKEN_URL", "https://auth.example.com/token"),
        ("SECRET_NAME", "prod-db"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("KEY", "value123"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
        ("PATH", "/usr/local/bin:/usr/bin"),
        ("TOKEN", "set this at run time with docker run -e TOKEN"),
    ],
)
def test_pointer_placeholder_or_unrelated_variable_is_quiet(key: str, value: str) -> None:
    assert SCANNER.scan_text(value, path="Dockerfile", line=3, key=key) == []


def test_vendor_rule_wins_over_context_rule() -> None:
    token = checksummed("ghp_")
    [m] = SCANNER.scan_text(token, path="Dockerfile", line=2, key="GITHUB_TOKEN")
    assert m.rule.id == "github-token"
    assert m.line == 2


def test_run_line_with_credentials_on_the_command_line() -> None:
    text = "curl -fsSL -u deploy:Zq8wLm3x https://nexus/x && mysql --password=Xy7zz9pq -e 'x'"
    ids = [m.rule.id for m in SCANNER.scan_text(text, path="Dockerfile", line=10)]
    assert ids == ["curl-user-password", "cli-password-flag"]


def test_history_created_by_with_url_password() -> None:
    created_by = "/bin/sh -c git clone https://bot:Gh7pLq2xZw@git.corp/app.git /src"
    [m] = SCANNER.scan_text(created_by, path="history[3]")
    assert m.rule.id == "url-password"
    assert m.secret_text == "Gh7pLq2xZw"


def test_multiline_text_shifts_line_numbers() -> None:
    token = checksummed("npm_")
    [m] = SCANNER.scan_text(f"echo a && \\\n  echo {token}", path="Dockerfile", line=20)
    assert m.line == 21


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("db.password", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("STRIPE_API_KEY", True),
        ("PASSWORD_FILE", False),
        ("TOKEN_PATH", False),
        ("PRIMARY_KEY", False),
        ("KEY", False),
        ("SSH_KEY_DIR", False),
        ("GPG_KEY", False),
        ("passwordless", False),
    ],
)
def test_is_secret_key(name: str, expected: bool) -> None:
    assert is_secret_key(name) is expected
