"""C types as the BPF target sees them: sizes, alignment, layout, conversions.

BPF is LP64 with a signed plain `char`.  Types are immutable values; a struct
type points at one shared `StructDef`, so qualified copies and typedef aliases
of a struct stay the same struct.  Qualifiers and the typedef a type was
spelled through travel on the value (for volatile accesses and for debug
info) but never take part in type identity.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, eq=False)
class Type:
    const: bool = field(default=False, kw_only=True)
    volatile: bool = field(default=False, kw_only=True)
    typedef: "Typedef | None" = field(default=None, kw_only=True)

    @property
    def size(self) -> int:
        return 1  # void and functions, as GNU C's sizeof says

    @property
    def align(self) -> int:
        return 1

    def unqualified(self) -> "Type":
        if self.const or self.volatile or self.typedef:
            return replace(self, const=False, volatile=False, typedef=None)
        return self

    def qualified(self, const: bool = False, volatile: bool = False) -> "Type":
        if (const and not self.const) or (volatile and not self.volatile):
            return replace(self, const=self.const or const, volatile=self.volatile or volatile)
        return self

    def aliased(self, typedef: "Typedef") -> "Type":
        return replace(self, typedef=typedef)

    # Identity ignores qualifiers and typedef names.
    def key(self) -> tuple:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Type) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    is_integer = False
    is_pointer = False
    is_arithmetic = False
    is_scalar = False
    is_void = False
    is_array = False
    is_struct = False
    is_function = False
    is_float = False

    @property
    def complete(self) -> bool:
        return True


@dataclass(frozen=True, eq=False)
class EnumDef:
    tag: str | None
    enumerators: tuple[tuple[str, int], ...] | None  # None: declared, not yet defined


@dataclass(frozen=True)
class Typedef:
    name: str
    type: Type


@dataclass(frozen=True, eq=False)
class VoidType(Type):
    is_void = True

    def key(self):
        return ("void",)

    @property
    def complete(self) -> bool:
        return False

    def __str__(self):
        return _spell(self, "void")


@dataclass(frozen=True, eq=False)
class IntType(Type):
    nbytes: int = 4
    name: str = "int"  # "_Bool", "char", "short", "int", "long", "long long", "__int128"
    signed: bool = True
    rank: int = 3
    # `signed char`: a type of its own, apart from plain `char` although that is signed on BPF too
    # (C's three character types; `__builtin_types_compatible_p(char, signed char)` is 0).
    signed_spelled: bool = False
    # The enum this integer type was spelled as: like a typedef, debug info (and CO-RE) names it,
    # identity does not (an enum is compatible with its integer type).
    enum: "EnumDef | None" = field(default=None, kw_only=True)
    is_integer = True
    is_arithmetic = True
    is_scalar = True

    def key(self):
        return ("int", self.name, self.signed, self.signed_spelled)

    @property
    def size(self) -> int:
        return self.nbytes

    @property
    def align(self) -> int:
        return self.nbytes

    @property
    def bits(self) -> int:
        return self.size * 8

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def wrap(self, value: int) -> int:
        """Reduce a mathematical value to this type's range, as a conversion does."""
        if self.name == "_Bool":
            return 1 if value else 0
        value &= (1 << self.bits) - 1
        if self.signed and value >= 1 << (self.bits - 1):
            value -= 1 << self.bits
        return value

    def __str__(self):
        if self.name == "_Bool":
            base = "_Bool"
        elif self.name == "char":
            base = ("signed char" if self.signed_spelled else "char") if self.signed else "unsigned char"
        else:
            base = self.name if self.signed else f"unsigned {self.name}"
        return _spell(self, base)


@dataclass(frozen=True, eq=False)
class FloatType(Type):
    nbytes: int = 8
    name: str = "double"
    is_float = True
    is_arithmetic = True
    is_scalar = True

    def key(self):
        return ("float", self.name)

    @property
    def size(self) -> int:
        return self.nbytes

    @property
    def align(self) -> int:
        return self.nbytes

    def __str__(self):
        return _spell(self, self.name)


@dataclass(frozen=True, eq=False)
class PointerType(Type):
    target: Type = None  # type: ignore[assignment]
    is_pointer = True
    is_scalar = True

    def key(self):
        return ("ptr", self.target.key())

    @property
    def size(self) -> int:
        return 8

    @property
    def align(self) -> int:
        return 8

    def __str__(self):
        return _declared(self, "")


@dataclass(frozen=True, eq=False)
class ArrayType(Type):
    elem: Type = None  # type: ignore[assignment]
    length: int | None = None  # None: incomplete (`int a[]`, flexible member)
    is_array = True

    def key(self):
        return ("array", self.elem.key(), self.length)

    @property
    def size(self) -> int:
        return self.elem.size * (self.length or 0)

    @property
    def align(self) -> int:
        return self.elem.align

    @property
    def complete(self) -> bool:
        return self.length is not None

    def __str__(self):
        return _declared(self, "")


@dataclass(eq=False)
class Member:
    name: str | None  # None for an anonymous struct/union member or unnamed bit-field
    type: Type
    offset: int  # bytes
    bit_offset: int = 0  # within the storage unit at `offset`, for bit-fields
    bit_width: int | None = None


@dataclass(eq=False)
class StructDef:
    """The definition a struct or union tag names; filled in when its body is seen."""

    tag: str | None
    is_union: bool
    members: list[Member] | None = None  # None while incomplete
    size: int = 0
    align: int = 1
    packed: bool = False
    attributes: tuple = ()

    def find(self, name: str) -> list[Member] | None:
        """Path of members to `name`, looking through anonymous members."""
        for m in self.members or ():
            if m.name == name:
                return [m]
            if m.name is None and isinstance(m.type, StructType):
                inner = m.type.defn.find(name)
                if inner:
                    return [m] + inner
        return None


@dataclass(frozen=True, eq=False)
class StructType(Type):
    defn: StructDef = None  # type: ignore[assignment]
    is_struct = True

    def key(self):
        return ("struct", id(self.defn))

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.defn.size

    @property
    def align(self) -> int:  # type: ignore[override]
        return self.defn.align

    @property
    def complete(self) -> bool:
        return self.defn.members is not None

    @property
    def is_union(self) -> bool:
        return self.defn.is_union

    def __str__(self):
        kind = "union" if self.defn.is_union else "struct"
        return _spell(self, f"{kind} {self.defn.tag or '(anonymous)'}")


@dataclass(frozen=True, eq=False)
class FunctionType(Type):
    ret: Type = None  # type: ignore[assignment]
    params: tuple[Type, ...] = ()
    variadic: bool = False
    prototyped: bool = True
    is_function = True

    def key(self):
        return ("fn", self.ret.key(), tuple(p.key() for p in self.params), self.variadic)

    def __str__(self):
        return _declared(self, "")


def _declared(t: Type, inner: str) -> str:
    """clang's spelling of `t` written around the declarator `inner`: `int *[4]`, `int (*)[4]`,
    `int (*[])(void *)`, `int *const`."""
    if t.typedef is None and isinstance(t, PointerType):
        quals = " ".join(q for q, on in (("const", t.const), ("volatile", t.volatile)) if on)
        inner = "*" + quals + (" " if quals and inner and inner[0] not in "[(" else "") + inner
        if t.target.typedef is None and isinstance(t.target, (ArrayType, FunctionType)):
            inner = f"({inner})"
        return _declared(t.target, inner)
    if t.typedef is None and isinstance(t, ArrayType):
        elem = t.elem.qualified(const=t.const, volatile=t.volatile)  # an array's qualifiers are its elements'
        return _declared(elem, f"{inner}[{'' if t.length is None else t.length}]")
    if t.typedef is None and isinstance(t, FunctionType):
        params = [str(p) for p in t.params] + (["..."] if t.variadic else [])
        listed = ", ".join(params) if params else ("void" if t.prototyped else "")
        return _declared(t.ret, f"{inner}({listed})")
    base = _spell(t, "") if t.typedef is not None else str(t)
    return base + (" " if inner and inner[0] != "[" else "") + inner


def _spell(t: Type, base: str) -> str:
    if t.typedef is not None:
        base = t.typedef.name
    quals = ("const " if t.const else "") + ("volatile " if t.volatile else "")
    return quals + base


VOID = VoidType()
BOOL = IntType(nbytes=1, name="_Bool", signed=False, rank=0)
CHAR = IntType(nbytes=1, name="char", signed=True, rank=1)
SCHAR = IntType(nbytes=1, name="char", signed=True, rank=1, signed_spelled=True)
UCHAR = IntType(nbytes=1, name="char", signed=False, rank=1)
SHORT = IntType(nbytes=2, name="short", signed=True, rank=2)
USHORT = IntType(nbytes=2, name="short", signed=False, rank=2)
INT = IntType(nbytes=4, name="int", signed=True, rank=3)
UINT = IntType(nbytes=4, name="int", signed=False, rank=3)
LONG = IntType(nbytes=8, name="long", signed=True, rank=4)
ULONG = IntType(nbytes=8, name="long", signed=False, rank=4)
LLONG = IntType(nbytes=8, name="long long", signed=True, rank=5)
ULLONG = IntType(nbytes=8, name="long long", signed=False, rank=5)
INT128 = IntType(nbytes=16, name="__int128", signed=True, rank=6)
UINT128 = IntType(nbytes=16, name="__int128", signed=False, rank=6)
FLOAT = FloatType(nbytes=4, name="float")
DOUBLE = FloatType(nbytes=8, name="double")
LDOUBLE = FloatType(nbytes=16, name="long double")
SIZE_T = ULONG
PTRDIFF_T = LONG


# The keywords a list of type specifiers is made of (`long unsigned int`).
TYPE_KEYWORDS = frozenset({"char", "short", "int", "long", "signed", "unsigned", "_Bool", "__int128", "void", "float",
                           "double"})


def from_specifiers(words: list[str]) -> Type:
    """The type that keyword specifiers name, in any order (`unsigned long`, `long unsigned int`)."""
    if "float" in words:
        return FLOAT
    if "double" in words:
        # Types may mention floating point (headers do); values may not.
        return LDOUBLE if "long" in words else DOUBLE
    if "void" in words:
        return VOID
    if "_Bool" in words:
        return BOOL
    unsigned = "unsigned" in words
    longs = words.count("long")
    if "char" in words:
        return UCHAR if unsigned else SCHAR if "signed" in words else CHAR
    if "short" in words:
        return USHORT if unsigned else SHORT
    if "__int128" in words:
        return UINT128 if unsigned else INT128
    if longs >= 2:
        return ULLONG if unsigned else LLONG
    if longs == 1:
        return ULONG if unsigned else LONG
    return UINT if unsigned else INT


def pointer(target: Type) -> PointerType:
    return PointerType(target=target)


def promote(t: Type) -> Type:
    """Integer promotion: everything narrower than int becomes int."""
    if isinstance(t, IntType) and t.rank < INT.rank:
        return INT
    return t.unqualified()


def usual_arithmetic(a: Type, b: Type) -> Type:
    """The common type of a binary arithmetic operation's operands (C11 6.3.1.8)."""
    a, b = promote(a), promote(b)
    if a == b:
        return a
    assert isinstance(a, IntType) and isinstance(b, IntType)
    if a.signed == b.signed:
        return a if a.rank >= b.rank else b
    unsigned, signed = (a, b) if not a.signed else (b, a)
    if unsigned.rank >= signed.rank:
        return unsigned
    if signed.size > unsigned.size:
        return signed
    return IntType(nbytes=signed.size, name=signed.name, signed=False, rank=signed.rank)


def compatible(a: Type, b: Type) -> bool:
    return a.unqualified() == b.unqualified()


def decay(t: Type) -> Type:
    """Arrays and functions used as values become pointers."""
    if isinstance(t, ArrayType):
        return pointer(t.elem)
    if isinstance(t, FunctionType):
        return pointer(t)
    return t


def const_object(t: Type) -> bool:
    """Whether an object of type t is const: qualified itself, or an array of const elements."""
    while t.is_array and not t.const:
        t = t.elem
    return t.const


def layout_struct(defn: StructDef, members: list[tuple[str | None, Type, int | None, int | None]]) -> list[str]:
    """Lay out members [(name, type, bit width, explicit alignment)] as GCC does for BPF.

    Fills defn.members, size and align; returns problems found (as messages).
    """
    problems: list[str] = []
    laid: list[Member] = []
    offset_bits = 0
    align = 1
    for name, mtype, width, explicit_align in members:
        malign = 1 if defn.packed else mtype.align
        if explicit_align:
            malign = max(malign, explicit_align) if not defn.packed else explicit_align
        if width is not None:
            unit = mtype.size * 8
            if width == 0:
                offset_bits = _round_up(offset_bits, unit) if not defn.is_union else offset_bits
                continue
            if defn.is_union:
                laid.append(Member(name, mtype, 0, 0, width))
            else:
                # A bit-field starts a new storage unit only when it would straddle one.
                if not defn.packed and (offset_bits % unit) + width > unit:
                    offset_bits = _round_up(offset_bits, unit)
                start = offset_bits
                unit_start = (start // unit) * unit if not defn.packed else (start // 8) * 8
                laid.append(Member(name, mtype, unit_start // 8, start - unit_start, width))
                offset_bits = start + width
            if name is not None:  # unnamed bit-fields do not align the struct
                align = max(align, malign)
            continue
        if not mtype.complete and not (isinstance(mtype, ArrayType) and mtype.length is None):
            problems.append(f"field '{name}' has incomplete type '{mtype}'")
            continue
        if defn.is_union:
            laid.append(Member(name, mtype, 0))
            offset_bits = max(offset_bits, mtype.size * 8)
        else:
            offset_bits = _round_up(offset_bits, malign * 8)
            laid.append(Member(name, mtype, offset_bits // 8))
            offset_bits += mtype.size * 8
        align = max(align, malign)
    defn.members = laid
    defn.align = align
    defn.size = _round_up(_round_up(offset_bits, 8) // 8, align)
    return problems


def _round_up(n: int, to: int) -> int:
    return (n + to - 1) // to * to if to else n
