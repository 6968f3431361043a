"""File names that say a file holds secrets, for COPY sources and image paths."""

from __future__ import annotations

import pytest

from hullcheck.model import Location
from hullcheck.secrets import sensitive_file, sensitive_file_finding
from hullcheck.secrets.filenames import _ANY, _NAMES


@pytest.mark.parametrize(
    ("path", "rule_id", "needs_content"),
    [
        ("/root/.ssh/id_rsa", "sensitive-file-ssh-key", False),
        ("id_ed25519", "sensitive-file-ssh-key", False),
        ("/app/.env", "sensitive-file-dotenv", False),
        ("/app/.env.production", "sensitive-file-dotenv", False),
        ("credentials.json", "sensitive-file-credentials", False),
        ("/root/.aws/credentials", "sensitive-file-credentials", False),
        ("/root/.docker/config.json", "sensitive-file-credentials", False),
        ("/app/terraform.tfstate", "sensitive-file-credentials", False),
        ("/certs/server.p12", "sensitive-file-key-store", False),
        ("/certs/server.key", "sensitive-file-key", True),
        ("/certs/server.pem", "sensitive-file-key", True),
    ],
)
def test_sensitive_names(path: str, rule_id: str, needs_content: bool) -> None:
    hint = sensitive_file(path)
    assert hint is not None
    assert (hint.rule_id, hint.needs_content) == (rule_id, needs_content)


@pytest.mark.parametrize(
    "path",
    [
        "/root/.ssh/id_rsa.pub",
        "/app/.env.example",
        "/app/.env.sample",
        "/app/.env.template",
        "/app/environment.py",
        "/etc/passwd",
        "/usr/lib/python3/dist-packages/keyring/credentials.py",
        "/root/.ssh/known_hosts",
    ],
)
def test_harmless_names(path: str) -> None:
    assert sensitive_file(path) is None


def test_sensitive_file_finding() -> None:
    hint = sensitive_file("/root/.ssh/id_rsa")
    assert hint is not None
    doc = sensitive_file_finding(hint, Location(file="/root/.ssh/id_rsa", layer_index=1)).to_json()
    assert doc["rule"] == "sensitive-file-ssh-key"
    assert doc["practice"] == "secrets"
    assert doc["fingerprint"] == "/root/.ssh/id_rsa:sensitive-file-ssh-key"


@pytest.mark.parametrize(
    "path",
    [
        "/root/.ssh/id_rsa",
        "/root/.ssh/ID_RSA",
        "/app/KEYS.P12",
        "/app/secring.gpg",
        "/etc/ssl/private/server.KEY",
        "/app/.env",
        "/app/.ENV",
        "/root/.aws/credentials",
        "/app/Client_Secret.json",
        "/app/client_secret_web.json",
        "/usr/lib/python3/dist-packages/keyring/backend.py",
        "/app/.env.example",
        "/app/id_rsa.pub",
        "/",
    ],
)
def test_one_search_gate_agrees_with_the_rules(path: str) -> None:
    assert bool(_ANY.search(path)) == any(rx.search(path) for *_, rx in _NAMES)
