"""An object's `.BTF` made loadable, and its `.BTF.ext` function and line records by section.

Compilers leave two things for the loader in `.BTF`: a DATASEC's size is 0 and its variables'
offsets are 0; libbpf fills them from the ELF section and the symbols, and so does this module.
`.BTF.ext` records give byte offsets within their code section; the loader turns them into
instruction indexes of each program as linked (kernel ABI: struct bpf_func_info and
struct bpf_line_info, whose first member is the instruction index).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

from .elf import INSN_SIZE, BpfElf

BTF_MAGIC = 0xEB9F
KIND_DATASEC = 15
_HEADER = struct.Struct("<HBBIIIII")        # magic, version, flags, hdr_len, type_off/len, str_off/len
_EXT_HEADER = struct.Struct("<HBBIIIII")    # magic, version, flags, hdr_len, func_info off/len, line_info off/len
_TYPE = struct.Struct("<III")               # name_off, info, size/type


def _extra_size(kind: int, vlen: int) -> int:
    """Bytes after struct btf_type for each kind (uapi/linux/btf.h)."""
    if kind in (1, 14, 17):          # INT, VAR, DECL_TAG
        return 4
    if kind == 3:                    # ARRAY
        return 12
    if kind in (4, 5, 15, 19):       # STRUCT, UNION, DATASEC, ENUM64
        return 12 * vlen
    if kind in (6, 13):              # ENUM, FUNC_PROTO
        return 8 * vlen
    return 0


def _string(strings: bytes, offset: int) -> str:
    return strings[offset:strings.index(b"\0", offset)].decode(errors="replace")


def loadable_btf(elf: BpfElf) -> bytes | None:
    """`.BTF` with every DATASEC sized and its variables placed, or None without `.BTF`.
    BTF this module cannot walk goes to the kernel as it is, for the kernel to judge."""
    sec = elf.section(".BTF")
    if sec is None:
        return None
    try:
        return _placed(elf, bytearray(sec.data))
    except (struct.error, ValueError):
        return sec.data


def _placed(elf: BpfElf, data: bytearray) -> bytes:
    """Walk the types; fix every DATASEC in place."""
    _, _, _, hdr_len, type_off, type_len, str_off, str_len = _HEADER.unpack_from(data)
    strings = bytes(data[hdr_len + str_off:hdr_len + str_off + str_len])
    names: dict[int, str] = {}   # type id -> name, for the VARs a DATASEC lists
    pos, end, type_id = hdr_len + type_off, hdr_len + type_off + type_len, 1
    while pos < end:
        name_off, info, _ = _TYPE.unpack_from(data, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        names[type_id] = _string(strings, name_off)
        if kind == KIND_DATASEC:
            _place_datasec(elf, data, pos, names[type_id], vlen, names)
        pos += _TYPE.size + _extra_size(kind, vlen)
        type_id += 1
    return bytes(data)


def _place_datasec(elf: BpfElf, data: bytearray, pos: int, name: str, vlen: int, names: dict[int, str]) -> None:
    section = elf.section(name)
    if section is None:   # .kconfig, .ksyms: libbpf's own; the kernel will say what it thinks
        return
    struct.pack_into("<I", data, pos + 8, section.size)
    symbols = {s.name: s.value for s in elf.symbols_in(section)}
    for i in range(vlen):
        at = pos + _TYPE.size + 12 * i
        var_type = struct.unpack_from("<I", data, at)[0]
        if names.get(var_type) in symbols:
            struct.pack_into("<I", data, at + 4, symbols[names[var_type]])


@dataclass(frozen=True)
class ExtInfo:
    """One kind of `.BTF.ext` records (func_info or line_info): their size, and by code section
    the records, each with its byte offset in the section as first u32."""

    rec_size: int
    by_section: dict[str, list[bytes]]

    def for_program(self, regions: list[tuple[str, int, int, int]]) -> bytes:
        """The records of a program made of `regions` (section, start, end, byte offset in the
        program), with instruction indexes, in order."""
        out = []
        for section, start, end, dest in regions:
            for rec in self.by_section.get(section, ()):
                off = struct.unpack_from("<I", rec)[0]
                if start <= off < end:
                    out.append(struct.pack("<I", (dest + off - start) // INSN_SIZE) + rec[4:])
        return b"".join(sorted(out, key=lambda r: struct.unpack_from("<I", r)[0]))


def ext_info(elf: BpfElf) -> tuple[ExtInfo, ExtInfo] | None:
    """(func_info, line_info) from `.BTF.ext`, or None without it or if it cannot be read."""
    ext, btf = elf.section(".BTF.ext"), elf.section(".BTF")
    if ext is None or btf is None:
        return None
    try:
        return _ext_info(ext.data, btf.data)
    except (struct.error, ValueError):
        return None


def _ext_info(data: bytes, btf: bytes) -> tuple[ExtInfo, ExtInfo] | None:
    magic, _, _, hdr_len, func_off, func_len, line_off, line_len = _EXT_HEADER.unpack_from(data)
    _, _, _, btf_hdr_len, _, _, str_off, str_len = _HEADER.unpack_from(btf)
    strings = btf[btf_hdr_len + str_off:btf_hdr_len + str_off + str_len]
    if magic != BTF_MAGIC:
        return None
    return (_records(data[hdr_len + func_off:hdr_len + func_off + func_len], strings),
            _records(data[hdr_len + line_off:hdr_len + line_off + line_len], strings))


def _records(block: bytes, strings: bytes) -> ExtInfo:
    """A func_info or line_info block: rec_size, then per section (name, count, records)."""
    if not block:
        return ExtInfo(0, {})
    rec_size = struct.unpack_from("<I", block)[0]
    by_section: dict[str, list[bytes]] = {}
    pos = 4
    while pos < len(block):
        name_off, count = struct.unpack_from("<II", block, pos)
        pos += 8
        by_section[_string(strings, name_off)] = [block[pos + i * rec_size:pos + (i + 1) * rec_size]
                                                  for i in range(count)]
        pos += count * rec_size
    return ExtInfo(rec_size, by_section)
