"""How a registry is reached: TLS policy, timeouts, retries and where credentials live."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """Knobs of the registry client; the defaults suit a CI job pulling from a public registry.

    ``insecure`` allows plain HTTP and unverified TLS for every registry (loopback hosts
    always may use HTTP).  ``timeout`` bounds connecting and each read; ``retries`` is
    how many times a request is repeated after a 429, a 5xx or a dropped connection,
    waiting ``backoff * 2**n`` seconds or what ``Retry-After`` asks, at most
    ``max_retry_wait``.  ``auth_config`` names a Docker ``config.json`` to use instead of
    the usual places; ``username``/``password`` override every file.
    """

    insecure: bool = False
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
