"""Integer arithmetic: tests/c/arith.c run in the kernel, checked against a Python model of C.

arith.c's programs read three __u64 operands (a, b, c) from the start of an XDP packet and
write (__u64)(expression) into slot i (offset 24 + 8*i) for every expression of their table.
This file models each expression with C's rules (integer promotions, the usual arithmetic
conversions, truncating division, wrap-around of unsigned types, conversions to narrower types)
and knows which operand values make it undefined (signed overflow, division by zero,
INT_MIN / -1, shift counts out of range, left shifts of negative values or into the sign bit):
those slots are not compared.  Implementation-defined behaviour is modelled as clang does it on
BPF (plain char is signed, conversion to a signed type wraps, >> of a negative value is
arithmetic).

The same objects built by clang-19 are held to the same model and compared slot by slot with
bpfcc's (differential).  clang-19's default -mcpu=v1 has no signed division, so its v1 build
leaves out the signed-division programs (-DARITH_NO_SDIV) and a -mcpu=v4 build covers them.

test_random_expressions adds seeded random expressions (generated C, same model) on top.
"""
from __future__ import annotations

import functools
import operator
import random
import struct
from pathlib import Path
from typing import Callable, NamedTuple

import pytest

import bpfcc
from support import bpf

C_DIR = Path(__file__).resolve().parent / "c"
ARITH_C = C_DIR / "arith.c"
OPERANDS_SIZE = 24
MAX_SLOTS = 40  # arith.c's MAX_SLOTS
PACKET_SIZE = OPERANDS_SIZE + 8 * MAX_SLOTS


# --- a model of C's integer arithmetic ---------------------------------------------------------

class CType(NamedTuple):
    name: str
    bits: int
    signed: bool
    rank: int

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1


BOOL = CType("_Bool", 1, False, 0)
S8 = CType("signed char", 8, True, 1)
U8 = CType("unsigned char", 8, False, 1)
CHAR = S8  # plain char is signed on BPF (clang defines no __CHAR_UNSIGNED__)
S16 = CType("short", 16, True, 2)
U16 = CType("unsigned short", 16, False, 2)
S32 = CType("int", 32, True, 3)
U32 = CType("unsigned int", 32, False, 3)
S64 = CType("long", 64, True, 4)   # long and long long: both 64 bits, same conversions
U64 = CType("unsigned long", 64, False, 4)
TYPES = {"u8": U8, "s8": S8, "u16": U16, "s16": S16, "u32": U32, "s32": S32, "u64": U64, "s64": S64}


class Undefined(Exception):
    """The C expression has undefined behaviour for these operands."""


def wrap(value: int, t: CType) -> int:
    """Conversion to t: modulo 2**bits (implementation-defined for signed types: wraps)."""
    if t is BOOL:
        return int(value != 0)
    value &= (1 << t.bits) - 1
    if t.signed and value >> (t.bits - 1):
        value -= 1 << t.bits
    return value


def promote(t: CType) -> CType:
    """Integer promotions: every type narrower than int fits in int."""
    return S32 if t.rank < S32.rank else t


def usual(t1: CType, t2: CType) -> CType:
    """The usual arithmetic conversions (after promotion)."""
    t1, t2 = promote(t1), promote(t2)
    if t1 == t2:
        return t1
    if t1.signed == t2.signed:
        return t1 if t1.rank > t2.rank else t2
    u, s = (t1, t2) if not t1.signed else (t2, t1)
    if u.rank >= s.rank:
        return u
    if s.bits > u.bits:  # the signed type holds every value of the unsigned one
        return s
    return CType("unsigned " + s.name, s.bits, False, s.rank)


def _c(x) -> "C":
    if isinstance(x, C):
        return x
    assert isinstance(x, int) and S32.min <= x <= S32.max, x  # a plain int constant
    return C(x, S32)


def _checked(value: int, t: CType) -> "C":
    if t.signed and not t.min <= value <= t.max:
        raise Undefined(f"{t.name} overflow")
    return C(value, t)


def _trunc_div(x: int, y: int) -> int:
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


class C:
    """A value of a C integer type; the constructor converts (wraps) into the type."""

    __slots__ = ("v", "t")

    def __init__(self, value: int, t: CType):
        self.v = wrap(value, t)
        self.t = t

    def __repr__(self) -> str:
        return f"({self.t.name}){self.v}"

    def _arith(self, other, fn: Callable[[int, int], int], swap: bool = False) -> "C":
        x, y = (_c(other), self) if swap else (self, _c(other))
        t = usual(x.t, y.t)
        return _checked(fn(wrap(x.v, t), wrap(y.v, t)), t)

    def __add__(self, o): return self._arith(o, operator.add)
    def __radd__(self, o): return self._arith(o, operator.add, True)
    def __sub__(self, o): return self._arith(o, operator.sub)
    def __rsub__(self, o): return self._arith(o, operator.sub, True)
    def __mul__(self, o): return self._arith(o, operator.mul)
    def __rmul__(self, o): return self._arith(o, operator.mul, True)
    def __and__(self, o): return self._arith(o, operator.and_)
    def __or__(self, o): return self._arith(o, operator.or_)
    def __xor__(self, o): return self._arith(o, operator.xor)

    def __truediv__(self, o):
        return self._divmod(_c(o))[0]

    def __mod__(self, o):
        return self._divmod(_c(o))[1]

    def _divmod(self, o: "C") -> tuple["C", "C"]:
        t = usual(self.t, o.t)
        x, y = wrap(self.v, t), wrap(o.v, t)
        if y == 0:
            raise Undefined("division by zero")
        q = _trunc_div(x, y)
        quotient = _checked(q, t)  # INT_MIN / -1; C11 makes INT_MIN % -1 undefined as well
        return quotient, C(x - y * q, t)

    def __lshift__(self, o):
        t, n = promote(self.t), _c(o).v
        if not 0 <= n < t.bits:
            raise Undefined("shift count out of range")
        if t.signed and (self.v < 0 or self.v << n > t.max):
            raise Undefined("signed left shift overflow")
        return C(self.v << n, t)

    def __rshift__(self, o):
        t, n = promote(self.t), _c(o).v
        if not 0 <= n < t.bits:
            raise Undefined("shift count out of range")
        return C(self.v >> n, t)  # arithmetic for negative values, as clang does

    def __invert__(self):
        return C(~self.v, promote(self.t))

    def __neg__(self):
        return _checked(-self.v, promote(self.t))

    def _compare(self, o, fn) -> "C":
        o = _c(o)
        t = usual(self.t, o.t)
        return C(int(fn(wrap(self.v, t), wrap(o.v, t))), S32)

    def lt(self, o): return self._compare(o, operator.lt)
    def gt(self, o): return self._compare(o, operator.gt)
    def le(self, o): return self._compare(o, operator.le)
    def ge(self, o): return self._compare(o, operator.ge)
    def eq(self, o): return self._compare(o, operator.eq)
    def ne(self, o): return self._compare(o, operator.ne)

    def __bool__(self) -> bool:
        return self.v != 0


def cast(x, t: CType) -> C:
    return C(_c(x).v, t)


def lnot(x: C) -> C:
    return C(int(not x), S32)


def land(x: C, y: C) -> C:
    return C(int(bool(x) and bool(y)), S32)


def lor(x: C, y: C) -> C:
    return C(int(bool(x) or bool(y)), S32)


def cond(c: C, x: C, y: C) -> C:
    """c ? x : y with arithmetic operands: the result has their common type."""
    return cast(x if c else y, usual(x.t, y.t))


# --- the slot tables of arith.c -----------------------------------------------------------------

Slot = tuple[str, Callable[[C, C, C, C], C]]   # (name, fn(a, b, c, s))


def width_slots(t: CType) -> list[Slot]:
    """WIDTH_PROGRAM(T): x = (T)a, y = (T)b, s = (unsigned)c."""
    def xy(fn):
        return lambda a, b, c, s: fn(cast(a, t), cast(b, t), s)

    def compound(x, y, s):
        r = x
        r = cast(r + y, t)
        r = cast(r ^ cast(s, t), t)
        r = cast(r - 3, t)
        return r

    return [
        ("x + y", xy(lambda x, y, s: x + y)),
        ("x - y", xy(lambda x, y, s: x - y)),
        ("x * y", xy(lambda x, y, s: x * y)),
        ("x << s", xy(lambda x, y, s: x << s)),
        ("x >> s", xy(lambda x, y, s: x >> s)),
        ("x & y", xy(lambda x, y, s: x & y)),
        ("x | y", xy(lambda x, y, s: x | y)),
        ("x ^ y", xy(lambda x, y, s: x ^ y)),
        ("~x", xy(lambda x, y, s: ~x)),
        ("-x", xy(lambda x, y, s: -x)),
        ("x < y", xy(lambda x, y, s: x.lt(y))),
        ("x > y", xy(lambda x, y, s: x.gt(y))),
        ("x == y", xy(lambda x, y, s: x.eq(y))),
        ("x <= y", xy(lambda x, y, s: x.le(y))),
        ("x >= y", xy(lambda x, y, s: x.ge(y))),
        ("x != y", xy(lambda x, y, s: x.ne(y))),
        ("(T)(x + y)", xy(lambda x, y, s: cast(x + y, t))),
        ("(T)(x * y)", xy(lambda x, y, s: cast(x * y, t))),
        ("x", xy(lambda x, y, s: x)),
        ("!x", xy(lambda x, y, s: lnot(x))),
        ("r = x; r += y; r ^= (T)s; r -= 3", xy(compound)),
        ("(x && y) + 2 * (x || !y)", xy(lambda x, y, s: land(x, y) + 2 * lor(x, lnot(y)))),
    ]


def div_slots(t: CType) -> list[Slot]:
    """UDIV_OPS / SDIV_OPS (the signed one has x % -10 where the unsigned one has x % 10)."""
    ten = -10 if t.signed else 10

    def xy(fn):
        return lambda a, b, c, s: fn(cast(a, t), cast(b, t))

    return [
        ("x / y", xy(lambda x, y: x / y)),
        ("x % y", xy(lambda x, y: x % y)),
        ("(T)(x / y)", xy(lambda x, y: cast(x / y, t))),
        ("x / 7", xy(lambda x, y: x / 7)),
        (f"x % {ten}", xy(lambda x, y: x % ten)),
        ("x / 16", xy(lambda x, y: x / 16)),
    ]


def _r23(a, b, c, s):
    r = cast(a, U8)
    r = cast(r + b, U8)
    r = cast(r << 1, U8)
    r = cast(r - 1, U8)
    return r


def _r24(a, b, c, s):
    r = cast(a, S8)
    return cast(r * cast(b, S8), S8)


def _r25(a, b, c, s):
    r = cast(a, U8)
    r = cast(r + 1, U8)
    r = cast(r + 1, U8)
    return r + cast(r - 3, U8)


MIXED1: list[Slot] = [
    ("(unsigned char)a + (signed char)b", lambda a, b, c, s: cast(a, U8) + cast(b, S8)),
    ("(int)a < (unsigned)b", lambda a, b, c, s: cast(a, S32).lt(cast(b, U32))),
    ("(long)(int)a * (unsigned)b", lambda a, b, c, s: cast(cast(a, S32), S64) * cast(b, U32)),
    ("(unsigned)a * (int)b", lambda a, b, c, s: cast(a, U32) * cast(b, S32)),
    ("(long)a + (unsigned long)b", lambda a, b, c, s: cast(a, S64) + cast(b, U64)),
    ("(short)a * (short)b", lambda a, b, c, s: cast(a, S16) * cast(b, S16)),
    ("(unsigned short)a * (unsigned short)b", lambda a, b, c, s: cast(a, U16) * cast(b, U16)),
    ("(signed char)a >> 2", lambda a, b, c, s: cast(a, S8) >> 2),
    ("(int)(signed char)a", lambda a, b, c, s: cast(cast(a, S8), S32)),
    ("(unsigned)(signed char)a", lambda a, b, c, s: cast(cast(a, S8), U32)),
    ("(long)(unsigned)(int)a", lambda a, b, c, s: cast(cast(cast(a, S32), U32), S64)),
    ("(unsigned long)(int)a", lambda a, b, c, s: cast(cast(a, S32), U64)),
    ("(char)a", lambda a, b, c, s: cast(a, CHAR)),
    ("(int)a < 0xffffffff", lambda a, b, c, s: cast(a, S32).lt(C(0xFFFFFFFF, U32))),
    ("(int)a > -1", lambda a, b, c, s: cast(a, S32).gt(-1)),
    ("(unsigned)a > -1", lambda a, b, c, s: cast(a, U32).gt(-1)),
    ("(long)a < (unsigned)b", lambda a, b, c, s: cast(a, S64).lt(cast(b, U32))),
    ("(unsigned)a < (long)b", lambda a, b, c, s: cast(a, U32).lt(cast(b, S64))),
    ("(int)a < (unsigned long)b", lambda a, b, c, s: cast(a, S32).lt(cast(b, U64))),
    ("(_Bool)a", lambda a, b, c, s: cast(a, BOOL)),
    ("(_Bool)(a & 0xff00)", lambda a, b, c, s: cast(a & 0xFF00, BOOL)),
    ("(a & 1) ? (int)b : (unsigned)c", lambda a, b, c, s: cond(a & 1, cast(b, S32), cast(c, U32))),
    ("(a & 1) ? (signed char)b : (long)c", lambda a, b, c, s: cond(a & 1, cast(b, S8), cast(c, S64))),
    ("unsigned char r = a; r += b; r <<= 1; r = r - 1", _r23),
    ("signed char r = a; r *= (signed char)b", _r24),
    ("unsigned char r = a; r++; r++; r + (unsigned char)(r - 3)", _r25),
    ("(unsigned short)(int)a", lambda a, b, c, s: cast(cast(a, S32), U16)),
    ("(signed char)(unsigned)a", lambda a, b, c, s: cast(cast(a, U32), S8)),
    ("(long)(unsigned short)a", lambda a, b, c, s: cast(cast(a, U16), S64)),
    ("1u << (c & 31)", lambda a, b, c, s: C(1, U32) << (c & 31)),
    ("1ul << (c & 63)", lambda a, b, c, s: C(1, U64) << (c & 63)),
    ("(int)a >> (c & 31)", lambda a, b, c, s: cast(a, S32) >> (c & 31)),
]

MIXED2: list[Slot] = [
    ("(long)a >> (c & 63)", lambda a, b, c, s: cast(a, S64) >> (c & 63)),
    ("(unsigned)a >> (c & 31)", lambda a, b, c, s: cast(a, U32) >> (c & 31)),
    ("(unsigned char)a << 24", lambda a, b, c, s: cast(a, U8) << 24),
    ("(unsigned char)a << 8", lambda a, b, c, s: cast(a, U8) << 8),
    ("-(unsigned)a", lambda a, b, c, s: -cast(a, U32)),
    ("-(unsigned char)a", lambda a, b, c, s: -cast(a, U8)),
    ("~(unsigned char)a", lambda a, b, c, s: ~cast(a, U8)),
    ("~(unsigned short)a", lambda a, b, c, s: ~cast(a, U16)),
    ("(unsigned char)~a", lambda a, b, c, s: cast(~a, U8)),
    ("(signed char)a == (unsigned char)a", lambda a, b, c, s: cast(a, S8).eq(cast(a, U8))),
    ("(short)a < (unsigned short)b", lambda a, b, c, s: cast(a, S16).lt(cast(b, U16))),
    ("(long)(int)a + (long)(int)b", lambda a, b, c, s: cast(cast(a, S32), S64) + cast(cast(b, S32), S64)),
    ("(unsigned long)((unsigned)a * (unsigned)b)", lambda a, b, c, s: cast(cast(a, U32) * cast(b, U32), U64)),
    ("(unsigned long)(unsigned)a * b", lambda a, b, c, s: cast(cast(a, U32), U64) * b),
    ("(unsigned)a / (unsigned short)b", lambda a, b, c, s: cast(a, U32) / cast(b, U16)),
    ("(unsigned long)a % (unsigned)b", lambda a, b, c, s: cast(a, U64) % cast(b, U32)),
    ("(long)a < -2147483648", lambda a, b, c, s: cast(a, S64).lt(C(-2147483648, S64))),
    ("(int)a + 0x7fffffff", lambda a, b, c, s: cast(a, S32) + 0x7FFFFFFF),
    ("sizeof((unsigned char)a + (unsigned char)b)", lambda a, b, c, s: C(4, U64)),
    ("sizeof(1 ? (char)0 : (long)0)", lambda a, b, c, s: C(8, U64)),
    ("sizeof(0xffffffff) + 16 * sizeof(2147483648) + 256 * sizeof(1u + 1l)",
     lambda a, b, c, s: C(4 + 16 * 8 + 256 * 8, U64)),
    ("(unsigned short)a + (unsigned)(short)b", lambda a, b, c, s: cast(a, U16) + cast(cast(b, S16), U32)),
    ("(long long)(unsigned char)a - (unsigned long long)(signed char)b",
     lambda a, b, c, s: cast(cast(a, U8), S64) - cast(cast(b, S8), U64)),
    ("(__s64)(__s32)(__u16)a", lambda a, b, c, s: cast(cast(cast(a, U16), S32), S64)),
    ("(__u64)(__s16)(__u32)a", lambda a, b, c, s: cast(cast(cast(a, U32), S16), U64)),
    ("(int)(unsigned char)a * (int)(unsigned char)b * (int)(unsigned char)c",
     lambda a, b, c, s: cast(cast(a, U8), S32) * cast(cast(b, U8), S32) * cast(cast(c, U8), S32)),
    ("(unsigned)(int)(short)a >> 16", lambda a, b, c, s: cast(cast(cast(a, S16), S32), U32) >> 16),
    ("(int)(short)a >> 16", lambda a, b, c, s: cast(cast(a, S16), S32) >> 16),
    ("((unsigned)a ^ (unsigned)b) > ((unsigned)a & (unsigned)b)",
     lambda a, b, c, s: (cast(a, U32) ^ cast(b, U32)).gt(cast(a, U32) & cast(b, U32))),
    ("(a > b) - (a < b)", lambda a, b, c, s: a.gt(b) - a.lt(b)),
    ("((__s64)a > (__s64)b) - ((__s64)a < (__s64)b)",
     lambda a, b, c, s: cast(a, S64).gt(cast(b, S64)) - cast(a, S64).lt(cast(b, S64))),
    ("(__u32)a * 3u + ((__u16)b << 3) - ((__u8)c | 1)",
     lambda a, b, c, s: cast(a, U32) * C(3, U32) + (cast(b, U16) << 3) - (cast(c, U8) | 1)),
]

SDIV_MIXED: list[Slot] = [
    ("(long)a / (int)b", lambda a, b, c, s: cast(a, S64) / cast(b, S32)),
    ("(long)a % (int)b", lambda a, b, c, s: cast(a, S64) % cast(b, S32)),
    ("(int)a / (unsigned)b", lambda a, b, c, s: cast(a, S32) / cast(b, U32)),
    ("(long)a / (unsigned)b", lambda a, b, c, s: cast(a, S64) / cast(b, U32)),
    ("(int)a / (long)b", lambda a, b, c, s: cast(a, S32) / cast(b, S64)),
    ("(signed char)a / (unsigned char)b", lambda a, b, c, s: cast(a, S8) / cast(b, U8)),
    ("(short)a % (signed char)b", lambda a, b, c, s: cast(a, S16) % cast(b, S8)),
    ("(int)a * 1000 / 3", lambda a, b, c, s: cast(a, S32) * 1000 / 3),
    ("(long)a / -1000000007L", lambda a, b, c, s: cast(a, S64) / C(-1000000007, S64)),
    ("(int)a / -1", lambda a, b, c, s: cast(a, S32) / -1),
    ("(int)a % 1", lambda a, b, c, s: cast(a, S32) % 1),
    ("(long)a / (long)(signed char)b", lambda a, b, c, s: cast(a, S64) / cast(cast(b, S8), S64)),
    ("(int)a / (int)b + (int)a % (int)b", lambda a, b, c, s: cast(a, S32) / cast(b, S32) + cast(a, S32) % cast(b, S32)),
    ("(long)(int)a / (long)(int)c", lambda a, b, c, s: cast(cast(a, S32), S64) / cast(cast(c, S32), S64)),
    ("((int)a / (int)b) * (int)b + (int)a % (int)b",
     lambda a, b, c, s: (cast(a, S32) / cast(b, S32)) * cast(b, S32) + cast(a, S32) % cast(b, S32)),
    ("(unsigned long)a / (long)b", lambda a, b, c, s: cast(a, U64) / cast(b, S64)),
]

PROGRAMS: dict[str, list[Slot]] = {
    **{f"arith_{n}": width_slots(t) for n, t in TYPES.items()},
    "arith_udiv": [(f"{n}: {name}", fn) for n in ("u8", "u16", "u32", "u64") for name, fn in div_slots(TYPES[n])],
    "arith_mixed1": MIXED1,
    "arith_mixed2": MIXED2,
    "arith_sdiv": [(f"{n}: {name}", fn) for n in ("s8", "s16", "s32", "s64") for name, fn in div_slots(TYPES[n])],
    "arith_sdiv_mixed": SDIV_MIXED,
}
SDIV_PROGRAMS = ("arith_sdiv", "arith_sdiv_mixed")
assert all(len(slots) <= MAX_SLOTS for slots in PROGRAMS.values())


# --- operands ---------------------------------------------------------------------------------

M64 = (1 << 64) - 1
EDGES = [0, 1, 2, 3, 7, -1, -2, -7, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
         0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x100000000, (1 << 63) - 1, 1 << 63, -10]
SHIFTS = [0, 1, 3, 7, 8, 15, 16, 24, 31, 32, 33, 63, 64, 200]


def _vectors() -> list[tuple[int, int, int]]:
    rng = random.Random(20240603)
    vectors = []
    for i, a in enumerate(EDGES):
        for j, b in enumerate(EDGES):
            vectors.append((a & M64, b & M64, SHIFTS[(i * 5 + j) % len(SHIFTS)]))

    def rand64() -> int:
        kind = rng.randrange(4)
        bits = (8, 16, 32, 64)[kind]
        v = rng.getrandbits(bits)
        if rng.random() < 0.5 and v >> (bits - 1):  # sign-extend half of the negative ones
            v -= 1 << bits
        return v & M64

    for _ in range(150):
        vectors.append((rand64(), rand64(), rng.choice([rng.randrange(64), rng.getrandbits(64)])))
    return vectors


VECTORS = _vectors()


def packet(a: int, b: int, c: int) -> bytes:
    return struct.pack("<3Q", a, b, c) + bytes(8 * MAX_SLOTS)


@functools.cache
def expected(program: str) -> list[list[int | None]]:
    """Per vector, per slot: (__u64)(expression), or None where C leaves it undefined."""
    table = []
    for a, b, c in VECTORS:
        ca, cb, cc = C(a, U64), C(b, U64), C(c, U64)
        cs = C(c, U32)
        row = []
        for _, fn in PROGRAMS[program]:
            try:
                row.append(wrap(fn(ca, cb, cc, cs).v, U64))
            except Undefined:
                row.append(None)
        table.append(row)
    return table


def run_program(obj: bpf.BpfObject, program: str, a: int, b: int, c: int) -> list[int]:
    res = obj.program(program).run(packet(a, b, c))
    assert res.retval == bpf.XDP_PASS, f"{program}({a:#x}, {b:#x}, {c:#x}) returned {res.retval}"
    n = len(PROGRAMS[program])
    return list(struct.unpack_from(f"<{n}Q", res.data, OPERANDS_SIZE))


def run_all(obj: bpf.BpfObject, programs) -> dict[str, list[list[int]]]:
    return {p: [run_program(obj, p, *v) for v in VECTORS] for p in programs}


def mismatches(program: str, got: list[list[int]], limit: int = 25) -> list[str]:
    slots = PROGRAMS[program]
    out = []
    for (a, b, c), row, want_row in zip(VECTORS, got, expected(program)):
        for i, (value, want) in enumerate(zip(row, want_row)):
            if want is not None and value != want:
                out.append(f"{program} slot {i} `{slots[i][0]}` a={a:#x} b={b:#x} c={c:#x}: "
                           f"got {value:#x}, C says {want:#x}")
    return out[:limit] + ([f"... {len(out) - limit} more"] if len(out) > limit else [])


# --- builds -----------------------------------------------------------------------------------

def bpfcc_object(mcpu: str | None = None, defines: dict | None = None) -> bytes:
    kwargs = {"mcpu": mcpu} if mcpu else {}
    result = bpfcc.compile(ARITH_C.read_text(), str(ARITH_C), defines=defines or {}, **kwargs)
    assert result.output is not None, "bpfcc failed:\n" + "\n".join(map(str, result.diagnostics))
    return result.output


@functools.cache
def _bpfcc_cached(mcpu: str | None) -> bytes:
    return bpfcc_object(mcpu)


BPFCC_BUILDS = {"bpfcc": None, "bpfcc-mcpu=v1": "v1", "bpfcc-mcpu=v4": "v4"}


@pytest.mark.parametrize("build", list(BPFCC_BUILDS))
def test_bpfcc_matches_c_semantics(kernel, build):
    obj = kernel.load(_bpfcc_cached(BPFCC_BUILDS[build]))
    results = run_all(obj, PROGRAMS)
    problems = [m for p, got in results.items() for m in mismatches(p, got)]
    assert not problems, f"{build} differs from C:\n" + "\n".join(problems)


CLANG_BUILDS = {
    # clang-19's default cpu (v1) cannot divide signed numbers: leave those programs out.
    "clang-mcpu=v1": (["-DARITH_NO_SDIV"], [p for p in PROGRAMS if p not in SDIV_PROGRAMS]),
    "clang-mcpu=v4": (["-mcpu=v4"], list(PROGRAMS)),
}


@pytest.mark.parametrize("build", list(CLANG_BUILDS))
def test_clang_matches_c_semantics(kernel, clang_compile, tmp_path, build):
    """The model itself is checked against the reference compiler."""
    flags, programs = CLANG_BUILDS[build]
    obj = kernel.load(clang_compile(ARITH_C, tmp_path / "arith.o", flags))
    results = run_all(obj, programs)
    problems = [m for p, got in results.items() for m in mismatches(p, got)]
    assert not problems, f"{build} differs from the model:\n" + "\n".join(problems)


@pytest.mark.parametrize("build", list(CLANG_BUILDS))
def test_differential_against_clang(kernel, clang_compile, tmp_path, build):
    """bpfcc (default cpu) and clang-19 give the same value in every slot C defines."""
    flags, programs = CLANG_BUILDS[build]
    ours = run_all(kernel.load(_bpfcc_cached(None)), programs)
    theirs = run_all(kernel.load(clang_compile(ARITH_C, tmp_path / "arith.o", flags)), programs)
    problems = []
    for p in programs:
        slots = PROGRAMS[p]
        for (a, b, c), mine, ref, want_row in zip(VECTORS, ours[p], theirs[p], expected(p)):
            for i, (x, y, want) in enumerate(zip(mine, ref, want_row)):
                if want is not None and x != y:
                    problems.append(f"{p} slot {i} `{slots[i][0]}` a={a:#x} b={b:#x} c={c:#x}: "
                                    f"bpfcc {x:#x}, clang {y:#x}")
    assert not problems, f"bpfcc differs from {build}:\n" + "\n".join(problems[:25])


@pytest.mark.parametrize("mcpu", [None, "v1", "v4"])
def test_runtime_zero_divisor(kernel, mcpu):
    """A divisor that is zero at run time is undefined in C, but must not upset the verifier or
    the program: it loads, runs to the end, and the slots that do not divide by b are right."""
    obj = kernel.load(_bpfcc_cached(mcpu))
    for program in ("arith_udiv", "arith_sdiv", "arith_sdiv_mixed", "arith_mixed2"):
        for a in (0, 1, 0xFF, 0x8000_0000, M64, 1 << 63, 12345678901234):
            got = run_program(obj, program, a, 0, 0)
            ca, zero = C(a, U64), C(0, U64)
            for i, (name, fn) in enumerate(PROGRAMS[program]):
                try:
                    want = wrap(fn(ca, zero, zero, C(0, U32)).v, U64)
                except Undefined:
                    continue
                assert got[i] == want, f"{program} slot {i} `{name}` a={a:#x} b=0: got {got[i]:#x}, want {want:#x}"


def test_signed_division_without_native_sdiv_is_emulated():
    """bpfcc's default cpu (v3) has no signed division instruction: the object must not use
    BPF_SDIV/BPF_SMOD (off=1 on BPF_DIV/BPF_MOD), which only cpu v4 kernels accept."""
    from elftools.elf.elffile import ELFFile
    import io

    elf = ELFFile(io.BytesIO(_bpfcc_cached(None)))
    for section in elf.iter_sections():
        if section.name != "xdp":
            continue
        code = section.data()
        i = 0
        while i < len(code):
            opcode, off = code[i], struct.unpack_from("<h", code, i + 2)[0]
            cls, op = opcode & 0x07, opcode & 0xF0
            if cls in (0x04, 0x07) and op in (0x30, 0x90):  # ALU/ALU64 DIV/MOD
                assert off == 0, f"signed div/mod instruction at {i // 8} in the default (v3) build"
            i += 16 if opcode == 0x18 else 8


# --- random expressions -------------------------------------------------------------------------
#
# Expressions of random shape over (T)a, (T)b, (T)c and constants, each with its model, built so
# that they stay defined: divisors are `(y & 0x3f) | 1`, shift counts are masked, left shifts
# shift an unsigned operand, and an expression whose signed arithmetic overflows for one of the
# operand vectors is thrown away.  Undefined behaviour anywhere in a program would make the whole
# run undefined (the optimiser may assume it away), so every slot of every run must be defined.

RANDOM_SEED = 20240611
RANDOM_PROGRAMS = 3
RANDOM_VECTORS = VECTORS[::4]
_LEAF_TYPES = [("signed char", S8), ("unsigned char", U8), ("short", S16), ("unsigned short", U16),
               ("int", S32), ("unsigned", U32), ("long", S64), ("unsigned long", U64), ("_Bool", BOOL)]
_SUFFIX = {S32: "", U32: "u", S64: "L", U64: "UL"}
_BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
    "<<": operator.lshift, ">>": operator.rshift, "&": operator.and_, "|": operator.or_, "^": operator.xor,
    "<": C.lt, ">": C.gt, "<=": C.le, ">=": C.ge, "==": C.eq, "!=": C.ne,
}
Expr = tuple[str, Callable[[dict], C]]


def _random_leaf(rng: random.Random) -> Expr:
    if rng.random() < 0.25:
        t = rng.choice([S32, U32, S64, U64])
        v = rng.choice([0, 1, 2, 3, 7, 8, 31, 32, 63, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF,
                        rng.getrandbits(8), rng.getrandbits(16)])
        return f"{v}{_SUFFIX[t]}", lambda env, v=v, t=t: C(v, t)
    var = rng.choice("abc")
    name, t = rng.choice(_LEAF_TYPES)
    return f"(({name}){var})", lambda env, var=var, t=t: cast(env[var], t)


def random_expression(rng: random.Random, depth: int) -> Expr:
    if depth == 0 or rng.random() < 0.2:
        return _random_leaf(rng)
    r = rng.random()
    if r < 0.65:
        op = rng.choice([*_BINARY, "&&", "||"])
        xs, xf = random_expression(rng, depth - 1)
        ys, yf = random_expression(rng, depth - 1)
        if op in ("<<", ">>"):
            m = rng.choice([7, 15, 31])
            ys, yf = f"({ys} & {m})", lambda env, yf=yf, m=m: yf(env) & m
        if op == "<<":
            name, t = rng.choice([("unsigned", U32), ("unsigned long", U64)])
            xs, xf = f"(({name}){xs})", lambda env, xf=xf, t=t: cast(xf(env), t)
        if op in ("/", "%"):
            ys, yf = f"(({ys} & 0x3f) | 1)", lambda env, yf=yf: (yf(env) & 0x3F) | 1
        if op == "&&":
            return f"({xs} && {ys})", lambda env, xf=xf, yf=yf: land(xf(env), yf(env)) if xf(env) else C(0, S32)
        if op == "||":
            return f"({xs} || {ys})", lambda env, xf=xf, yf=yf: C(1, S32) if xf(env) else lor(C(0, S32), yf(env))
        fn = _BINARY[op]
        return f"({xs} {op} {ys})", lambda env, xf=xf, yf=yf, fn=fn: fn(xf(env), yf(env))
    if r < 0.8:
        op = rng.choice(["~", "-", "!"])
        xs, xf = random_expression(rng, depth - 1)
        fn = {"~": operator.invert, "-": operator.neg, "!": lnot}[op]
        return f"({op}{xs})", lambda env, xf=xf, fn=fn: fn(xf(env))
    if r < 0.92:
        name, t = rng.choice(_LEAF_TYPES)
        xs, xf = random_expression(rng, depth - 1)
        return f"(({name}){xs})", lambda env, xf=xf, t=t: cast(xf(env), t)
    cs, cf = random_expression(rng, depth - 1)
    xs, xf = random_expression(rng, depth - 1)
    ys, yf = random_expression(rng, depth - 1)

    def conditional(env, cf=cf, xf=xf, yf=yf):
        # The type comes from both arms; evaluating the other arm only for its type is safe
        # because every expression kept is defined for every vector.
        x, y = xf(env), yf(env)
        return cast(x if cf(env) else y, usual(x.t, y.t))
    return f"({cs} ? {xs} : {ys})", conditional


def _defined_everywhere(fn) -> bool:
    for a, b, c in RANDOM_VECTORS:
        try:
            fn({"a": C(a, U64), "b": C(b, U64), "c": C(c, U64)})
        except Undefined:
            return False
    return True


@functools.cache
def random_programs() -> tuple[str, list[list[Expr]]]:
    rng = random.Random(RANDOM_SEED)
    programs = []
    for _ in range(RANDOM_PROGRAMS):
        exprs: list[Expr] = []
        while len(exprs) < MAX_SLOTS:
            e = random_expression(rng, rng.randint(1, 4))
            if _defined_everywhere(e[1]):
                exprs.append(e)
        programs.append(exprs)
    lines = ["/* Generated by tests/test_arith.py (random_programs, seed %d). */" % RANDOM_SEED,
             "#include <linux/bpf.h>", "#include <bpf/bpf_helpers.h>"]
    for p, exprs in enumerate(programs):
        lines += [f'SEC("xdp")', f"int random{p}(struct xdp_md *ctx)", "{",
                  "\tvoid *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;",
                  "\t__u64 *in = data, *out = (__u64 *)data + 3, a, b, c;",
                  f"\tif (data + {PACKET_SIZE} > end)", "\t\treturn XDP_ABORTED;",
                  "\ta = in[0];", "\tb = in[1];", "\tc = in[2];"]
        lines += [f"\tout[{i}] = (__u64)({text});" for i, (text, _) in enumerate(exprs)]
        lines += ["\treturn XDP_PASS;", "}"]
    lines.append('char _license[] SEC("license") = "GPL";')
    return "\n".join(lines) + "\n", programs


def _random_results(obj: bpf.BpfObject, programs) -> list[list[list[int]]]:
    out = []
    for p in range(len(programs)):
        rows = []
        for a, b, c in RANDOM_VECTORS:
            res = obj.program(f"random{p}").run(packet(a, b, c))
            assert res.retval == bpf.XDP_PASS
            rows.append(list(struct.unpack_from(f"<{MAX_SLOTS}Q", res.data, OPERANDS_SIZE)))
        out.append(rows)
    return out


def _random_mismatches(who: str, programs, results, source_path) -> list[str]:
    problems = []
    for p, exprs in enumerate(programs):
        for (a, b, c), row in zip(RANDOM_VECTORS, results[p]):
            env = {"a": C(a, U64), "b": C(b, U64), "c": C(c, U64)}
            for i, (text, fn) in enumerate(exprs):
                want = wrap(fn(env).v, U64)
                if row[i] != want:
                    problems.append(f"random{p} slot {i} a={a:#x} b={b:#x} c={c:#x}: {who} {row[i]:#x}, "
                                    f"C says {want:#x}: {text}")
    if problems:
        problems.insert(0, f"(source: {source_path})")
    return problems[:20]


def test_random_expressions(kernel, tmp_path):
    source, programs = random_programs()
    path = tmp_path / "arith_random.c"
    path.write_text(source)
    result = bpfcc.compile(source, str(path))
    assert result.output is not None, "bpfcc failed:\n" + "\n".join(map(str, result.diagnostics))
    results = _random_results(kernel.load(result.output), programs)
    problems = _random_mismatches("bpfcc", programs, results, path)
    assert not problems, "\n".join(problems)


def test_random_expressions_clang(kernel, clang_compile, tmp_path):
    """The same programs built by clang-19 (-mcpu=v4 for the signed divisions) agree with the model."""
    source, programs = random_programs()
    path = tmp_path / "arith_random.c"
    path.write_text(source)
    results = _random_results(kernel.load(clang_compile(path, tmp_path / "arith_random.o", ["-mcpu=v4", "-w"])), programs)
    problems = _random_mismatches("clang-19", programs, results, path)
    assert not problems, "\n".join(problems)
