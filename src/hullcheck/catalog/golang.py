"""Go binaries: the module build information the Go linker embeds (``go version -m``).

The ``.go.buildinfo`` section (or, without section headers, the 16-byte-aligned
``\\xff Go buildinf:`` magic) holds the Go version and the module information: the
main module (``mod``), every dependency (``dep``) and replacements (``=>``).  Go 1.18+
stores both strings inline (varint length + bytes); older binaries store pointers to
string headers, resolved through the ELF load segments.  Packages: the main module,
each dependency (a replacement wins, as the binary was built from it), and ``stdlib``
at the Go version, as syft reports them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hullcheck.catalog.base import ByteSource, CatalogContext, Cataloger, MiB
from hullcheck.catalog.elf import Elf, ElfError, is_elf, parse_elf
from hullcheck.catalog.purls import make_purl
from hullcheck.model import FileRef, Package

NAME = "golang"
MAGIC = b"\xff Go buildinf:"
_MAX_STRING = 4 * MiB
_MAX_BLOB = 32 + 2 * (_MAX_STRING + 10)
"""The header and two inline strings with their varint lengths: all a blob can need."""


@dataclass(frozen=True, slots=True)
class Module:
    path: str
    version: str
    sum: str = ""
    replaced_by: Module | None = None


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """What ``go version -m`` prints: Go version, main package path, modules, settings."""

    go_version: str
    path: str
    main: Module | None
    deps: tuple[Module, ...]
    settings: tuple[tuple[str, str], ...]


def wants(path: str) -> bool:
    return False  # Go binaries are found by content: see ``executables=True``


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise ValueError("bad varint in Go build info")


def _inline_string(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = _uvarint(data, pos)
    if length > _MAX_STRING or pos + length > len(data):
        raise ValueError("Go build info string out of range")
    return data[pos : pos + length].decode("utf-8", "replace"), pos + length


def _pointer_string(elf: Elf, addr: int) -> str:
    e, size = elf.endian, elf.ptr_size
    header = elf.read(addr, 2 * size)
    fmt = e + ("QQ" if size == 8 else "II")
    data_addr, length = struct.unpack(fmt, header)
    if length > _MAX_STRING:
        raise ValueError("Go build info string too long")
    return elf.read(data_addr, length).decode("utf-8", "replace") if length else ""


def _find_blob(data: ByteSource, elf: Elf | None) -> bytes | None:
    if elf is not None:
        section = elf.section(".go.buildinfo", _MAX_BLOB)
        if section is not None and section.startswith(MAGIC):
            return section
        if elf.sections:
            return None  # a section table without .go.buildinfo: not a Go binary
    pos = data.find(MAGIC)
    while pos >= 0:
        if pos % 16 == 0:
            return data[pos : pos + _MAX_BLOB]
        pos = data.find(MAGIC, pos + 1)
    return None


def read_build_info(data: ByteSource) -> BuildInfo | None:
    """The build information of a Go binary, ``None`` if it has none."""
    if data.find(MAGIC) < 0:
        # both places the blob may be (the section, or a search) start with the magic:
        # one scan in C spares most programs the parsing of their ELF headers
        return None
    elf: Elf | None = None
    if is_elf(data):
        try:
            elf = parse_elf(data)
        except ElfError:
            elf = None
    blob = _find_blob(data, elf)
    if blob is None or len(blob) < 32:
        return None
    ptr_size, flags = blob[14], blob[15]
    if flags & 0x2:  # Go 1.18+: inline strings after the 32-byte header
        version, pos = _inline_string(blob, 32)
        modinfo, _ = _inline_string(blob, pos)
    else:
        if elf is None or ptr_size not in (4, 8):
            return None
        e = ">" if flags & 0x1 else "<"
        fmt = e + ("QQ" if ptr_size == 8 else "II")
        v_addr, m_addr = struct.unpack_from(fmt, blob, 16)
        version = _pointer_string(elf, v_addr)
        modinfo = _pointer_string(elf, m_addr)
    if not version:
        return None
    # the module text is framed by two 16-byte sentinels
    if len(modinfo) >= 33 and modinfo[-17] == "\n":
        modinfo = modinfo[16:-16]
    return _parse_modinfo(version, modinfo)


def _parse_modinfo(go_version: str, text: str) -> BuildInfo:
    path = ""
    main: Module | None = None
    deps: list[Module] = []
    settings: list[tuple[str, str]] = []
    for line in text.splitlines():
        fields = line.split("\t")
        kind = fields[0]
        if kind == "path" and len(fields) >= 2:
            path = fields[1]
        elif kind in ("mod", "dep") and len(fields) >= 3:
            module = Module(fields[1], fields[2], fields[3] if len(fields) > 3 else "")
            if kind == "mod":
                main = module
            else:
                deps.append(module)
        elif kind == "=>" and len(fields) >= 3:
            replacement = Module(fields[1], fields[2], fields[3] if len(fields) > 3 else "")
            if deps:
                last = deps[-1]
                deps[-1] = Module(last.path, last.version, last.sum, replacement)
            elif main is not None:
                main = Module(main.path, main.version, main.sum, replacement)
        elif kind == "build" and len(fields) >= 2:
            key, _, value = "\t".join(fields[1:]).partition("=")
            settings.append((key, value))
    return BuildInfo(go_version, path, main, tuple(deps), tuple(settings))


def format_go_version_m(info: BuildInfo, name: str) -> str:
    """The text ``go version -m NAME`` prints, for comparison in tests."""
    lines = [f"{name}: {info.go_version}"]
    if info.path:
        lines.append(f"\tpath\t{info.path}")
    for kind, mod in ([("mod", info.main)] if info.main else []) + [("dep", d) for d in info.deps]:
        # as runtime/debug.BuildInfo.String: the sum column only when not replaced
        if mod.replaced_by is None:
            lines.append(f"\t{kind}\t{mod.path}\t{mod.version}\t{mod.sum}")
        else:
            r = mod.replaced_by
            lines.append(f"\t{kind}\t{mod.path}\t{mod.version}")
            lines.append(f"\t=>\t{r.path}\t{r.version}\t{r.sum}")
            lines.append("\t")  # BuildInfo.String ends a replaced module with a blank line
    for key, value in info.settings:
        lines.append(f"\tbuild\t{key}={value}")
    return "\n".join(lines) + "\n"


def _golang_purl(path: str, version: str) -> str:
    namespace, _, name = path.rpartition("/")
    return make_purl("golang", name, version, namespace or None)


def parse(file: FileRef, content: ByteSource, context: CatalogContext) -> list[Package]:
    info = read_build_info(content)
    if info is None:
        return []
    out: list[Package] = []
    modules = ([info.main] if info.main else []) + list(info.deps)
    for index, module in enumerate(modules):
        used = module.replaced_by or module
        if not used.path:
            continue
        out.append(
            Package(
                name=used.path,
                version=used.version,
                type="golang",
                purl=_golang_purl(used.path, used.version),
                files=(file.path,),
                metadata={
                    "go_version": info.go_version,
                    "main_module": index == 0 and info.main is not None,
                    "h1": used.sum,
                    "replaces": module.path if module.replaced_by else "",
                },
            )
        )
    std_version = info.go_version.removeprefix("go").split(" ")[0]
    if std_version and std_version[0].isdigit():
        out.append(
            Package(
                name="stdlib",
                version=info.go_version.split(" ")[0],
                type="golang",
                purl=make_purl("golang", "stdlib", std_version),
                files=(file.path,),
                metadata={"go_version": info.go_version},
            )
        )
    return out


CATALOGER = Cataloger(
    name=NAME,
    wants=wants,
    parse=parse,
    max_size=256 * MiB,
    executables=True,
    parse_spooled=parse,
)
