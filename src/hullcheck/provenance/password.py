"""Where a key password comes from: ``HULLCHECK_PASSWORD``, ``COSIGN_PASSWORD``, or a prompt.

As cosign does, an empty variable means the empty password (it is set, so no prompt).
Without a variable and without a terminal there is nobody to ask: that is an error, not
a hang.
"""

from __future__ import annotations

import getpass
import os
import sys

from hullcheck.provenance.errors import ProvenanceError

ENV_NAMES = ("HULLCHECK_PASSWORD", "COSIGN_PASSWORD")


def from_environment() -> bytes | None:
    for name in ENV_NAMES:
        value = os.environ.get(name)
        if value is not None:
            return value.encode()
    return None


def read_password(what: str, *, confirm: bool = False) -> bytes:
    """The password for ``what`` (a key file), from the environment or the terminal."""
    value = from_environment()
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise ProvenanceError(
            f"{what}: no password: set HULLCHECK_PASSWORD (or COSIGN_PASSWORD), "
            "or run on a terminal to be asked"
        )
    first = getpass.getpass(f"Password for {what}: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise ProvenanceError("the two passwords differ")
    return first.encode()
