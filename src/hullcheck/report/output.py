"""Writing a rendered report: to stdout, or to a file that never appears half-written."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from hullcheck.errors import InputError


def write_output(text: str, path: str | None = None) -> None:
    """Write ``text`` to stdout (``path`` None or ``-``) or atomically to ``path``.

    The file is written to a temporary sibling and renamed over ``path``, so a reader
    (or a crash) never sees a partial report.
    """
    if path is None or path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"cannot write the report to {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise InputError(f"cannot write the report to {path}: {err.strerror}") from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)  # mkstemp makes 0600; a report is an ordinary file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write the report to {path}: {err.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
