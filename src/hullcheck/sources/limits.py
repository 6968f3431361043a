"""Bounds on everything read from an image: hostile input must not exhaust the machine.

One ``Limits`` value travels with a read.  Every bound has a default generous enough for
real images (the largest public images are a few GB across ~100 layers) and can be
raised from the command line or by a caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hullcheck.errors import ImageError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on manifests, configs, tar headers, inflation, entries and time."""

    max_manifest_bytes: int = 4 * MiB
    """Registries refuse manifests over 4 MiB; so do we (index.json as well)."""
    max_config_bytes: int = 32 * MiB
    max_json_depth: int = 64
    max_index_depth: int = 4
    """How many indexes may nest (index -> index -> manifest is depth 2)."""
    max_layers: int = 1000
    max_layer_bytes: int = 64 * GiB
    """Uncompressed bytes of one layer."""
    max_total_bytes: int = 256 * GiB
    """Uncompressed bytes of the whole image."""
    max_ratio: int = 1000
    """Uncompressed/compressed ratio above which a layer is a decompression bomb (gzip
    cannot exceed ~1032 on any input; zstd can, so it is checked once past ``ratio_grace``)."""
    ratio_grace: int = 128 * MiB
    file_ratio_grace: int = 16 * MiB
    """Content of one file an analyser asked for, gathered before that file's own
    inflation ratio is checked against ``max_ratio``: a zero-filled "executable" inside
    an otherwise ordinary layer is a bomb the layer-wide ratio never sees."""
    spill_bytes: int = 32 * MiB
    """Content of one wanted file above which it is written to an unnamed temporary file
    as it streams (:mod:`hullcheck.sources.spool`) for the analysers that read files by
    offset (programs, jars, rpm databases), instead of being held in memory."""
    max_entries: int = 1_000_000
    """Distinct paths kept in the merged view (beyond: view truncated, reported).  A path
    costs ~0.21 KB of RSS in the walk (bench/read_layers.py --paths); a whole scan of an
    image of 1,000,000 empty files peaks at 230 MiB (docs/security-model.md)."""
    max_header_bytes: int = 1 * MiB
    """Size of one PAX or GNU long-name header."""
    max_path_bytes: int = 64 * KiB
    max_archive_members: int = 100_000
    """Members of an outer archive (docker-archive, tar of an OCI layout)."""
    max_errors: int = 100
    """Distinct per-entry problems reported per image (then only counted)."""
    timeout: float | None = None
    """Seconds the whole read may take (``None``: no limit)."""


class ReadTimeout(ImageError):
    """The read took longer than ``Limits.timeout``."""


class Deadline:
    """A clock started when a read starts; ``check`` raises once the timeout has passed."""

    __slots__ = ("_end", "_timeout")

    def __init__(self, timeout: float | None) -> None:
        self._timeout = timeout
        self._end = None if timeout is None else time.monotonic() + timeout

    def check(self) -> None:
        if self._end is not None and time.monotonic() > self._end:
            raise ReadTimeout(f"reading the image took longer than the {self._timeout:g} s timeout")
