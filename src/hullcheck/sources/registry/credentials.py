"""Registry credentials from Docker's client configuration, as ``docker pull`` finds them.

Order for a registry host: ``credHelpers[host]``, then ``credsStore``, then the
``auths`` entry of ``config.json`` (``auth`` = base64 ``user:pass``, ``identitytoken``,
``registrytoken``).  The file is ``$DOCKER_CONFIG/config.json`` or
``~/.docker/config.json`` unless a path is given; podman's ``auth.json``
(``$REGISTRY_AUTH_FILE``, ``$XDG_RUNTIME_DIR/containers/auth.json``) is read as a
fallback.  Helpers run as ``docker-credential-<name> get`` with a timeout.
Secrets are never put in an error message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullcheck.errors import ConfigError, RegistryError
from hullcheck.sources.reference import DOCKER_HUB

HUB_AUTH_KEY = "https://index.docker.io/v1/"
"""The key Docker uses for Docker Hub in ``auths`` and when asking helpers."""

_MAX_CONFIG_BYTES = 4 * 1024 * 1024
_MAX_HELPER_OUTPUT = 1024 * 1024
_HELPER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HUB_HOSTS = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"}
)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What to present to a registry; at most one of password or token is used.

    ``identity_token`` is an OAuth2 refresh token (``docker login`` with SSO);
    ``registry_token`` a bearer token to send as is.
    """

    username: str = ""
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)
    registry_token: str = field(default="", repr=False)
    origin: str = ""

    @property
    def has_basic(self) -> bool:
        return bool(self.username and self.password)

    def __repr__(self) -> str:
        kinds = [
            k
            for k, v in (
                ("password", self.password),
                ("identity_token", self.identity_token),
                ("registry_token", self.registry_token),
            )
            if v
        ]
        return f"Credentials(username={self.username!r}, secrets={kinds}, origin={self.origin!r})"


def normalize_host(key: str) -> str:
    """``https://index.docker.io/v1/`` -> ``docker.io``; ``http://h:5000/x`` -> ``h:5000``."""
    host = key.strip()
    if "://" in host:
        host = host.split("://", 1)[1]
    host = host.split("/", 1)[0].lower()
    return DOCKER_HUB if host in _HUB_HOSTS else host


def default_config_paths() -> list[Path]:
    """Docker's config.json first, then podman/containers auth files."""
    paths: list[Path] = []
    docker_dir = os.environ.get("DOCKER_CONFIG")
    paths.append(
        Path(docker_dir) / "config.json" if docker_dir else Path.home() / ".docker" / "config.json"
    )
    auth_file = os.environ.get("REGISTRY_AUTH_FILE")
    if auth_file:
        paths.append(Path(auth_file))
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        paths.append(Path(runtime) / "containers" / "auth.json")
    paths.append(Path.home() / ".config" / "containers" / "auth.json")
    return paths


def _load_config(path: Path) -> dict[str, Any] | None:
    try:
        # O_NONBLOCK: a FIFO planted as config.json must not hang the open (it is refused)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read registry credentials file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ConfigError(f"registry credentials file {path} is not a regular file")
        try:
            data = fh.read(_MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise ConfigError(
                f"cannot read registry credentials file {path}: {exc.strerror}"
            ) from None
    if len(data) > _MAX_CONFIG_BYTES:
        raise ConfigError(f"registry credentials file {path} is larger than 4 MiB")
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ConfigError(f"registry credentials file {path} is not valid JSON") from None
    except RecursionError:
        raise ConfigError(f"registry credentials file {path} is nested too deeply") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"registry credentials file {path} is not a JSON object")
    return doc


def _entry_for(mapping: Any, host: str) -> Any:
    if not isinstance(mapping, Mapping):
        return None
    for key, value in mapping.items():
        if isinstance(key, str) and normalize_host(key) == host:
            return value
    return None


def _from_auths_entry(entry: Any, path: Path, host: str) -> Credentials | None:
    if not isinstance(entry, Mapping):
        return None
    origin = f"{path} (auths)"
    username = entry.get("username") if isinstance(entry.get("username"), str) else ""
    password = entry.get("password") if isinstance(entry.get("password"), str) else ""
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ConfigError(
                f"registry credentials file {path}: the 'auth' of {host} is not base64 user:pass"
            ) from None
        user, sep, secret = decoded.partition(":")
        if not sep:
            raise ConfigError(
                f"registry credentials file {path}: the 'auth' of {host} is not base64 user:pass"
            )
        username, password = user, secret
    identity = entry.get("identitytoken")
    registry_token = entry.get("registrytoken")
    creds = Credentials(
        username=str(username or ""),
        password=str(password or ""),
        identity_token=identity if isinstance(identity, str) else "",
        registry_token=registry_token if isinstance(registry_token, str) else "",
        origin=origin,
    )
    if creds.has_basic or creds.identity_token or creds.registry_token:
        return creds
    return None


def run_credential_helper(name: str, host: str, timeout: float) -> Credentials | None:
    """Ask ``docker-credential-<name>`` for ``host``; ``None`` when it has nothing."""
    if not _HELPER_NAME.fullmatch(name):
        raise ConfigError(f"credential helper name {name[:64]!r} is not valid")
    server = HUB_AUTH_KEY if host == DOCKER_HUB else host
    program = f"docker-credential-{name}"
    try:
        proc = subprocess.run(
            [program, "get"],
            input=server.encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise RegistryError(
            f"credential helper {program} for {host} is not on PATH (see credHelpers/credsStore)"
        ) from None
    except subprocess.TimeoutExpired:
        raise RegistryError(
            f"credential helper {program} did not answer for {host} within {timeout:g}s"
        ) from None
    except OSError as exc:
        raise RegistryError(f"cannot run credential helper {program}: {exc.strerror}") from None
    out = proc.stdout[:_MAX_HELPER_OUTPUT]
    if proc.returncode != 0:
        text = (out + proc.stderr[:4096]).decode("utf-8", "replace")
        if "credentials not found" in text.lower():
            return None
        # The helper's own output may echo the secret: report only its first line, cut short.
        first = text.strip().splitlines()[0][:120] if text.strip() else "no output"
        raise RegistryError(
            f"credential helper {program} failed for {host} (exit {proc.returncode}): {first}"
        )
    try:
        doc = json.loads(out)
    except (ValueError, UnicodeDecodeError):
        raise RegistryError(
            f"credential helper {program} returned invalid JSON for {host}"
        ) from None
    if not isinstance(doc, dict):
        raise RegistryError(f"credential helper {program} returned invalid JSON for {host}")
    user = doc.get("Username")
    secret = doc.get("Secret")
    if not isinstance(user, str) or not isinstance(secret, str) or not secret:
        return None
    origin = f"credential helper {program}"
    if user == "<token>":
        return Credentials(identity_token=secret, origin=origin)
    return Credentials(username=user, password=secret, origin=origin)


def find_credentials(
    host: str,
    config_path: Path | None = None,
    helper_timeout: float = 10.0,
) -> Credentials | None:
    """The credentials Docker would use for ``host`` (``docker.io`` or ``host[:port]``)."""
    host = normalize_host(host)
    paths = [config_path] if config_path is not None else default_config_paths()
    for path in paths:
        doc = _load_config(path)
        if doc is None:
            if config_path is not None:
                raise ConfigError(f"registry credentials file {path} does not exist")
            continue
        helper = _entry_for(doc.get("credHelpers"), host)
        store = doc.get("credsStore")
        for name in (helper, store):
            if isinstance(name, str) and name:
                creds = run_credential_helper(name, host, helper_timeout)
                if creds is not None:
                    return creds
                break
        creds = _from_auths_entry(_entry_for(doc.get("auths"), host), path, host)
        if creds is not None:
            return creds
    return None
