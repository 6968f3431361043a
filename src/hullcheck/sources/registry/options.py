"""How a registry is reached: TLS policy, timeouts, retries and where credentials live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hullcheck.errors import InputError

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """Knobs of the registry client; the defaults suit a CI job pulling from a public registry.

    ``insecure`` allows plain HTTP and unverified TLS for every registry,
    ``insecure_registries`` only for those ``host[:port]`` (loopback hosts always may
    use HTTP).  ``timeout`` bounds connecting and each read; ``retries`` is
    how many times a request is repeated after a 429, a 5xx or a dropped connection,
    waiting ``backoff * 2**n`` seconds or what ``Retry-After`` asks, at most
    ``max_retry_wait``.  ``auth_config`` names a Docker ``config.json`` to use instead of
    the usual places; ``username``/``password`` override every file.
    """

    insecure: bool = False
    insecure_registries: frozenset[str] = field(default_factory=frozenset)
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5
    max_retry_wait: float = 30.0
    auth_config: Path | None = None
    username: str | None = None
    password: str | None = None
    helper_timeout: float = 10.0
    max_manifest_bytes: int = 4 * MIB
    max_redirects: int = 5
    user_agent: str = "hullcheck"

    def __repr__(self) -> str:
        # The password must never reach a log line through a repr.
        return (
            f"RegistryOptions(insecure={self.insecure}, timeout={self.timeout}, "
            f"retries={self.retries}, auth_config={self.auth_config}, username={self.username!r})"
        )


_TRUE = frozenset({"1", "true", "yes", "on"})


def _number(extra: Mapping[str, str], key: str, default: float) -> float:
    text = extra.get(key)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"registry option {key}={text[:40]!r} is not a number") from None
    if value < 0:
        raise InputError(f"registry option {key} must not be negative")
    return value


def registry_options_from(options: object | None) -> RegistryOptions:
    """``RegistryOptions`` from what the source dispatcher passes (or the defaults).

    The dispatcher's ``SourceOptions`` carries ``timeout`` and an ``extra`` mapping of
    strings: ``insecure``, ``insecure_registries`` (comma-separated), ``auth_config``,
    ``username``, ``password``, ``retries``.  ``$HULLCHECK_INSECURE_REGISTRIES`` adds
    hosts the way Docker's ``insecure-registries`` setting does.
    """
    if isinstance(options, RegistryOptions):
        return options
    extra_raw = getattr(options, "extra", None)
    extra: Mapping[str, str] = extra_raw if isinstance(extra_raw, Mapping) else {}
    timeout = getattr(options, "timeout", None)
    hosts = ",".join(
        [extra.get("insecure_registries", ""), os.environ.get("HULLCHECK_INSECURE_REGISTRIES", "")]
    )
    auth_config = extra.get("auth_config")
    return RegistryOptions(
        insecure=extra.get("insecure", "").strip().lower() in _TRUE,
        insecure_registries=frozenset(h.strip().lower() for h in hosts.split(",") if h.strip()),
        timeout=float(timeout) if isinstance(timeout, int | float) and timeout > 0 else 30.0,
        retries=int(_number(extra, "retries", 4)),
        auth_config=Path(auth_config) if auth_config else None,
        username=extra.get("username"),
        password=extra.get("password"),
    )
