"""Reading OSV records out of a zip export or a folder, checking each, storing the good ones.

Zip members and files are hostile: sizes, counts and nesting are bounded, symlinks are not
followed, and a member whose CRC does not match fails the whole archive (a corrupt
download must not become a half database).  A record that is not valid JSON/YAML or that
violates the OSV schema is skipped and counted, with the first reasons kept for display.
"""

from __future__ import annotations

import lzma
import os
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hullcheck.errors import DatabaseError
from hullcheck.vulns.osv import MAX_RECORD_BYTES, check_record, load_record
from hullcheck.vulns.store import DatabaseWriter

MAX_MEMBERS = 2_000_000
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(slots=True)
class ImportStats:
    """What one import did: records stored, records skipped and why (first few reasons)."""

    records: int = 0
    skipped: int = 0
    reasons: list[str] = field(default_factory=list)
    ecosystems: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        if len(self.reasons) < 20:
            self.reasons.append(reason[:200])


def iter_zip(path: Path) -> Iterator[tuple[str, bytes]]:
    """(member name, bytes) of every .json/.yaml member; DatabaseError if the zip is bad."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                raise DatabaseError(f"{path.name}: more than {MAX_MEMBERS} members")
            total = 0
            for info in infos:
                if info.is_dir() or not info.filename.lower().endswith(_SUFFIXES):
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    raise DatabaseError(f"{path.name}: member {info.filename[:80]} is too large")
                total += info.file_size
                if total > MAX_TOTAL_BYTES:
                    raise DatabaseError(f"{path.name}: uncompressed size is too large")
                with archive.open(info) as fh:
                    data = fh.read(MAX_RECORD_BYTES + 1)
                if len(data) > MAX_RECORD_BYTES:
                    raise DatabaseError(f"{path.name}: member {info.filename[:80]} is too large")
                yield info.filename, data
    except zipfile.BadZipFile as err:
        raise DatabaseError(f"{path.name}: corrupt zip archive: {err}") from None
    except (zlib.error, lzma.LZMAError) as err:
        # zipfile lets the decompressors' own errors through on corrupt member data
        raise DatabaseError(f"{path.name}: corrupt zip archive: {err}") from None
    except RuntimeError as err:  # an encrypted member
        raise DatabaseError(f"{path.name}: cannot read zip archive: {err}") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError) as err:
        raise DatabaseError(f"{path.name}: cannot read zip archive: {err}") from None


def iter_dir(root: Path) -> Iterator[tuple[str, bytes | None]]:
    """(relative path, bytes) of every .json/.yaml file below ``root``, links not followed;
    ``None`` instead of the bytes of a file too large to be a record."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            if not name.lower().endswith(_SUFFIXES):
                continue
            full = Path(folder) / name
            if full.is_symlink() or not full.is_file():
                continue
            rel = str(full.relative_to(root))
            yield rel, _read_record_file(full)


def _read_record_file(path: Path, *, follow: bool = False) -> bytes | None:
    """The bytes of a regular file, ``None`` past MAX_RECORD_BYTES, read without loading
    more; never opens a FIFO or device, nor (unless ``follow``) a symlink that was swapped
    in since the directory was listed."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise DatabaseError(f"{path}: cannot read: {err.strerror or err}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise DatabaseError(f"{path}: not a regular file")
        try:
            data = fh.read(MAX_RECORD_BYTES + 1)
        except OSError as err:
            raise DatabaseError(f"{path}: cannot read: {err.strerror or err}") from None
    return None if len(data) > MAX_RECORD_BYTES else data


def iter_source(path: Path) -> Iterator[tuple[str, bytes | None]]:
    """Records of a zip export, a folder, or a single .json/.yaml file."""
    if path.is_dir():
        return iter_dir(path)
    if not path.is_file():
        raise DatabaseError(f"{path}: no such file or directory")
    if zipfile.is_zipfile(path):
        return iter_zip(path)
    if path.name.lower().endswith(_SUFFIXES):
        return iter([(path.name, _read_record_file(path, follow=True))])
    raise DatabaseError(f"{path}: not a zip archive, a folder or an OSV .json/.yaml file")


def checked_records(
    entries: Iterable[tuple[str, bytes | None]], stats: ImportStats
) -> Iterator[Any]:
    """The records of ``entries`` that parse and conform to the OSV schema; others counted."""
    for name, data in entries:
        if data is None:
            stats.skip(f"{name}: larger than {MAX_RECORD_BYTES} bytes")
            continue
        try:
            rec = load_record(data, name)
        except DatabaseError as err:
            stats.skip(err.message)
            continue
        reason = check_record(rec)
        if reason:
            stats.skip(f"{name}: {reason}")
            continue
        stats.records += 1
        yield rec


def import_into(
    writer: DatabaseWriter,
    source: str,
    entries: Iterable[tuple[str, bytes | None]],
    *,
    origin: str,
    data_date: str | None = None,
    sha256: str | None = None,
) -> ImportStats:
    """Replace source ``source`` in ``writer`` by the good records of ``entries``.

    The data is as old as its newest record's ``modified``; ``data_date`` is used only
    when no record carries a real one (the embedded Go records have a placeholder).
    """
    stats = ImportStats()
    writer.drop_source(source)
    writer.newest.pop(source, None)
    stats.ecosystems = writer.add_records(source, checked_records(entries, stats))
    data_date = writer.newest.get(source) or data_date
    writer.set_source(
        source,
        origin=origin,
        records=stats.records,
        skipped=stats.skipped,
        ecosystems=stats.ecosystems,
        data_date=data_date,
        sha256=sha256,
    )
    return stats


def import_path(db_path: Path, source_path: Path) -> ImportStats:
    """``hullcheck db update --from PATH``: import local OSV files, replacing that source."""
    source_path = source_path.expanduser()
    entries = iter_source(source_path)
    with DatabaseWriter(db_path) as writer:
        stats = import_into(
            writer, f"file:{source_path.resolve()}", entries, origin=str(source_path)
        )
        writer.commit()
    return stats
