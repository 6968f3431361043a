"""Credentials are found where Docker looks, helpers are run safely, secrets never leak."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from hullcheck.errors import ConfigError, RegistryError
from hullcheck.sources.registry.challenge import parse_challenges
from hullcheck.sources.registry.credentials import find_credentials, normalize_host


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc))
    return path


def write_helper(bin_dir: Path, name: str, body: str) -> None:
    """A fake ``docker-credential-<name>`` that logs what it was asked."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / f"docker-credential-{name}"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real user config is read: HOME, DOCKER_CONFIG and XDG point into tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "dockercfg"))
    monkeypatch.delenv("REGISTRY_AUTH_FILE", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    (tmp_path / "dockercfg").mkdir()
    return tmp_path


def test_normalize_host() -> None:
    assert normalize_host("https://index.docker.io/v1/") == "docker.io"
    assert normalize_host("registry-1.docker.io") == "docker.io"
    assert normalize_host("http://Reg.Example:5000/v2/") == "reg.example:5000"


def test_auths_from_docker_config_env(isolated: Path) -> None:
    _write(
        isolated / "dockercfg" / "config.json",
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": _b64("hub:pw1")},
                "127.0.0.1:5000": {"auth": _b64("alice:s3cr:et")},
            }
        },
    )
    hub = find_credentials("docker.io")
    assert hub is not None and (hub.username, hub.password) == ("hub", "pw1")
    local = find_credentials("127.0.0.1:5000")
    assert local is not None and (local.username, local.password) == ("alice", "s3cr:et")
    assert find_credentials("ghcr.io") is None
    assert "s3cr" not in repr(local)


def test_identity_token_and_explicit_path(isolated: Path) -> None:
    path = _write(isolated / "other.json", {"auths": {"ghcr.io": {"identitytoken": "refresh-xyz"}}})
    creds = find_credentials("ghcr.io", path)
    assert creds is not None and creds.identity_token == "refresh-xyz"
    assert "refresh-xyz" not in repr(creds)
    with pytest.raises(ConfigError, match="does not exist"):
        find_credentials("ghcr.io", isolated / "missing.json")


def test_podman_auth_file_is_a_fallback(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = _write(isolated / "auth.json", {"auths": {"quay.io": {"auth": _b64("q:pw")}}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(auth))
    creds = find_credentials("quay.io")
    assert creds is not None and creds.username == "q"


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "not a JSON object"),
        (json.dumps({"auths": {"ghcr.io": {"auth": "%%%"}}}), "not base64"),
        (json.dumps({"auths": {"ghcr.io": {"auth": _b64("nocolon")}}}), "not base64"),
    ],
)
def test_broken_config_is_a_clear_error(isolated: Path, doc: str, fragment: str) -> None:
    (isolated / "dockercfg" / "config.json").write_text(doc)
    with pytest.raises(ConfigError, match=fragment):
        find_credentials("ghcr.io")


def test_cred_helper_gets_the_server_url(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = isolated / "bin"
    log = isolated / "asked.txt"
    write_helper(
        bin_dir,
        "fake",
        f'read server; echo "$1 $server" >> {log}\n'
        'if [ "$server" = "https://index.docker.io/v1/" ]; then\n'
        '  echo \'{"ServerURL":"x","Username":"<token>","Secret":"idtok"}\'; exit 0; fi\n'
        'if [ "$server" = "127.0.0.1:5000" ]; then\n'
        '  echo \'{"ServerURL":"x","Username":"bob","Secret":"pw"}\'; exit 0; fi\n'
        "echo 'credentials not found in native keychain'; exit 1\n",
    )
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    _write(
        isolated / "dockercfg" / "config.json",
        {
            "credHelpers": {"127.0.0.1:5000": "fake"},
            "credsStore": "fake",
            "auths": {"ghcr.io": {"auth": _b64("fallback:pw")}},
        },
    )
    local = find_credentials("127.0.0.1:5000")
    assert local is not None and (local.username, local.password) == ("bob", "pw")
    assert "docker-credential-fake" in local.origin
    hub = find_credentials("docker.io")
    assert hub is not None and hub.identity_token == "idtok" and not hub.username
    # The store knows nothing of ghcr.io: the plain auths entry is used.
    ghcr = find_credentials("ghcr.io")
    assert ghcr is not None and ghcr.username == "fallback"
    assert log.read_text().split("\n")[:3] == [
        "get 127.0.0.1:5000",
        "get https://index.docker.io/v1/",
        "get ghcr.io",
    ]


def test_cred_helper_failures(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = isolated / "bin"
    write_helper(bin_dir, "slow", "sleep 30\n")
    write_helper(bin_dir, "broken", "echo 'boom: keychain locked (secret=hunter2)' >&2; exit 3\n")
    write_helper(bin_dir, "garbage", "echo 'not json'\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    cfg = isolated / "dockercfg" / "config.json"
    for name, fragment in [
        ("slow", "did not answer"),
        ("broken", "exit 3"),
        ("garbage", "invalid JSON"),
        ("absent", "not on PATH"),
    ]:
        _write(cfg, {"credsStore": name})
        with pytest.raises(RegistryError, match=fragment) as err:
            find_credentials("ghcr.io", helper_timeout=0.5)
        assert "\n" not in str(err.value)
    _write(cfg, {"credsStore": "../../bin/sh"})
    with pytest.raises(ConfigError, match="not valid"):
        find_credentials("ghcr.io")


def test_parse_challenges() -> None:
    header = (
        'Bearer realm="https://auth.example/token",service="reg,istry",'
        'scope="repository:a/b:pull", Basic realm="x\\"y"'
    )
    bearer, basic = parse_challenges(header)
    assert bearer.scheme == "bearer"
    assert bearer.params == {
        "realm": "https://auth.example/token",
        "service": "reg,istry",
        "scope": "repository:a/b:pull",
    }
    assert basic.scheme == "basic" and basic.params == {"realm": 'x"y'}
    assert parse_challenges("") == []
    assert [c.scheme for c in parse_challenges("Negotiate abc==")] == ["negotiate"]
