"""RPM header blobs, as stored in every rpmdb backend (no lead, no magic): pure Python.

A blob is ``il`` (index entry count) and ``dl`` (data length), both big-endian int32,
then ``il`` 16-byte entries ``(tag, type, offset, count)`` and the ``dl``-byte data store.
Every offset and count is checked against the store; hostile blobs raise ``ValueError``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

MAX_ENTRIES = 65_536
MAX_DATA = 64 * 1024 * 1024

TAG_NAME = 1000
TAG_VERSION = 1001
TAG_RELEASE = 1002
TAG_EPOCH = 1003
TAG_VENDOR = 1011
TAG_LICENSE = 1014
TAG_ARCH = 1022
TAG_SOURCERPM = 1044
TAG_DIRINDEXES = 1116
TAG_BASENAMES = 1117
TAG_DIRNAMES = 1118
TAG_MODULARITYLABEL = 5096

_INT_FORMATS = {2: ("B", 1), 3: (">H", 2), 4: (">I", 4), 5: (">Q", 8)}
_STRING, _BIN, _STRING_ARRAY, _I18NSTRING = 6, 7, 8, 9


@dataclass(frozen=True, slots=True)
class Header:
    """The decoded tags of one header: strings, string lists, integer lists."""

    tags: Mapping[int, str | list[str] | list[int] | bytes]

    def string(self, tag: int) -> str:
        value = self.tags.get(tag)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        return ""

    def integer(self, tag: int) -> int | None:
        value = self.tags.get(tag)
        if isinstance(value, list) and value and isinstance(value[0], int):
            return value[0]
        return None


def _cstring(store: bytes, offset: int) -> tuple[str, int]:
    end = store.find(b"\0", offset)
    if end < 0:
        raise ValueError("unterminated string in rpm header")
    return store[offset:end].decode("utf-8", "replace"), end + 1


def parse_header(blob: bytes) -> Header:
    if len(blob) < 8:
        raise ValueError("rpm header blob too short")
    il, dl = struct.unpack_from(">II", blob, 0)
    if il > MAX_ENTRIES or dl > MAX_DATA:
        raise ValueError("rpm header too large")
    start = 8 + 16 * il
    if len(blob) < start + dl:
        raise ValueError("rpm header truncated")
    store = blob[start : start + dl]
    tags: dict[int, str | list[str] | list[int] | bytes] = {}
    for i in range(il):
        tag, typ, offset, count = struct.unpack_from(">iIiI", blob, 8 + 16 * i)
        if offset < 0 or offset > dl or count > dl + 1:
            continue  # region trailers and hostile entries alike
        if typ == _STRING:
            tags[tag], _ = _cstring(store, offset)
        elif typ in (_STRING_ARRAY, _I18NSTRING):
            items: list[str] = []
            pos = offset
            for _ in range(count):
                text, pos = _cstring(store, pos)
                items.append(text)
            tags[tag] = items
        elif typ in _INT_FORMATS:
            fmt, size = _INT_FORMATS[typ]
            if offset + size * count > dl:
                raise ValueError("rpm header integer out of range")
            tags[tag] = [struct.unpack_from(fmt, store, offset + size * j)[0] for j in range(count)]
        elif typ == _BIN:
            if offset + count > dl:
                raise ValueError("rpm header binary out of range")
            tags[tag] = store[offset : offset + count]
    return Header(tags)
