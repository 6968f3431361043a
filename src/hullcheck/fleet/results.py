"""Where fleet results go: one JSON line per reference, written once.

The file is appended to as results arrive (a crash loses nothing already written) and
read back at start, so a fleet scan run again skips what is done: the file, not the
broker, is the record of which images were scanned, and each appears in it once however
often its task ran.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, TextIO

from hullcheck.errors import InputError


class JsonLines:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._out: TextIO | None = None
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(f"{path}: cannot read earlier results ({err})") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                if number == len(lines):  # a last line cut by a crash: scanned again
                    continue
                raise InputError(f"{path}:{number}: not a JSON line") from None
            if isinstance(record, dict) and isinstance(record.get("reference"), str):
                self.done[record["reference"]] = record

    def add(self, record: dict[str, Any]) -> bool:
        """Keep a record; False when its reference already has one (a repeated task)."""
        with self._lock:
            if record["reference"] in self.done:
                return False
            self.done[record["reference"]] = record
            if self.path is not None:
                if self._out is None:
                    self._out = self.path.open("a", encoding="utf-8")
                self._out.write(json.dumps(record, sort_keys=True) + "\n")
                self._out.flush()
            return True

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
