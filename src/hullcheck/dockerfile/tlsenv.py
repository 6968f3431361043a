"""Environment variables that turn TLS or signature checks off, and the values that do.

Shared by lint (``ENV``, inline assignments and ``export`` in RUN: HC5005) and scan (the
image config's ``Env``: HC8415), so both judge a variable the same way.  Keys are upper
case; each test gets the value as written.
"""

from __future__ import annotations

from collections.abc import Callable

TLS_OFF_ENV: dict[str, Callable[[str], bool]] = {
    # git tests only whether the variable is set: "false" and "" turn checks off too
    "GIT_SSL_NO_VERIFY": lambda v: True,
    "NODE_TLS_REJECT_UNAUTHORIZED": lambda v: v == "0",
    "PYTHONHTTPSVERIFY": lambda v: v == "0",
    "PIP_TRUSTED_HOST": bool,
    "NPM_CONFIG_STRICT_SSL": lambda v: v.lower() == "false",
    "CURL_INSECURE": bool,
    "GOINSECURE": bool,
    "GONOSUMDB": bool,
    "GONOSUMCHECK": bool,
    "GOFLAGS": lambda v: "-insecure" in v,
    "GOSUMDB": lambda v: v == "off",
}


def turns_tls_off(name: str, value: str) -> bool:
    """Whether ``name=value`` in a build or run environment disables a TLS/signature check."""
    test = TLS_OFF_ENV.get(name.upper())
    return test is not None and test(value)
