"""C types → LLVM types.  Aggregates are byte arrays: members are reached by
byte offset, so LLVM never needs to agree with C on struct layout.  Function
types follow clang's BPF calling convention for structs (`function_type`)."""
from __future__ import annotations

from llvmlite import ir

from .. import ctype

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
PTR = ir.PointerType()
VOID = ir.VoidType()


def lltype(t: ctype.Type) -> ir.Type:
    if isinstance(t, ctype.IntType):
        return ir.IntType(t.size * 8)
    if t.is_pointer:
        return PTR
    if t.is_void:
        return VOID
    if isinstance(t, ctype.FunctionType):
        return function_type(t)
    if t.is_array or t.is_struct:
        return ir.ArrayType(I8, t.size)
    raise AssertionError(f"no LLVM type for {t}")


def core_record(defn: ctype.StructDef) -> tuple[ir.LiteralStructType, dict[int, int]]:
    """The element type a CO-RE struct access names, and the field index of each member offset.

    The backend takes the record's alignment from it (for bit-field relocations) and, where it
    drops an access, a GEP to the field: a zero-length array of the record's alignment, then one
    byte array per distinct member offset."""
    starts = sorted({m.offset for m in defn.members} | {0})
    bounds = starts + [max(defn.size, starts[-1])]
    fields = [ir.ArrayType(I8, end - start) for start, end in zip(bounds, bounds[1:])]
    aligner = ir.ArrayType(ir.IntType(defn.align * 8), 0)
    return ir.LiteralStructType([aligner, *fields]), {start: i + 1 for i, start in enumerate(starts)}


def core_bitfield_unit(defn: ctype.StructDef, member: ctype.Member) -> int | None:
    """The byte offset of the storage unit LLVM's BPF backend relocates for a bit-field: the
    record's alignment (8 bytes at most) around it; None if the field does not fit in one, which
    the backend refuses by ending the process."""
    unit = min(defn.align, 8) * 8
    start = member.offset * 8 + member.bit_offset
    first = start // unit * unit
    return first // 8 if start + member.bit_width <= first + unit else None


def core_element(t: ctype.Type) -> ir.Type:
    """An element type of `t`'s size (and, for a record, alignment) for a CO-RE array access."""
    if t.is_struct and not t.is_union:
        return core_record(t.defn)[0]
    if t.is_array:
        return ir.ArrayType(core_element(t.elem), t.length or 0)
    return ir.ArrayType(I8, t.size)


# ---- clang's BPF calling convention for structs and unions ---------------------------

REGISTER_PAIR = ir.ArrayType(I64, 2)


def passed_as(t: ctype.Type) -> ir.Type | None:
    """What an argument of type `t` travels as.  A struct (or union) of up to 8 bytes is one
    integer of its size, up to 16 bytes two registers (an i64 pair), a larger one a pointer to
    a copy the caller makes (LLVM's BPF back end refuses such calls: `optimize` reports those
    left after inlining); an empty one is not passed (None)."""
    if not t.is_struct:
        return lltype(t)
    if t.size == 0:
        return None
    if t.size <= 8:
        return ir.IntType(t.size * 8)
    return REGISTER_PAIR if t.size <= 16 else PTR


def function_type(t: ctype.FunctionType) -> ir.FunctionType:
    """A returned struct is written through a pointer to the caller's storage, passed first
    (LLVM's BPF back end refuses functions that do so: `optimize` reports those not inlined)."""
    params = [p for p in map(passed_as, t.params) if p is not None]
    if t.ret.is_struct:
        return ir.FunctionType(VOID, [PTR, *params], var_arg=t.variadic)
    return ir.FunctionType(lltype(t.ret), params, var_arg=t.variadic)


def parameter_arguments(t: ctype.FunctionType, args) -> list:
    """The LLVM argument that carries each C parameter (None for an empty struct)."""
    carried = iter(args[1:] if t.ret.is_struct else args)
    return [next(carried) if passed_as(p) is not None else None for p in t.params]
