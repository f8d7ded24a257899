"""Compiler builtins: `__builtin_*`, `offsetof`, and the `__sync_*`/`__atomic_*` families.

Each is checked into a `tast.Builtin` with a canonical name that lowering
maps to LLVM (or folded to a constant here when its value is known).
"""
from __future__ import annotations

from pycparser import c_ast

from .. import ctype, tast

_MEMORY = {"__builtin_memcpy": "memcpy", "__builtin_memset": "memset",
           "__builtin_memmove": "memmove", "__builtin_memcmp": "memcmp"}
_BSWAP = {"__builtin_bswap16": ctype.USHORT, "__builtin_bswap32": ctype.UINT, "__builtin_bswap64": ctype.ULLONG}
_SYNC_RMW = {"__sync_fetch_and_add": "add", "__sync_fetch_and_sub": "sub", "__sync_fetch_and_or": "or",
             "__sync_fetch_and_and": "and", "__sync_fetch_and_xor": "xor", "__sync_lock_test_and_set": "xchg"}
_ATOMIC_RMW = {"__atomic_fetch_add": "add", "__atomic_fetch_sub": "sub", "__atomic_fetch_or": "or",
               "__atomic_fetch_and": "and", "__atomic_fetch_xor": "xor", "__atomic_exchange_n": "xchg"}
# __builtin_clz/ctz/popcount/ffs/parity with the l and ll variants: (operation, operand type).
_BITS = {f"__builtin_{op}{suffix}": (kind, t)
         for op, kind in (("clz", "ctlz"), ("ctz", "cttz"), ("popcount", "ctpop"), ("ffs", "ffs"), ("parity", "parity"))
         for suffix, t in (("", ctype.UINT), ("l", ctype.ULONG), ("ll", ctype.ULLONG))}
_OTHER = {"__builtin_choose_expr", "__builtin_expect", "__builtin_constant_p", "__builtin_unreachable", "__builtin_trap", "offsetof",
          "__builtin_types_compatible_p", "__sync_val_compare_and_swap", "__sync_bool_compare_and_swap",
          "__sync_synchronize", "__atomic_load_n", "__atomic_store_n", "__atomic_compare_exchange_n",
          "__builtin_expect_with_probability", "__builtin_assume"}

BUILTIN_NAMES = frozenset(_BITS) | frozenset(_MEMORY) | frozenset(_BSWAP) | frozenset(_SYNC_RMW) | frozenset(_ATOMIC_RMW) | _OTHER


class BuiltinChecker:
    def is_builtin(self, name: str) -> bool:
        return name in BUILTIN_NAMES

    def builtin_call(self, name: str, args: list, node) -> tast.Expr:
        loc = self.loc(node)
        if name == "offsetof":
            return self.offsetof(args, node)
        if name == "__builtin_types_compatible_p":
            a, b = (self.resolve_type(t) for t in args)
            return tast.Const(ctype.INT, loc, int(a.unqualified() == b.unqualified()))
        if name == "__builtin_constant_p":
            self.expect_args(name, args, 1, node)
            # Folded here, before optimisation: true for C constant expressions.
            return tast.Const(ctype.INT, loc, int(isinstance(self.expression(args[0]), tast.Const)))
        if name == "__builtin_choose_expr":
            self.expect_args(name, args, 3, node)
            choice = self.expression(args[0])
            if not isinstance(choice, tast.Const):
                raise self.error("__builtin_choose_expr needs a constant condition", args[0])
            return self.expression(args[1] if choice.value else args[2], value=False)
        checked = [self.expression(a) for a in args]
        if name in _BITS:
            self.expect_args(name, args, 1, node)
            kind, t = _BITS[name]
            return tast.Builtin(ctype.INT, loc, kind, [self.convert(checked[0], t)])
        if name in ("__builtin_expect", "__builtin_expect_with_probability"):
            self.expect_args(name, args, 2 if name == "__builtin_expect" else 3, node)
            value = self.convert(checked[0], ctype.LONG)
            return value if isinstance(value, tast.Const) else tast.Builtin(ctype.LONG, loc, "expect", [value])
        if name == "__builtin_assume":
            self.expect_args(name, args, 1, node)
            return tast.Builtin(ctype.VOID, loc, "assume", [checked[0]])
        if name in ("__builtin_unreachable", "__builtin_trap"):
            self.expect_args(name, args, 0, node)
            return tast.Builtin(ctype.VOID, loc, "unreachable", [])
        if name in _BSWAP:
            self.expect_args(name, args, 1, node)
            t = _BSWAP[name]
            value = self.convert(checked[0], t)
            if isinstance(value, tast.Const):
                return tast.Const(t, loc, int.from_bytes(value.value.to_bytes(t.size, "little"), "big"))
            return tast.Builtin(t, loc, "bswap", [value])
        if name in _MEMORY:
            return self.memory_builtin(_MEMORY[name], checked, args, node)
        if name in _SYNC_RMW or name in _ATOMIC_RMW:
            op = _SYNC_RMW.get(name) or _ATOMIC_RMW[name]
            count = 2 if name in _SYNC_RMW else 3
            self.expect_args(name, args, count, node)
            ptr = self.atomic_pointer(checked[0], node)
            value = self.convert(checked[1], ptr.type.target.unqualified())
            return tast.Builtin(ptr.type.target.unqualified(), loc, f"atomic_{op}", [ptr, value])
        if name in ("__sync_val_compare_and_swap", "__sync_bool_compare_and_swap"):
            self.expect_args(name, args, 3, node)
            ptr = self.atomic_pointer(checked[0], node)
            t = ptr.type.target.unqualified()
            result = t if name == "__sync_val_compare_and_swap" else ctype.BOOL
            kind = "cmpxchg_val" if result is t else "cmpxchg_bool"
            return tast.Builtin(result, loc, kind, [ptr, self.convert(checked[1], t), self.convert(checked[2], t)])
        if name == "__sync_synchronize":
            return tast.Builtin(ctype.VOID, loc, "fence", [])
        if name == "__atomic_load_n":
            self.expect_args(name, args, 2, node)
            ptr = self.atomic_pointer(checked[0], node)
            return tast.Builtin(ptr.type.target.unqualified(), loc, "atomic_load", [ptr])
        if name == "__atomic_store_n":
            self.expect_args(name, args, 3, node)
            ptr = self.atomic_pointer(checked[0], node)
            return tast.Builtin(ctype.VOID, loc, "atomic_store", [ptr, self.convert(checked[1], ptr.type.target.unqualified())])
        if name == "__atomic_compare_exchange_n":
            self.expect_args(name, args, 6, node)
            ptr = self.atomic_pointer(checked[0], node)
            t = ptr.type.target.unqualified()
            return tast.Builtin(ctype.BOOL, loc, "cmpxchg_expected", [ptr, checked[1], self.convert(checked[2], t)])
        raise self.error(f"builtin '{name}' is not supported", node)

    def expect_args(self, name: str, args: list, count: int, node) -> None:
        if len(args) != count:
            raise self.error(f"too {'few' if len(args) < count else 'many'} arguments to '{name}', expected {count}, have {len(args)}", node)

    def atomic_pointer(self, ptr: tast.Expr, node) -> tast.Expr:
        if not (ptr.type.is_pointer and ptr.type.target.is_integer and ptr.type.target.size in (4, 8)):
            raise self.error(f"atomic operations on BPF need a pointer to a 32- or 64-bit integer ('{ptr.type}' invalid)", node)
        return ptr

    def memory_builtin(self, kind: str, checked, args, node) -> tast.Expr:
        loc = self.loc(node)
        self.expect_args(f"__builtin_{kind}", args, 3, node)
        size = self.convert(checked[2], ctype.ULONG)
        if not isinstance(size, tast.Const):
            raise self.error(f"__builtin_{kind} needs a constant size on BPF", args[2],
                             "BPF has no library to call: the copy is expanded into loads and stores, which needs the size at compile time")
        void_ptr = ctype.pointer(ctype.VOID)
        dst = self.convert(checked[0], void_ptr, explicit=True)
        if kind == "memset":
            value = self.convert(checked[1], ctype.UCHAR)
            return tast.Builtin(void_ptr, loc, kind, [dst, value, size])
        src = self.convert(checked[1], void_ptr, explicit=True)
        result = ctype.INT if kind == "memcmp" else void_ptr
        return tast.Builtin(result, loc, kind, [dst, src, size])

    def offsetof(self, args, node) -> tast.Expr:
        loc = self.loc(node)
        t = self.resolve_type(args[0])
        if not t.is_struct:
            raise self.error(f"offsetof requires a struct or union type ('{t}' invalid)", node)
        offset, _ = self.designator_offset(t, args[1], node)
        return tast.Const(ctype.ULONG, loc, offset)

    def designator_offset(self, t, designator, node) -> tuple[int, ctype.Type]:
        """Byte offset of `a.b[2].c` within t, for offsetof."""
        if isinstance(designator, c_ast.ID):
            return self.member_offset(t, designator.name, designator)
        if isinstance(designator, c_ast.StructRef):
            base, bt = self.designator_offset(t, designator.name, node)
            off, mt = self.member_offset(bt, designator.field.name, designator.field)
            return base + off, mt
        if isinstance(designator, c_ast.ArrayRef):
            base, bt = self.designator_offset(t, designator.name, node)
            index = self.expression(designator.subscript)
            if not bt.is_array or not isinstance(index, tast.Const):
                raise self.error("offsetof array designator needs an array member and a constant index", designator)
            return base + index.value * bt.elem.size, bt.elem
        raise self.error("invalid offsetof designator", node)

    def member_offset(self, t, name: str, node) -> tuple[int, ctype.Type]:
        if not t.is_struct or not t.complete:
            raise self.error(f"member reference base type '{t}' is not a structure or union", node)
        path = t.defn.find(name)
        if path is None:
            raise self.error(f"no member named '{name}' in '{t}'", node)
        if path[-1].bit_width is not None:
            raise self.error(f"cannot compute offset of bit-field '{name}'", node)
        return sum(m.offset for m in path), path[-1].type
