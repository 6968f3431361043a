"""Writing a rendered report (``-o FILE``): as a shell redirect would, without half-written files.

Every command that writes output goes through :func:`write_output`, so ``-o`` behaves the
same everywhere:

* a regular file (or a new name) is replaced atomically: the text goes to a temporary
  sibling that is renamed over it, so a reader (or a crash) never sees a partial report;
* through a symlink, the link's target is replaced and the link kept (as ``>`` does);
* anything that is not a regular file (a FIFO, ``/dev/null``, ``/dev/stdout``, a process
  substitution's ``/dev/fd/N``, a terminal) is opened and written directly, never
  replaced;
* the resulting mode is what a shell redirect gives: an existing file keeps its mode, a
  new file gets ``0666 & ~umask``.

A target that cannot be written (a missing directory, a directory, no permission) is an
``InputError``: one line, exit 2.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path

from hullcheck.errors import InputError


def write_output(text: str, path: str | os.PathLike[str] | None = None) -> None:
    """Write ``text`` to stdout (``path`` None or ``-``) or to ``path`` as ``> path`` would."""
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_file(Path(path), text.encode("utf-8"))


def write_file(path: Path, data: bytes) -> None:
    """``data`` into ``path`` with shell-redirect semantics (see the module docstring)."""
    shown = str(path)
    try:
        st: os.stat_result | None = os.stat(path)  # follows symlinks: the target decides
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise InputError(f"cannot write the report to {shown}: {err.strerror or err}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot write the report to {shown}: it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_direct(path, data, shown)  # FIFO, device, /dev/fd/N: never replaced
        return
    target = Path(os.path.realpath(path))  # through symlinks: replace the target, keep links
    directory = target.parent
    if not directory.is_dir():
        raise InputError(f"cannot write the report to {shown}: no such directory {directory}")
    if st is not None:
        mode = stat.S_IMODE(st.st_mode)
    else:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise InputError(f"cannot write the report to {shown}: {err.strerror or err}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"cannot write the report to {shown}: {err.strerror or err}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_direct(path: Path, data: bytes, shown: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise InputError(f"cannot write the report to {shown}: {err.strerror or err}") from None
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError as err:
        raise InputError(f"cannot write the report to {shown}: {err.strerror or err}") from None
    finally:
        os.close(fd)
