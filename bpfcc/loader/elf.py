"""Reading BPF ELF objects: sections, symbols and relocations, as plain data (pyelftools underneath)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cached_property

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import SymbolTableSection

EM_NONE, EM_BPF = 0, 247
SHF_EXECINSTR = 0x4
INSN_SIZE = 8
LD_IMM64 = 0x18           # BPF_LD | BPF_IMM | BPF_DW: one instruction in two 8-byte slots
CALL = 0x85               # BPF_JMP | BPF_CALL
PSEUDO_MAP_FD = 1         # src_reg of an ld_imm64 whose imm is a map fd
PSEUDO_CALL = 1           # src_reg of a call to a BPF function (imm is pc-relative)
PSEUDO_FUNC = 4           # src_reg of an ld_imm64 that takes a BPF function's address
R_BPF_64_64 = 1           # ld_imm64 against a symbol (maps, data)
R_BPF_64_32 = 10          # call against a function symbol


class NotBpfObject(Exception):
    """The bytes are not a relocatable little-endian 64-bit BPF ELF object."""


@dataclass(frozen=True)
class Symbol:
    name: str
    value: int
    size: int
    section: int | str    # section index, or "SHN_UNDEF"/"SHN_ABS"...
    type: str             # "STT_FUNC", "STT_OBJECT", "STT_SECTION", "STT_NOTYPE"...
    bind: str             # "STB_GLOBAL", "STB_LOCAL", "STB_WEAK"


@dataclass(frozen=True)
class Relocation:
    offset: int
    type: int
    symbol: Symbol


@dataclass(frozen=True)
class Section:
    index: int
    name: str
    type: str
    flags: int
    size: int
    data: bytes

    @property
    def is_code(self) -> bool:
        return self.type == "SHT_PROGBITS" and bool(self.flags & SHF_EXECINSTR) and bool(self.data)


class BpfElf:
    """A parsed object; raises NotBpfObject for anything a BPF loader could not take."""

    def __init__(self, raw: bytes):
        try:
            elf = ELFFile(io.BytesIO(raw))
            header = elf.header
            if elf.elfclass != 64 or not elf.little_endian:
                raise NotBpfObject("not a 64-bit little-endian ELF object")
            if header["e_type"] != "ET_REL":
                raise NotBpfObject(f"ELF type {header['e_type']}, not a relocatable object")
            if header["e_machine"] not in ("EM_BPF", "EM_NONE"):
                raise NotBpfObject(f"ELF machine {header['e_machine']}, not BPF")
            self.sections = [Section(i, s.name, s["sh_type"], s["sh_flags"], s["sh_size"],
                                     b"" if s["sh_type"] == "SHT_NOBITS" else s.data())
                             for i, s in enumerate(elf.iter_sections())]
            symtab = elf.get_section_by_name(".symtab")
            self.symbols = [Symbol(sym.name, sym["st_value"], sym["st_size"], sym["st_shndx"],
                                   sym["st_info"]["type"], sym["st_info"]["bind"])
                            for sym in symtab.iter_symbols()] if isinstance(symtab, SymbolTableSection) else []
            self._relocations: dict[int, list[Relocation]] = {}
            for sec in elf.iter_sections():
                if isinstance(sec, RelocationSection) and not sec.is_RELA():
                    self._relocations[sec["sh_info"]] = [
                        Relocation(r["r_offset"], r["r_info_type"], self.symbols[r["r_info_sym"]])
                        for r in sec.iter_relocations()]
        except (ELFError, ValueError, IndexError, KeyError) as e:  # pyelftools' ways of failing on garbage
            raise NotBpfObject(f"not a valid ELF object ({e})") from None

    def section(self, name: str) -> Section | None:
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None

    def relocations(self, section: Section) -> list[Relocation]:
        """The relocations that apply to `section`, in file order."""
        return self._relocations.get(section.index, [])

    def symbols_in(self, section: Section, *types: str) -> list[Symbol]:
        return sorted((s for s in self.symbols if s.section == section.index and (not types or s.type in types)),
                      key=lambda s: s.value)

    @cached_property
    def license(self) -> str:
        sec = self.section("license")
        return sec.data.split(b"\0", 1)[0].decode(errors="replace") if sec is not None else ""


def instruction_count(raw: bytes, name: str, *, wide_as_one: bool = False, origin: str = "<memory>") -> int:
    """Instructions of a code section, or of one function (a FUNC symbol) if no section has `name`.

    Counts 8-byte slots by default, so a 16-byte ld_imm64 counts 2: the unit of the kernel's
    instruction count, of llvm-objdump's offsets and of jump offsets.  wide_as_one=True counts
    each ld_imm64 once (what a reader of the disassembly would count).
    """
    elf = BpfElf(raw)
    section = elf.section(name)
    if section is not None:
        code = section.data
    else:
        funcs = [s for s in elf.symbols if s.name == name and s.type == "STT_FUNC"]
        if not funcs:
            raise KeyError(f"{origin}: no section or function named {name!r}")
        sym = funcs[0]
        code = elf.sections[sym.section].data[sym.value:sym.value + sym.size]
    if len(code) % INSN_SIZE:
        raise ValueError(f"{origin}: {name!r} is {len(code)} bytes, not a multiple of {INSN_SIZE}")
    slots = len(code) // INSN_SIZE
    if not wide_as_one:
        return slots
    count, i = 0, 0
    while i < slots:
        i += 2 if code[i * INSN_SIZE] == LD_IMM64 else 1
        count += 1
    return count
