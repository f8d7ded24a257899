"""C types → LLVM types.  Aggregates are byte arrays: members are reached by
byte offset, so LLVM never needs to agree with C on struct layout."""
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
        return ir.FunctionType(lltype(t.ret), [lltype(p) for p in t.params], var_arg=t.variadic)
    if t.is_array or t.is_struct:
        return ir.ArrayType(I8, t.size)
    raise AssertionError(f"no LLVM type for {t}")
