"""The one error family of hullcheck.

Every failure a user can cause (a bad path, a hostile image, an unreadable config, an
unreachable registry) is raised as a ``HullcheckError`` carrying a one-line message meant
for a person.  The CLI prints that line on stderr and exits with code 2; nothing else
ever reaches the user as a traceback.
"""

from __future__ import annotations


class HullcheckError(Exception):
    """A failure the user can understand and act on; ``str(err)`` is one line."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))
        self.message = " ".join(message.split())


class InputError(HullcheckError):
    """A path or argument the tool cannot use (missing, a directory, binary, too big)."""


class ConfigError(HullcheckError):
    """A configuration file that cannot be read or does not make sense."""


class DockerfileError(HullcheckError):
    """A Dockerfile that cannot be parsed (reported as a ``syntax`` finding by lint)."""

    def __init__(self, message: str, line: int = 1, end_line: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.end_line = end_line if end_line is not None else line


class ImageError(HullcheckError):
    """An image that is malformed, hostile, or not what its digests say."""


class RegistryError(ImageError):
    """A registry that refused, failed or misbehaved."""


class DatabaseError(HullcheckError):
    """The vulnerability database is missing, corrupt, or could not be updated."""
