"""Objects with iproute2's legacy maps, loaded with iproute2's semantics (its lib/bpf_legacy.c).

libbpf 1.x refuses a `maps` section, so on this machine `tc` cannot load such objects any more;
this module does what iproute2's own ELF loader did:
- each `struct bpf_elf_map` in section `maps` is one map, named by the global symbol at its
  offset; a section holding fewer bytes per map than the struct is zero-extended (older
  iproute2 headers), more bytes per map is refused;
- `pinning` PIN_GLOBAL_NS pins at <bpffs>/tc/globals/<name>, PIN_OBJECT_NS at
  <bpffs>/tc/<SHA-1 of the object>/<name>; an existing pin is reused if the map it holds has
  the same type, key and value sizes, max_elem and flags, and refused otherwise;
- map-in-map: an ARRAY/HASH_OF_MAPS is created from the map whose `id` is its `inner_id`, and
  every map with an `id` and an `inner_idx` other than -1 is stored at that index in the
  map-in-maps whose `inner_id` is that id;
- every code section is one program, of one program type for the whole object; ld_imm64
  against a map symbol becomes a map fd; calls into `.text` append the functions called (as
  libbpf does; iproute2 appended all of `.text`);
- a program in a section named "<id>/<key>" (C's "%i/%i") is stored at <key> in the PROG_ARRAY
  map whose `id` is <id>: iproute2's tail-call convention;
- `.BTF` is loaded if the kernel takes it (else left out) and each program gets its func and
  line info, so verifier logs show source lines.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from . import btf, syscall
from .elf import (CALL, INSN_SIZE, LD_IMM64, PSEUDO_CALL, PSEUDO_FUNC, PSEUDO_MAP_FD, BpfElf, Section)
from .objects import LoadError, Map, Object, Program
from .syscall import MAP_IN_MAP_TYPES, BpfError, MapType, ProgType

PIN_NONE, PIN_OBJECT_NS, PIN_GLOBAL_NS = 0, 1, 2
ELF_MAP_FIELDS = ("type", "size_key", "size_value", "max_elem", "flags", "id", "pinning", "inner_id", "inner_idx")
ELF_MAP_SIZE = 4 * len(ELF_MAP_FIELDS)   # sizeof(struct bpf_elf_map)
ELF_MAP_MIN_SIZE = 16                    # type, size_key, size_value, max_elem
NO_INNER_IDX = 0xFFFFFFFF                # inner_idx = -1: not to be stored in a map-in-map
GLOBALS_DIR = "globals"

# The sections whose names say a program type; any other program gets tc's default, SCHED_CLS.
SECTION_TYPES = {"classifier": ProgType.SCHED_CLS, "tc": ProgType.SCHED_CLS, "action": ProgType.SCHED_ACT,
                 "xdp": ProgType.XDP}
# iproute2 keeps each program type's pins under a subdirectory; all but tc's are links to tc's.
TYPE_SUBDIRS = ("xdp", "ip")

# C's "%i": optional sign, then hexadecimal (0x), octal (leading 0) or decimal.
_C_INT = r"\s*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))"
_TAIL_CALL_SECTION = re.compile(_C_INT + "/" + _C_INT)


@dataclass(frozen=True)
class ElfMap:
    """One `struct bpf_elf_map`, with its symbol's name and offset in `maps`."""

    name: str
    offset: int
    type: int
    size_key: int
    size_value: int
    max_elem: int
    flags: int
    id: int
    pinning: int
    inner_id: int
    inner_idx: int


def u32(value: int) -> bytes:
    return value.to_bytes(4, "little")


def is_legacy(elf: BpfElf) -> bool:
    """Whether the object declares iproute2 maps, which libbpf 1.x refuses."""
    return elf.section("maps") is not None


def c_int(text: str) -> int:
    """The value of a C "%i" match, as the unsigned 32-bit number sscanf stores."""
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    return (sign * value) & 0xFFFFFFFF


def tail_call_slot(section: str) -> tuple[int, int] | None:
    """(prog array id, key) of an iproute2 tail-call section "<id>/<key>", else None."""
    m = _TAIL_CALL_SECTION.match(section)
    return (c_int(m.group(1)), c_int(m.group(2))) if m else None


def elf_maps(elf: BpfElf, origin: str) -> list[ElfMap]:
    """The maps of section `maps`, in offset order, sized as iproute2 sizes them."""
    sec = elf.section("maps")
    symbols = [s for s in elf.symbols_in(sec, "STT_OBJECT", "STT_NOTYPE") if s.bind == "STB_GLOBAL"]
    if not symbols:
        raise LoadError(f"{origin}: section maps has no global map symbols")
    size = len(sec.data)
    if size % len(symbols) or size % 4:
        raise LoadError(f"{origin}: section maps is {size} bytes for {len(symbols)} map symbols: "
                        "not a whole number of struct bpf_elf_map each")
    map_len = size // len(symbols)
    if sorted(s.value for s in symbols) != list(range(0, size, map_len)):
        raise LoadError(f"{origin}: the map symbols in section maps are not {map_len} bytes apart: "
                        "a different struct bpf_elf_map in use?")
    if map_len > ELF_MAP_SIZE:
        raise LoadError(f"{origin}: struct bpf_elf_map of {map_len} bytes is larger than the {ELF_MAP_SIZE} bytes "
                        "iproute2 knows")
    if map_len < ELF_MAP_MIN_SIZE:
        raise LoadError(f"{origin}: struct bpf_elf_map of {map_len} bytes is smaller than its first four members")
    maps = []
    for sym in symbols:
        fields = struct.unpack(f"<{len(ELF_MAP_FIELDS)}I", sec.data[sym.value:sym.value + map_len].ljust(ELF_MAP_SIZE, b"\0"))
        maps.append(ElfMap(sym.name, sym.value, *fields))
    return maps


def bpffs_tc_dir(bpffs: str | os.PathLike) -> Path:
    """iproute2's layout under a bpffs: tc/ with globals/, and xdp/, ip/ as links to tc/."""
    root = Path(bpffs)
    tc = root / "tc"
    (tc / GLOBALS_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    for sub in TYPE_SUBDIRS:
        link = root / sub
        if not link.exists() and not link.is_symlink():
            link.symlink_to("tc", target_is_directory=True)
    return tc


def load(raw: bytes, elf: BpfElf, origin: str, *, bpffs: str | os.PathLike | None, prog_type: int | None,
         prog_types: Mapping[str, int], only: Iterable[str] | None, log_level: int, log_size: int) -> Object:
    loader = _Loader(raw, elf, origin, bpffs, log_size)
    try:
        return loader.load(prog_type, prog_types, only, log_level)
    except BaseException:
        loader.close()
        raise


class _Loader:
    """One load: the fds it has made so far, closed together."""

    def __init__(self, raw: bytes, elf: BpfElf, origin: str, bpffs: str | os.PathLike | None, log_size: int):
        self.elf = elf
        self.origin = origin
        self.object_uid = hashlib.sha1(raw).hexdigest()   # iproute2's PIN_OBJECT_NS directory
        self.tc_dir = bpffs_tc_dir(bpffs) if bpffs is not None else None
        self.log_size = log_size
        self.fds: list[int] = []
        self.maps_section = elf.section("maps")
        self.text = elf.section(".text")
        self.messages: list[str] = []
        self.btf_fd = self._load_btf()
        self.ext = btf.ext_info(elf) if self.btf_fd is not None else None

    def _load_btf(self) -> int | None:
        """The object's BTF in the kernel, for verifier logs with source lines; as in iproute2,
        an object whose BTF the kernel refuses still loads, without it."""
        data = btf.loadable_btf(self.elf)
        if data is None:
            return None
        log = ctypes.create_string_buffer(self.log_size)
        try:
            return self._keep(syscall.btf_load(data, log))
        except BpfError as e:
            self.messages.append(f"BTF not loaded ({os.strerror(e.errno)}); programs load without it:\n"
                                 f"{log.value.decode(errors='replace')}")
            return None

    def close(self) -> None:
        while self.fds:
            os.close(self.fds.pop())

    def _keep(self, fd: int) -> int:
        self.fds.append(fd)
        return fd

    def load(self, prog_type: int | None, prog_types: Mapping[str, int], only: Iterable[str] | None,
             log_level: int) -> Object:
        elf_maps_ = elf_maps(self.elf, self.origin)
        maps = self._create_maps(elf_maps_)
        programs = self._load_programs(elf_maps_, maps, prog_type, prog_types, only, log_level)
        prog_arrays: dict[int, ElfMap] = {}
        for m in elf_maps_:
            if m.type == MapType.PROG_ARRAY:
                prog_arrays.setdefault(m.id, m)   # iproute2 takes the first map with the id
        for prog in programs.values():
            slot = tail_call_slot(prog.section)
            if slot is None or slot[0] not in prog_arrays:
                continue
            array = prog_arrays[slot[0]]
            try:
                syscall.map_update(maps[array.name].fd, u32(slot[1]), u32(prog.fd))
            except BpfError as e:
                why = "key out of bounds" if e.errno == errno.E2BIG else os.strerror(e.errno)
                raise LoadError(f"{self.origin}: cannot store program {prog.name!r} at key {slot[1]} of "
                                f"tail-call map {array.name!r} (id {slot[0]}): {why}", errno=e.errno) from None
        fds, self.fds = self.fds, []

        def close() -> None:
            for fd in fds:
                os.close(fd)
        return Object(programs, maps, close, log="".join(self.messages))

    # --- maps ---------------------------------------------------------------------------------------

    def _pin_path(self, m: ElfMap) -> Path | None:
        if self.tc_dir is None:
            return None   # iproute2 without a bpffs: no pinning
        if m.pinning == PIN_GLOBAL_NS:
            return self.tc_dir / GLOBALS_DIR / m.name
        if m.pinning == PIN_OBJECT_NS:
            return self.tc_dir / self.object_uid / m.name
        return None       # PIN_NONE, or a custom value without iproute2's bpf_pinning database

    def _pinned(self, m: ElfMap, path: Path | None) -> int | None:
        """The fd of a compatible map already pinned at `path`, None if nothing is pinned there."""
        if path is None:
            return None
        try:
            fd = self._keep(syscall.obj_get(path))
        except BpfError as e:
            if e.errno == errno.ENOENT:
                return None
            raise LoadError(f"{self.origin}: map {m.name!r}: {e.strerror}", errno=e.errno) from None
        info = syscall.map_info(fd)
        pinned = (info.type, info.key_size, info.value_size, info.max_entries, info.map_flags)
        wanted = (m.type, m.size_key, m.size_value, m.max_elem, m.flags)
        if pinned != wanted:
            names = ("type", "key size", "value size", "max elements", "flags")
            diffs = ", ".join(f"{n} {w} (object) != {p} (pin)" for n, w, p in zip(names, wanted, pinned) if w != p)
            raise LoadError(f"{self.origin}: map {m.name!r}: the map pinned at {path} differs from the object's: {diffs}")
        return fd

    def _create(self, m: ElfMap, path: Path | None, inner_fd: int = 0) -> int:
        try:
            fd = self._keep(syscall.map_create(m.name, m.type, m.size_key, 4 if inner_fd else m.size_value,
                                               m.max_elem, m.flags, inner_fd))
        except BpfError as e:
            raise LoadError(f"{self.origin}: {e.strerror} (type {m.type}, key {m.size_key}, value {m.size_value}, "
                            f"max_elem {m.max_elem}, flags {m.flags:#x})", errno=e.errno) from None
        if path is None:
            return fd
        path.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            syscall.obj_pin(fd, path)
        except BpfError as e:
            theirs = self._pinned(m, path) if e.errno == errno.EEXIST else None
            if theirs is None:
                raise LoadError(f"{self.origin}: map {m.name!r}: {e.strerror}", errno=e.errno) from None
            # Pinned by another loader since we looked: use that map, as iproute2 does.
            self.fds.remove(fd)
            os.close(fd)
            return theirs
        return fd

    def _create_maps(self, elf_maps_: list[ElfMap]) -> dict[str, Map]:
        fds: dict[str, int] = {}
        paths = {m.name: self._pin_path(m) for m in elf_maps_}
        outers: list[ElfMap] = []        # map-in-maps created here, after their inner maps
        for m in elf_maps_:
            fd = self._pinned(m, paths[m.name])
            if fd is not None:
                fds[m.name] = fd
            elif m.type in MAP_IN_MAP_TYPES:
                if not m.inner_id:
                    raise LoadError(f"{self.origin}: map {m.name!r} is a map of maps without an inner_id")
                outers.append(m)
            else:
                fds[m.name] = self._create(m, paths[m.name])
        for m in outers:
            inner = next((i for i in elf_maps_ if i.id == m.inner_id and i.name in fds), None)
            if inner is None:
                raise LoadError(f"{self.origin}: map {m.name!r}: no map has id {m.inner_id}, its inner_id")
            fds[m.name] = self._create(m, paths[m.name], inner_fd=fds[inner.name])
        for inner in elf_maps_:
            if not inner.id or inner.inner_id or inner.inner_idx == NO_INNER_IDX:
                continue
            for m in outers:
                if m.inner_id != inner.id:
                    continue
                try:
                    syscall.map_update(fds[m.name], inner.inner_idx.to_bytes(m.size_key, "little"),
                                       u32(fds[inner.name]))
                except BpfError as e:
                    raise LoadError(f"{self.origin}: cannot store map {inner.name!r} at index {inner.inner_idx} of map "
                                    f"{m.name!r}: {e.strerror}", errno=e.errno) from None
        return {m.name: Map(name=m.name, fd=fds[m.name], type=m.type, key_size=m.size_key,
                            value_size=4 if m.type in MAP_IN_MAP_TYPES else m.size_value, max_entries=m.max_elem,
                            pin_path=str(paths[m.name]) if paths[m.name] is not None else None)
                for m in elf_maps_}

    # --- programs -----------------------------------------------------------------------------------

    def _object_type(self, sections: list[Section], prog_type: int | None) -> int:
        """One type for every program, as iproute2 loads them: the caller's, else the sections'."""
        if prog_type is not None:
            return prog_type
        named = {SECTION_TYPES[s.name] for s in sections if s.name in SECTION_TYPES}
        if len(named) > 1:
            raise LoadError(f"{self.origin}: sections of different program types "
                            f"({', '.join(ProgType(t).name for t in sorted(named))}); pass prog_type")
        return named.pop() if named else ProgType.SCHED_CLS

    def _load_programs(self, elf_maps_: list[ElfMap], maps: dict[str, Map], prog_type: int | None,
                       prog_types: Mapping[str, int], only: Iterable[str] | None, log_level: int) -> dict[str, Program]:
        sections = [s for s in self.elf.sections if s.is_code and s.name != ".text"]
        wanted = set(only) if only is not None else None
        tail_ids = {m.id for m in elf_maps_ if m.type == MapType.PROG_ARRAY}
        object_type = self._object_type(sections, prog_type)
        map_fds = {m.offset: maps[m.name].fd for m in elf_maps_}
        programs = {}
        for sec in sections:
            name = self._program_name(sec)
            slot = tail_call_slot(sec.name)
            is_tail_call = slot is not None and slot[0] in tail_ids
            if wanted is not None and not is_tail_call and name not in wanted and sec.name not in wanted:
                continue
            ptype = prog_types.get(name, prog_types.get(sec.name, object_type))
            insns, regions = self._link(sec, map_fds)
            fd, log = self._load_program(name, sec.name, ptype, insns, log_level, self._program_btf(regions))
            programs[name] = Program(name=name, section=sec.name, fd=fd, type=ptype, verifier_log=log)
        return programs

    def _program_name(self, sec: Section) -> str:
        funcs = self.elf.symbols_in(sec, "STT_FUNC")
        if len({f.value for f in funcs}) > 1:
            raise LoadError(f"{self.origin}: section {sec.name!r} holds {len(funcs)} functions "
                            f"({', '.join(f.name for f in funcs)}); iproute2 loads one program per section")
        return funcs[0].name if funcs else sec.name

    def _program_btf(self, regions: list[tuple[str, int, int, int]]) -> syscall.ProgBtf | None:
        if self.ext is None:
            return None
        funcs, lines = self.ext
        return syscall.ProgBtf(self.btf_fd, funcs.rec_size, funcs.for_program(regions),
                               lines.rec_size, lines.for_program(regions))

    def _load_program(self, name: str, section: str, ptype: int, insns: bytes, log_level: int,
                      prog_btf: syscall.ProgBtf | None) -> tuple[int, str]:
        log = ctypes.create_string_buffer(self.log_size) if log_level else None
        try:
            fd = self._keep(syscall.prog_load(name, ptype, insns, self.elf.license, log_level, log, prog_btf))
        except BpfError as e:
            raise self._rejected(name, section, ptype, insns, prog_btf, e, log) from None
        return fd, log.value.decode(errors="replace") if log is not None else ""

    def _rejected(self, name: str, section: str, ptype: int, insns: bytes, prog_btf: syscall.ProgBtf | None,
                  error: BpfError, log: ctypes.Array | None) -> LoadError:
        """The error for a program the kernel refused, with the verifier's log (loading again for it)."""
        if log is None:
            log = ctypes.create_string_buffer(self.log_size)
            try:
                os.close(syscall.prog_load(name, ptype, insns, self.elf.license, 1, log, prog_btf))
            except BpfError:
                pass
        text = log.value.decode(errors="replace")
        return LoadError(f"{self.origin}: program {name!r} (section {section!r}) rejected: "
                         f"{os.strerror(error.errno)}", f"--- verifier log of {name} ---\n{text}" if text else "",
                         verifier_logs={name: text} if text else None, errno=error.errno)

    def _text_function(self, offset: int) -> tuple[int, int]:
        """The [start, end) bytes of the `.text` function holding `offset` (all of .text without symbols)."""
        for f in self.elf.symbols_in(self.text, "STT_FUNC"):
            if f.value <= offset < f.value + f.size:
                return f.value, f.value + f.size
        if offset < len(self.text.data) and not self.elf.symbols_in(self.text, "STT_FUNC"):
            return 0, len(self.text.data)
        raise LoadError(f"{self.origin}: call to offset {offset} of .text, where no function is")

    def _link(self, sec: Section, map_fds: dict[int, int]) -> tuple[bytes, list[tuple[str, int, int, int]]]:
        """The section's instructions with map fds in place and the `.text` functions it calls
        appended, and where each piece came from: (section, start, end, byte offset in the result)."""
        code = bytearray(sec.data)
        placed: dict[int, int] = {}   # .text function start -> its first instruction in `code`
        regions = [(sec, 0, len(sec.data), 0)]   # (section, start, end, where it sits in `code`)
        for src, start, end, dest in regions:   # grows as calls place more .text functions
            relocs = {r.offset: r for r in self.elf.relocations(src) if start <= r.offset < end}
            for off in range(start, end, INSN_SIZE):
                at = dest + off - start
                if off > start and code[at - INSN_SIZE] == LD_IMM64:
                    continue   # the second half of an ld_imm64
                reloc = relocs.get(off)
                if reloc is not None and reloc.symbol.section == self.maps_section.index:
                    self._place_map(code, at, reloc, map_fds)
                    continue
                target = self._text_target(code, at, src, off, reloc)
                if target is None:
                    continue
                fstart, fend = self._text_function(target)
                if fstart not in placed:
                    placed[fstart] = len(code) // INSN_SIZE
                    regions.append((self.text, fstart, fend, len(code)))
                    code += self.text.data[fstart:fend]
                new_index = placed[fstart] + (target - fstart) // INSN_SIZE
                struct.pack_into("<i", code, at + 4, new_index - at // INSN_SIZE - 1)
        return bytes(code), [(src.name, start, end, dest) for src, start, end, dest in regions]

    def _text_target(self, code: bytearray, at: int, src: Section, off: int, reloc) -> int | None:
        """The .text byte offset that the instruction at `code[at]` (`src`+`off`) calls or takes
        the address of, None if it refers to no function; marks an address-taking ld_imm64."""
        opcode, src_reg = code[at], code[at + 1] >> 4
        imm = struct.unpack_from("<i", code, at + 4)[0]
        if reloc is None:   # calls within a section need no relocation; only .text's move
            is_call = opcode == CALL and src_reg == PSEUDO_CALL
            return off + (imm + 1) * INSN_SIZE if is_call and src is self.text else None
        symbol = reloc.symbol
        if self.text is None or symbol.section != self.text.index:
            where = (f"section {self.elf.sections[symbol.section].name}" if isinstance(symbol.section, int)
                     else "undefined here")
            raise LoadError(f"{self.origin}: {src.name}+{off} refers to {symbol.name or where!r} ({where}); "
                            "iproute2's loader relocates only maps and calls into .text")
        if opcode == CALL and src_reg == PSEUDO_CALL:
            return symbol.value + (imm + 1) * INSN_SIZE   # libbpf's rule: symbol + imm + 1 instructions
        if opcode == LD_IMM64:
            code[at + 1] = (code[at + 1] & 0x0F) | PSEUDO_FUNC << 4
            return symbol.value + imm
        raise LoadError(f"{self.origin}: {src.name}+{off} refers to .text but is neither a call nor an ld_imm64")

    def _place_map(self, code: bytearray, at: int, reloc, map_fds: dict[int, int]) -> None:
        """ld_imm64 of a map symbol (plus the addend in imm) becomes ld_imm64 of the map's fd."""
        if code[at] != LD_IMM64:
            raise LoadError(f"{self.origin}: map {reloc.symbol.name!r} is referenced by an instruction "
                            "that is not ld_imm64")
        offset = reloc.symbol.value + struct.unpack_from("<i", code, at + 4)[0]
        if offset not in map_fds:
            raise LoadError(f"{self.origin}: reference to offset {offset} of section maps, where no map starts")
        code[at + 1] = (code[at + 1] & 0x0F) | PSEUDO_MAP_FD << 4
        struct.pack_into("<i", code, at + 4, map_fds[offset])
