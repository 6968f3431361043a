"""Just enough ELF to find a named section and map virtual addresses (bounded, no deps).

Go's ``.go.buildinfo`` and cargo-auditable's ``.dep-v0`` live in ELF sections; a hostile
file may lie about every offset, so each read is checked against the data's length.
The data is any :class:`~hullcheck.catalog.base.ByteSource`: ``bytes``, or a program too
large to hold, spooled (only the headers and the sections asked for are then read).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from hullcheck.catalog.base import ByteSource

ELF_MAGIC = b"\x7fELF"
MAX_SECTIONS = 4096
MAX_STRTAB = 1 << 20
"""Bytes of the section-name table read (real ones are a few hundred bytes)."""


class ElfError(ValueError):
    """The bytes are not a well-formed ELF file."""


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    addr: int
    offset: int
    size: int
    type: int


@dataclass(frozen=True, slots=True)
class Segment:
    vaddr: int
    offset: int
    filesz: int


@dataclass(frozen=True, slots=True)
class Elf:
    data: ByteSource
    is64: bool
    little: bool
    sections: tuple[Section, ...]
    segments: tuple[Segment, ...]

    @property
    def endian(self) -> str:
        return "<" if self.little else ">"

    @property
    def ptr_size(self) -> int:
        return 8 if self.is64 else 4

    def section(self, name: str, limit: int | None = None) -> bytes | None:
        """The section's bytes (at most ``limit``: its head), None if absent or empty."""
        for sec in self.sections:
            if sec.name == name:
                if sec.type == 8:  # SHT_NOBITS: no bytes in the file
                    return None
                size = sec.size if limit is None else min(sec.size, limit)
                return _slice(self.data, sec.offset, size)
        return None

    def read(self, addr: int, size: int) -> bytes:
        """Bytes at a virtual address, from the load segment (or section) that maps it."""
        for seg in self.segments:
            if seg.vaddr <= addr and addr + size <= seg.vaddr + seg.filesz:
                return _slice(self.data, seg.offset + addr - seg.vaddr, size)
        for sec in self.sections:
            if sec.addr and sec.addr <= addr and addr + size <= sec.addr + sec.size:
                return _slice(self.data, sec.offset + addr - sec.addr, size)
        raise ElfError(f"address {addr:#x} is not mapped")


def is_elf(data: ByteSource) -> bool:
    return data[:4] == ELF_MAGIC


def _slice(data: ByteSource, offset: int, size: int) -> bytes:
    if offset < 0 or size < 0 or offset + size > len(data):
        raise ElfError("offset out of range")
    return data[offset : offset + size]


def _unpack(fmt: str, data: ByteSource, offset: int) -> tuple[Any, ...]:
    return struct.unpack(fmt, _slice(data, offset, struct.calcsize(fmt)))


def parse_elf(data: ByteSource) -> Elf:
    if not is_elf(data) or len(data) < 52:
        raise ElfError("not an ELF file")
    ei_class, ei_data = data[4], data[5]
    if ei_class not in (1, 2) or ei_data not in (1, 2):
        raise ElfError("unknown ELF class or byte order")
    is64, e = ei_class == 2, "<" if ei_data == 1 else ">"
    if is64:
        if len(data) < 64:
            raise ElfError("truncated ELF header")
        phoff, shoff = _unpack(e + "QQ", data, 0x20)
        phentsize, phnum, shentsize, shnum, shstrndx = _unpack(e + "HHHHH", data, 0x36)
    else:
        phoff, shoff = _unpack(e + "II", data, 0x1C)
        phentsize, phnum, shentsize, shnum, shstrndx = _unpack(e + "HHHHH", data, 0x2A)
    segments: list[Segment] = []
    if phoff and phentsize >= (56 if is64 else 32):
        for i in range(min(phnum, MAX_SECTIONS)):
            off = phoff + i * phentsize
            if off + phentsize > len(data):
                break
            if is64:
                p_type, _, p_offset, p_vaddr, _, p_filesz = _unpack(e + "IIQQQQ", data, off)
            else:
                p_type, p_offset, p_vaddr, _, p_filesz = _unpack(e + "IIIII", data, off)
            if p_type == 1:  # PT_LOAD
                segments.append(Segment(p_vaddr, p_offset, p_filesz))
    raw: list[tuple[int, int, int, int, int]] = []
    if shoff and shentsize >= (64 if is64 else 40):
        for i in range(min(shnum, MAX_SECTIONS)):
            off = shoff + i * shentsize
            if off + shentsize > len(data):
                break
            if is64:
                name, typ, _, addr, offset, size = _unpack(e + "IIQQQQ", data, off)
            else:
                name, typ, _, addr, offset, size = _unpack(e + "IIIIII", data, off)
            raw.append((name, typ, addr, offset, size))
    sections: list[Section] = []
    if raw and shstrndx < len(raw):
        _, _, _, str_off, str_size = raw[shstrndx]
        try:
            strtab = _slice(data, str_off, min(str_size, MAX_STRTAB))
        except ElfError:
            strtab = b""
        for name_off, typ, addr, offset, size in raw:
            end = strtab.find(b"\0", name_off)
            name = strtab[name_off:end].decode("ascii", "replace") if end >= 0 else ""
            sections.append(Section(name, addr, offset, size, typ))
    return Elf(data, is64, ei_data == 1, tuple(sections), tuple(segments))
