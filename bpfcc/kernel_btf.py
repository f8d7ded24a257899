"""Kernel types from BTF: `#include <vmlinux.h>` with no vmlinux.h file to read.

bpftool writes vmlinux.h from a kernel's BTF (`bpftool btf dump file /sys/kernel/btf/vmlinux
format c`): 135,000 lines for Linux 6.18, which cost seconds to preprocess, parse and check.
When no vmlinux.h is on the include path, the preprocessor resolves it to the BTF itself
(/sys/kernel/btf/vmlinux, or the file given with --btf): the parser takes the BTF's typedef
names for type names, and the checker looks up what the program does not declare among the
BTF's typedefs, struct, union and enum tags and enumerators, the names vmlinux.h declares.

`KernelTypes` indexes a BTF blob once (where each type starts, which names it has) and builds
bpfcc's C types from it on demand: a struct's members only when the struct is used, so a
program that uses `struct task_struct` converts the few types it touches, not the kernel's
hundred thousand.  The types are those bpftool's vmlinux.h declares: structs and unions with
preserve_access_index (unless BPF_NO_PRESERVE_ACCESS_INDEX is defined where vmlinux.h is
included), `packed` where the layout needs it, a name that BTF gives two types suffixed
`___2` for the second.  Where bpftool's C loses what BTF says, BTF wins: an enum keeps its
size (a one-byte enum stays one byte, so the structs around it keep the kernel's layout).
"""
from __future__ import annotations

import struct
from dataclasses import replace

from . import ctype

DEFAULT_PATH = "/sys/kernel/btf/vmlinux"
# The pragma the preprocessor puts where it includes vmlinux.h made from BTF (parse, check).
PRAGMA = "bpfcc kernel_types"

_MAGIC = 0xEB9F
_HEADER = struct.Struct("<HBBIIIII")  # magic, version, flags, hdr_len, type_off, type_len, str_off, str_len
_TYPE = struct.Struct("<III")  # name_off, info (vlen, kind, kind_flag), size or type

# BTF kinds (include/uapi/linux/btf.h).
(INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FUNC_PROTO,
 VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64) = range(1, 20)

# Bytes after a type's 12-byte header: a fixed part, and a part per vlen entry.
_FIXED = {INT: 4, ARRAY: 12, VAR: 4, DECL_TAG: 4}
_PER_ENTRY = {STRUCT: 12, UNION: 12, ENUM: 8, FUNC_PROTO: 8, DATASEC: 12, ENUM64: 12}
_TAG_KINDS = frozenset({STRUCT, UNION, ENUM, ENUM64, FWD})


class BtfError(Exception):
    """The file is not BTF this reader understands."""


class KernelTypes:
    """The C types of a BTF blob, by the names vmlinux.h gives them.

    `typedef_names` is every typedef's name, for the parser; `typedef`, `tag` and
    `enumerator` look a name up in C's two namespaces (None if BTF has no such name).
    """

    def __init__(self, data: bytes, path: str, preserve_access_index: bool = True) -> None:
        self.path = path
        self.preserve_access_index = preserve_access_index
        if len(data) < _HEADER.size:
            raise BtfError("too short for a BTF header")
        magic, version, _flags, hdr_len, type_off, type_len, str_off, str_len = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise BtfError("no BTF magic number (0xeb9f) at the start")
        if version != 1:
            raise BtfError(f"BTF version {version} (bpfcc reads version 1)")
        if hdr_len + max(type_off + type_len, str_off + str_len) > len(data):
            raise BtfError("sections run past the end of the file")
        self.data = data
        self.strings = data[hdr_len + str_off: hdr_len + str_off + str_len]
        self._types: dict[int, ctype.Type] = {0: ctype.VOID}
        self._forward: dict[str, ctype.StructDef] = {}  # declared-only records, by "struct x"/"union x"
        self._enumerators: dict[str, int] | None = None  # name → value
        self._enum_values: dict[int, tuple[tuple[str, int], ...]] = {}  # enum type id → its enumerators
        try:
            self._index(hdr_len + type_off, hdr_len + type_off + type_len)
        except (struct.error, ValueError) as exc:  # a type running past the end, a name past the strings
            raise BtfError(f"malformed type section ({exc})") from None

    @classmethod
    def read(cls, path: str, preserve_access_index: bool = True) -> "KernelTypes":
        with open(path, "rb") as f:
            return cls(f.read(), path, preserve_access_index)

    # ---- the index ----------------------------------------------------------------------

    def _index(self, start: int, end: int) -> None:
        """Where each type starts (`offsets`, by type id); typedef and tag names → type ids."""
        data, unpack = self.data, _TYPE.unpack_from
        offsets = self.offsets = [0]
        typedefs: list[tuple[int, int]] = []  # (type id, name offset)
        tags: list[tuple[int, int, bool]] = []  # (type id, name offset, only declared)
        self.enums: list[int] = []  # enums with enumerators, in id order
        offset = start
        while offset < end:
            name_off, info, _ = unpack(data, offset)
            kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
            offsets.append(offset)
            if kind == TYPEDEF:
                typedefs.append((len(offsets) - 1, name_off))
            elif kind in _TAG_KINDS:
                if name_off:
                    tags.append((len(offsets) - 1, name_off, kind == FWD or not (vlen or kind in (STRUCT, UNION))))
                if kind in (ENUM, ENUM64) and vlen:
                    self.enums.append(len(offsets) - 1)
            offset += 12 + _FIXED.get(kind, 0) + _PER_ENTRY.get(kind, 0) * vlen
        if offset != end:
            raise BtfError("the type section does not end where its last type does")
        self.typedef_ids = self._unique((type_id, name_off, False) for type_id, name_off in typedefs)
        self.typedef_names = frozenset(self.typedef_ids)
        self.tag_ids = self._unique(tags)
        self.names = {type_id: name for name, type_id in (*self.typedef_ids.items(), *self.tag_ids.items())}

    def _unique(self, named) -> dict[str, int]:
        """Names → type ids: a name BTF gives twice names the first type, `name___2` the second,
        as bpftool's vmlinux.h has it.  A forward declaration shares the name of its definition."""
        defined: dict[str, int] = {}
        declared: dict[str, int] = {}
        for type_id, name_off, only_declared in named:
            name = self.string(name_off)
            if only_declared:
                declared.setdefault(name, type_id)
                continue
            count, unique = 1, name
            while unique in defined:
                count += 1
                unique = f"{name}___{count}"
            defined[unique] = type_id
        return {**declared, **defined}

    def string(self, offset: int) -> str:
        end = self.strings.index(b"\0", offset)
        return self.strings[offset:end].decode("utf-8", "replace")

    def _header(self, type_id: int) -> tuple[int, int, int, int, int, int]:
        """(offset, name offset, kind, vlen, kind_flag, size or type) of a type."""
        offset = self.offsets[type_id]
        name_off, info, size = _TYPE.unpack_from(self.data, offset)
        return offset, name_off, (info >> 24) & 0x1F, info & 0xFFFF, info >> 31, size

    def _entries(self, offset: int, layout: str, vlen: int):
        size = struct.calcsize(layout)
        return struct.iter_unpack(layout, self.data[offset + 12: offset + 12 + size * vlen])

    # ---- lookups ------------------------------------------------------------------------

    def typedef(self, name: str) -> ctype.Typedef | None:
        type_id = self.typedef_ids.get(name)
        return None if type_id is None else self.type(type_id).typedef

    def tag(self, name: str) -> ctype.StructDef | ctype.IntType | None:
        """What `struct name`, `union name` or `enum name` means: a StructDef, or an enum's type."""
        type_id = self.tag_ids.get(name)
        if type_id is None:
            return None
        t = self.type(type_id)
        return t.defn if isinstance(t, ctype.StructType) else t

    def enumerator(self, name: str) -> int | None:
        if self._enumerators is None:
            self._index_enumerators()
        return self._enumerators.get(name)

    def _index_enumerators(self) -> None:
        """Every enumerator's value; a name BTF has twice is `NAME___2` the second time, as bpftool."""
        self._enumerators = {}
        for type_id in self.enums:
            offset, _, kind, vlen, signed, _ = self._header(type_id)
            values = []
            if kind == ENUM:
                for name_off, value in self._entries(offset, "<Ii" if signed else "<II", vlen):
                    values.append((self.string(name_off), value))
            else:
                for name_off, low, high in self._entries(offset, "<III", vlen):
                    value = high << 32 | low
                    values.append((self.string(name_off), value - (1 << 64) if signed and value >> 63 else value))
            unique_values = []
            for name, value in values:
                count, unique = 1, name
                while unique in self._enumerators:
                    count += 1
                    unique = f"{name}___{count}"
                self._enumerators[unique] = value
                unique_values.append((unique, value))
            self._enum_values[type_id] = tuple(unique_values)

    def adopt(self, defn: ctype.StructDef) -> None:
        """Complete a struct or union the program declared before including vmlinux.h with the
        kernel's definition of its tag, which then is that very type, as C makes them one."""
        type_id = self.tag_ids.get(defn.tag)
        if type_id is None or type_id in self._types:
            return
        _, _, kind, _, _, _ = self._header(type_id)
        if (kind, defn.is_union) in ((STRUCT, False), (UNION, True)):
            self._types[type_id] = ctype.StructType(defn=defn)
            self._lay_out(defn, type_id)

    # ---- types --------------------------------------------------------------------------

    def type(self, type_id: int) -> ctype.Type:
        """The C type of BTF type `type_id` (records are converted without their members)."""
        found = self._types.get(type_id)
        if found is None:
            found = self._types[type_id] = self._convert(type_id)
        return found

    def _convert(self, type_id: int) -> ctype.Type:
        offset, name_off, kind, vlen, flag, size = self._header(type_id)
        if kind == INT:
            return _integer(self.string(name_off), size, self.data[offset + 15] & 0xF)
        if kind == FLOAT:
            return {4: ctype.FLOAT, 8: ctype.DOUBLE}.get(size, ctype.LDOUBLE)
        if kind == PTR:
            return ctype.pointer(self.type(size))
        if kind == ARRAY:
            elem, _, length = struct.unpack_from("<III", self.data, offset + 12)
            return ctype.ArrayType(elem=self.type(elem), length=length)
        if kind in (CONST, VOLATILE):
            return _qualified(self.type(size), const=kind == CONST, volatile=kind == VOLATILE)
        if kind in (RESTRICT, TYPE_TAG):  # neither changes what bpfcc does with the type
            return self.type(size)
        if kind == TYPEDEF:
            target = self.type(size)
            return target.aliased(ctype.Typedef(self.names.get(type_id) or self.string(name_off), target))
        if kind in (STRUCT, UNION, FWD):
            return ctype.StructType(defn=self._record(type_id, name_off, kind, flag, size))
        if kind in (ENUM, ENUM64):
            return self._enum(type_id, name_off, vlen, size)
        if kind == FUNC_PROTO:
            return self._function(offset, vlen, size)
        raise BtfError(f"type {type_id} (kind {kind}) is not a C type")

    def _record(self, type_id: int, name_off: int, kind: int, union_fwd: int, size: int) -> ctype.StructDef:
        is_union = kind == UNION or (kind == FWD and bool(union_fwd))
        tag = self.names.get(type_id) or (self.string(name_off) if name_off else None)
        if kind == FWD:
            defined = self.tag_ids.get(tag)
            if defined is not None and defined != type_id:
                return self.type(defined).defn
            key = f"{'union' if is_union else 'struct'} {tag}"
            if key not in self._forward:
                self._forward[key] = ctype.StructDef(tag, is_union)
            return self._forward[key]
        return _KernelStructDef(tag, is_union, size, lambda defn: self._lay_out(defn, type_id))

    def _lay_out(self, defn: ctype.StructDef, type_id: int) -> None:
        """Members at BTF's offsets; packed as bpftool's C declares it: when a member is not at a
        multiple of its type's alignment, or the size not a multiple of the largest."""
        offset, _, _, vlen, bitfields, size = self._header(type_id)
        members = []
        align, packed = 1, False
        for name_off, member_id, where in self._entries(offset, "<III", vlen):
            width, bit = (where >> 24, where & 0xFFFFFF) if bitfields else (0, where)
            mtype = self.type(member_id)
            if not name_off and mtype.is_struct:  # `const struct {…};`: clang drops an anonymous member's qualifiers
                mtype = mtype.unqualified()
            align = max(align, mtype.align)
            packed = packed or (not width and bit % (8 * mtype.align) != 0)
            members.append((self.string(name_off) if name_off else None, mtype, width, bit))
        packed = packed or size % align != 0
        laid = []
        for name, mtype, width, bit in members:
            if not width:
                laid.append(ctype.Member(name, mtype, bit // 8))
                continue
            # The storage unit ctype.layout_struct gives a bit-field at that bit.
            unit = 8 if packed else mtype.size * 8
            start = 0 if defn.is_union else bit // unit * unit
            laid.append(ctype.Member(name, mtype, start // 8, bit - start, width))
        defn.members = laid
        defn.packed = packed
        defn.align = 1 if packed else align
        defn.attributes = ("packed",) * packed + ("preserve_access_index",) * self.preserve_access_index

    def _enum(self, type_id: int, name_off: int, vlen: int, size: int) -> ctype.IntType:
        """An enum's type as the checker gives a defined one (unsigned unless a value is
        negative), of BTF's size."""
        tag = self.names.get(type_id) or (self.string(name_off) if name_off else None)
        if not vlen:
            defined = self.tag_ids.get(tag)
            if defined is not None and defined != type_id:
                return self.type(defined)
            return replace(ctype.UINT, enum=ctype.EnumDef(tag, None))
        if self._enumerators is None:
            self._index_enumerators()
        values = self._enum_values[type_id]
        negative = any(value < 0 for _, value in values)
        base = {1: (ctype.UCHAR, ctype.SCHAR), 2: (ctype.USHORT, ctype.SHORT),
                4: (ctype.UINT, ctype.INT)}.get(size, (ctype.ULONG, ctype.LONG))[negative]
        return replace(base, enum=ctype.EnumDef(tag, values))

    def _function(self, offset: int, vlen: int, ret: int) -> ctype.FunctionType:
        params = []
        variadic = False
        for name_off, param in self._entries(offset, "<II", vlen):
            if param == 0 and not name_off:  # `...`
                variadic = True
            else:
                params.append(self.type(param))
        return ctype.FunctionType(ret=self.type(ret), params=tuple(params), variadic=variadic)


def _on_demand(name: str) -> property:
    """A StructDef field that lays the record out when first read."""
    def get(self):
        if self._lay_out is not None:
            lay_out, self._lay_out = self._lay_out, None
            lay_out(self)
        return self.__dict__[name]

    def set(self, value):
        self.__dict__[name] = value
    return property(get, set)


class _KernelStructDef(ctype.StructDef):
    """A kernel struct or union whose members are converted from BTF when first asked for."""

    members = _on_demand("members")
    align = _on_demand("align")
    packed = _on_demand("packed")
    attributes = _on_demand("attributes")

    def __init__(self, tag: str | None, is_union: bool, size: int, lay_out) -> None:
        self._lay_out = None
        super().__init__(tag, is_union, size=size)
        self._lay_out = lay_out


def _qualified(t: ctype.Type, const: bool, volatile: bool) -> ctype.Type:
    """`t` qualified as C qualifies it: an array's qualifiers are its elements' (bpftool writes
    BTF's `const` of an array in front of the element type)."""
    if isinstance(t, ctype.ArrayType) and t.typedef is None:
        return replace(t, elem=_qualified(t.elem, const, volatile))
    return t.qualified(const=const, volatile=volatile)


def _integer(name: str, size: int, encoding: int) -> ctype.IntType:
    """An INT by the name vmlinux.h spells it with (`long unsigned int`), as the checker reads that."""
    words = name.split()
    if words and all(word in ctype.TYPE_KEYWORDS for word in words):
        found = ctype.from_specifiers(words)
        if found.size == size:
            return found
    signed = bool(encoding & 1)  # BTF_INT_SIGNED; a name C does not know (`ssizetype`): by size
    by_size = {1: (ctype.UCHAR, ctype.SCHAR), 2: (ctype.USHORT, ctype.SHORT), 4: (ctype.UINT, ctype.INT),
               8: (ctype.ULONG, ctype.LONG), 16: (ctype.UINT128, ctype.INT128)}
    return by_size.get(size, (ctype.ULONG, ctype.LONG))[signed]
