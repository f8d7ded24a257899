"""Compiler builtins: `__builtin_*`, `offsetof`, and the `__sync_*`/`__atomic_*` families.

Each is checked into a `tast.Builtin` with a canonical name that lowering
maps to LLVM (or folded to a constant here when its value is known).
"""
from __future__ import annotations

from pycparser import c_ast

from .. import ctype, tast

_MEMORY = {"__builtin_memcpy": "memcpy", "__builtin_memset": "memset",
           "__builtin_memmove": "memmove", "__builtin_memcmp": "memcmp"}
# LLVM's BPF back end expands memcmp with at most 128 loads of 8, 4, 2 or 1 bytes from each side.
_MEMCMP_MAX_LOADS = 128
_BSWAP = {"__builtin_bswap16": ctype.USHORT, "__builtin_bswap32": ctype.UINT, "__builtin_bswap64": ctype.ULLONG}
# __builtin_clz/ctz/popcount/ffs/parity with the l and ll variants: (operation, operand type).
_BITS = {f"__builtin_{op}{suffix}": (kind, t)
         for op, kind in (("clz", "ctlz"), ("ctz", "cttz"), ("popcount", "ctpop"), ("ffs", "ffs"), ("parity", "parity"))
         for suffix, t in (("", ctype.UINT), ("l", ctype.ULONG), ("ll", ctype.ULLONG))}
_OTHER = {"__builtin_choose_expr", "__builtin_expect", "__builtin_constant_p", "__builtin_unreachable", "__builtin_trap", "offsetof",
          "__builtin_types_compatible_p", "__builtin_expect_with_probability", "__builtin_assume"}

# Builtins, and C library functions, that BPF cannot have: what to do instead.
_NO_ALLOCA = "a BPF stack frame has a fixed size (512 bytes at most): use a local array of fixed size, or a per-CPU array map"
_NO_SETJMP = "BPF has no indirect jumps to come back through: return an error code instead"
_NO_BPF_BUILTIN = {"__builtin_alloca": _NO_ALLOCA, "__builtin_alloca_with_align": _NO_ALLOCA,
                   "__builtin_setjmp": _NO_SETJMP, "__builtin_longjmp": _NO_SETJMP}
NO_BPF_LIBRARY = {"alloca": _NO_ALLOCA} | dict.fromkeys(
    ("setjmp", "longjmp", "_setjmp", "_longjmp", "sigsetjmp", "siglongjmp"), _NO_SETJMP)

_RMW_OPS = ("add", "sub", "or", "and", "xor")
# Read-modify-write builtins: name → (operation, whether the new value is returned rather than the old).
_SYNC_RMW = {f"__sync_fetch_and_{op}": (op, False) for op in _RMW_OPS} \
    | {f"__sync_{op}_and_fetch": (op, True) for op in _RMW_OPS} | {"__sync_lock_test_and_set": ("xchg", False)}
_ATOMIC_RMW = {f"__atomic_fetch_{op}": (op, False) for op in _RMW_OPS} \
    | {f"__atomic_{op}_fetch": (op, True) for op in _RMW_OPS} | {"__atomic_exchange_n": ("xchg", False)}
# GNU atomics with no BPF instruction: what to write instead.
_NO_BPF_ATOMIC = dict.fromkeys(
    ("__sync_fetch_and_nand", "__sync_nand_and_fetch", "__atomic_fetch_nand", "__atomic_nand_fetch",
     "__atomic_fetch_min", "__atomic_fetch_max", "__atomic_min_fetch", "__atomic_max_fetch"),
    "BPF's atomic instructions are add, and, or, xor, xchg and cmpxchg: build it from __sync_val_compare_and_swap") \
    | dict.fromkeys(
    ("__atomic_test_and_set", "__atomic_clear"),
    "BPF has no byte-sized atomics: use __sync_lock_test_and_set or __atomic_exchange_n on a 32- or 64-bit integer") \
    | dict.fromkeys(
    ("__sync_synchronize", "__atomic_thread_fence"),
    "BPF has no fence instruction; atomics whose result is used (and xchg, cmpxchg) are fully ordered")
_ATOMICS = frozenset(_SYNC_RMW) | frozenset(_ATOMIC_RMW) | frozenset(_NO_BPF_ATOMIC) | {
    "__sync_val_compare_and_swap", "__sync_bool_compare_and_swap", "__sync_lock_release",
    "__atomic_load_n", "__atomic_store_n", "__atomic_load", "__atomic_store", "__atomic_exchange",
    "__atomic_compare_exchange_n", "__atomic_compare_exchange", "__atomic_signal_fence"}

# The C11 memory orders (`__ATOMIC_RELAXED` … `__ATOMIC_SEQ_CST`), and those each kind of access accepts.
RELAXED, CONSUME, ACQUIRE, RELEASE, ACQ_REL, SEQ_CST = range(6)
_ORDER_NAMES = ("__ATOMIC_RELAXED", "__ATOMIC_CONSUME", "__ATOMIC_ACQUIRE", "__ATOMIC_RELEASE",
                "__ATOMIC_ACQ_REL", "__ATOMIC_SEQ_CST")
_ANY_ORDER = tuple(range(6))
_LOAD_ORDERS = (RELAXED, CONSUME, ACQUIRE, SEQ_CST)
_STORE_ORDERS = (RELAXED, RELEASE, SEQ_CST)

# CO-RE: relocations that libbpf resolves against the running kernel's BTF (from debug info, so -g only).
_CORE = {"__builtin_preserve_access_index", "__builtin_preserve_field_info", "__builtin_preserve_type_info",
         "__builtin_btf_type_id", "__builtin_preserve_enum_value"}

# The second argument of each, as libbpf's bpf_core_read.h names its values.
_CORE_KINDS = {
    "__builtin_preserve_field_info": ("BPF_FIELD_BYTE_OFFSET", "BPF_FIELD_BYTE_SIZE", "BPF_FIELD_EXISTS",
                                      "BPF_FIELD_SIGNED", "BPF_FIELD_LSHIFT_U64", "BPF_FIELD_RSHIFT_U64"),
    "__builtin_preserve_type_info": ("BPF_TYPE_EXISTS", "BPF_TYPE_SIZE", "BPF_TYPE_MATCHES"),
    "__builtin_btf_type_id": ("BPF_TYPE_ID_LOCAL", "BPF_TYPE_ID_TARGET"),
    "__builtin_preserve_enum_value": ("BPF_ENUMVAL_EXISTS", "BPF_ENUMVAL_VALUE"),
}

BUILTIN_NAMES = _CORE | frozenset(_BITS) | frozenset(_MEMORY) | frozenset(_BSWAP) | _ATOMICS | _OTHER | frozenset(_NO_BPF_BUILTIN)


def compatible(a: ctype.Type, b: ctype.Type, top: bool = True) -> bool:
    """C's type compatibility as __builtin_types_compatible_p sees it: qualifiers are ignored at the
    top (and, as clang does, on an array's elements), but must agree below a pointer."""
    if not top and (a.const, a.volatile) != (b.const, b.volatile):
        return False
    if a.is_pointer and b.is_pointer:
        return compatible(a.target, b.target, top=False)
    if a.is_array and b.is_array:
        return (a.length is None or b.length is None or a.length == b.length) and compatible(a.elem, b.elem, top)
    return a == b


def _has_side_effects(e) -> bool:
    """Whether evaluating `e` could change something (GCC's test for __builtin_constant_p)."""
    if isinstance(e, (tast.Assign, tast.CompoundAssign, tast.IncDec, tast.Call, tast.HelperCall, tast.StmtExpr)):
        return True
    if isinstance(e, tast.Builtin) and e.name not in ("bswap", "expect", "ctlz", "cttz", "ctpop", "ffs", "parity"):
        return True
    return any(_has_side_effects(v) for v in vars(e).values() if isinstance(v, tast.Expr)) \
        or any(_has_side_effects(a) for v in vars(e).values() if isinstance(v, list) for a in v if isinstance(a, tast.Expr))


class BuiltinChecker:
    def is_builtin(self, name: str) -> bool:
        return name in BUILTIN_NAMES

    def builtin_call(self, name: str, args: list, node) -> tast.Expr:
        loc = self.loc(node)
        if name in ("__builtin_setjmp", "__builtin_longjmp"):
            raise self.error(f"{name} is not supported for the current target", node, _NO_SETJMP)
        if name in _NO_BPF_BUILTIN or name in NO_BPF_LIBRARY:
            raise self.error(f"'{name}' is not supported by BPF", node, _NO_BPF_BUILTIN.get(name) or NO_BPF_LIBRARY[name])
        if name == "offsetof":
            return self.offsetof(args, node)
        if name == "__builtin_types_compatible_p":
            a, b = (self.resolve_type(t) for t in args)
            return tast.Const(ctype.INT, loc, int(compatible(a, b)))
        if name == "__builtin_constant_p":
            self.expect_args(name, args, 1, node)
            return self.constant_p(self.expression(args[0]), loc)
        if name == "__builtin_choose_expr":
            self.expect_args(name, args, 3, node)
            choice = self.constant_expression(args[0])
            if not isinstance(choice, tast.Const):
                raise self.error("__builtin_choose_expr needs a constant condition", args[0])
            return self.expression(args[1] if choice.value else args[2], value=False)
        if name in _CORE:
            return self.core_builtin(name, args, node)
        if name == "__builtin_expect_with_probability":
            self.expect_args(name, args, 3, node)
            self.probability(args[2])
            args = args[:2]
        checked = [self.expression(a) for a in args]
        if name in _BITS:
            self.expect_args(name, args, 1, node)
            kind, t = _BITS[name]
            return tast.Builtin(ctype.INT, loc, kind, [self.convert(checked[0], t)])
        if name in ("__builtin_expect", "__builtin_expect_with_probability"):
            self.expect_args(name, args, 2, node)
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
        if name in _ATOMICS:
            return self.atomic_builtin(name, checked, args, node)
        raise self.error(f"builtin '{name}' is not supported", node)

    def core_builtin(self, name: str, args: list, node) -> tast.Expr:
        """The CO-RE builtins, in clang's terms; the argument of all but the first is not evaluated:
        lowering reads only its type, or the members it goes through."""
        loc = self.loc(node)
        if not self.options.debug:
            spelled = {"__builtin_preserve_access_index": "builtin_preserve_access_index()",
                       "__builtin_preserve_field_info": "__builtin_preserve_field_info()"}.get(name, "builtin function")
            raise self.error(f"using {spelled} without -g", node)
        if name == "__builtin_preserve_access_index":
            self.expect_args(name, args, 1, node)
            value = self.expression(args[0])
            return tast.Builtin(value.type, loc, "preserve_access_index", [value])
        self.expect_args(name, args, 2, node)
        subject = self.expression(args[0], value=False)
        kind = self.expression(args[1])
        if not isinstance(kind, tast.Const):
            raise self.error(f"{name} argument 2 not a constant", args[1])
        kinds = _CORE_KINDS[name]
        if kind.value not in range(len(kinds)):
            # clang passes any value on, and LLVM ends the process on one it does not know.
            raise self.error(f"{name} argument 2 must be one of {', '.join(kinds)} (0 to {len(kinds) - 1})", args[1])
        if name == "__builtin_preserve_field_info":
            subscript = isinstance(subject, tast.Deref) and isinstance(subject.ptr, tast.PtrAdd) and subject.ptr.subscript
            if not (isinstance(subject, tast.Member) or subscript):
                raise self.error(f"{name} argument 1 not a field access", args[0])
            return tast.Builtin(ctype.UINT, loc, "preserve_field_info", [subject, kind])
        if name in ("__builtin_preserve_type_info", "__builtin_btf_type_id") and subject.type.is_void:
            raise self.error(f"{name} argument 1 invalid", args[0])  # no type to name (LLVM ends clang on it)
        if name == "__builtin_preserve_type_info":
            return tast.Builtin(ctype.UINT, loc, "preserve_type_info", [subject, kind])
        if name == "__builtin_preserve_enum_value":
            return tast.Builtin(ctype.LONG, loc, "preserve_enum_value", [self.enumerator(subject, args[0]), kind])
        return tast.Builtin(ctype.ULONG, loc, "btf_type_id", [subject, kind])

    def enumerator(self, subject: tast.Expr, arg) -> tast.Expr:
        """`*(enum E *)ENUMERATOR`, as bpf_core_enum_value() writes it: a constant of type enum E
        whose value is one of E's enumerators, the first of that value naming it."""
        ptr = subject.ptr if isinstance(subject, tast.Deref) else None
        if isinstance(ptr, tast.Cast):
            ptr = ptr.operand
        enum = getattr(subject.type, "enum", None)
        value = subject.type.wrap(ptr.value) if isinstance(ptr, tast.Const) and enum is not None else None
        if value is None or all(v != value for _, v in enum.enumerators):
            raise self.error("__builtin_preserve_enum_value argument 1 invalid", arg)
        return tast.Const(subject.type, subject.loc, value)

    def constant_p(self, expr: tast.Expr, loc) -> tast.Expr:
        """__builtin_constant_p: 1 for a C constant expression, 0 for one with side effects (not
        evaluated); otherwise LLVM answers after optimisation (`llvm.is.constant`), as for clang,
        so a constant that reaches it through inlining counts."""
        if isinstance(expr, tast.Const) or isinstance(expr, tast.AddrOf) and isinstance(expr.operand, tast.StringLit):
            return tast.Const(ctype.INT, loc, 1)
        # Where C needs an integer constant (constant_expression), clang answers 0 at once:
        # libbpf's bpf_ksym_exists is `_Static_assert(!__builtin_constant_p(!!sym), …)`.
        if _has_side_effects(expr) or not expr.type.is_scalar or self.constant_required:
            return tast.Const(ctype.INT, loc, 0)
        return tast.Builtin(ctype.INT, loc, "is_constant", [expr])

    def probability(self, arg) -> None:
        """The third argument of __builtin_expect_with_probability: a constant in [0, 1], the one
        floating-point value a BPF program may write (it only guides the layout of branches)."""
        value = None
        if isinstance(arg, c_ast.Constant) and arg.type in ("float", "double", "long double"):
            spelling = arg.value.rstrip("fFlL")
            value = float.fromhex(spelling) if spelling.lower().startswith("0x") else float(spelling)
        else:
            checked = self.expression(arg)
            value = checked.value if isinstance(checked, tast.Const) else None
        if value is None:
            raise self.error("probability argument to __builtin_expect_with_probability must be constant floating-point expression", arg)
        if not 0 <= value <= 1:
            raise self.error("probability argument to __builtin_expect_with_probability is outside the range [0.0, 1.0]", arg)

    def expect_args(self, name: str, args: list, count: int, node) -> None:
        if len(args) != count:
            raise self.error(f"too {'few' if len(args) < count else 'many'} arguments to '{name}', expected {count}, have {len(args)}", node)

    # ---- __sync_* and __atomic_* ---------------------------------------------

    def atomic_builtin(self, name: str, checked: list[tast.Expr], args: list, node) -> tast.Expr:
        """An atomic builtin as a `tast.Builtin`: `atomic_<op>` (old value) or `atomic_<op>_fetch`
        (new value) for read-modify-write and xchg, `cmpxchg_*`, `atomic_load`/`atomic_store`
        (with the memory order as a last constant argument) or `signal_fence`.

        The memory order of a read-modify-write does not change its BPF instruction (lowering
        picks the fetching form exactly when the result is used), so it is only checked here."""
        loc = self.loc(node)
        if name in _NO_BPF_ATOMIC:
            raise self.error(f"'{name}' is not supported by BPF", node, _NO_BPF_ATOMIC[name])
        if name == "__atomic_signal_fence":
            self.expect_args(name, args, 1, node)
            self.memory_order(checked[0], args[0], _ANY_ORDER)
            return tast.Builtin(ctype.VOID, loc, "signal_fence", [])
        if name in _SYNC_RMW or name in _ATOMIC_RMW:
            op, new_value = _SYNC_RMW.get(name) or _ATOMIC_RMW[name]
            self.expect_args(name, args, 2 if name in _SYNC_RMW else 3, node)
            if name in _ATOMIC_RMW:
                self.memory_order(checked[2], args[2], _ANY_ORDER)
            ptr = self.atomic_pointer(name, checked[0], node)
            t = ptr.type.target.unqualified()
            return tast.Builtin(t, loc, f"atomic_{op}_fetch" if new_value else f"atomic_{op}", [ptr, self.convert(checked[1], t)])
        if name == "__atomic_exchange":  # (p, &value, &old, order)
            self.expect_args(name, args, 4, node)
            ptr = self.atomic_pointer(name, checked[0], node)
            self.memory_order(checked[3], args[3], _ANY_ORDER)
            t = ptr.type.target.unqualified()
            swap = tast.Builtin(t, loc, "atomic_xchg", [ptr, self.object_through(checked[1], t, name)])
            return self.store_through(checked[2], swap, name)
        if name in ("__sync_val_compare_and_swap", "__sync_bool_compare_and_swap"):
            self.expect_args(name, args, 3, node)
            ptr = self.atomic_pointer(name, checked[0], node)
            t = ptr.type.target.unqualified()
            result, kind = (t, "cmpxchg_val") if name == "__sync_val_compare_and_swap" else (ctype.BOOL, "cmpxchg_bool")
            return tast.Builtin(result, loc, kind, [ptr, self.convert(checked[1], t), self.convert(checked[2], t)])
        if name in ("__atomic_compare_exchange_n", "__atomic_compare_exchange"):
            # (p, &expected, desired or &desired, weak, success order, failure order)
            self.expect_args(name, args, 6, node)
            ptr = self.atomic_pointer(name, checked[0], node)
            t = ptr.type.target.unqualified()
            self.memory_order(checked[4], args[4], _ANY_ORDER)
            failure = self.memory_order(checked[5], args[5], _ANY_ORDER)
            if failure in (RELEASE, ACQ_REL):  # a warning in clang, which then uses a valid order
                self.warn("failure memory order argument to atomic operation is invalid", args[5])
            expected = self.convert(checked[1], ctype.pointer(t), what=f" passing argument 2 of '{name}'")
            desired = self.convert(checked[2], t) if name.endswith("_n") else self.object_through(checked[2], t, name)
            return tast.Builtin(ctype.BOOL, loc, "cmpxchg_expected", [ptr, expected, desired])
        if name in ("__atomic_load_n", "__atomic_load"):  # (p, order) or (p, &result, order)
            self.expect_args(name, args, 2 if name.endswith("_n") else 3, node)
            ptr = self.atomic_pointer(name, checked[0], node)
            t = ptr.type.target.unqualified()
            order = self.access_order(name, checked[-1], args[-1], _LOAD_ORDERS, node)
            load = tast.Builtin(t, loc, "atomic_load", [ptr, tast.Const(ctype.INT, loc, order)])
            return load if name.endswith("_n") else self.store_through(checked[1], load, name)
        if name in ("__atomic_store_n", "__atomic_store", "__sync_lock_release"):  # (p, value or &value, order), (p)
            self.expect_args(name, args, 1 if name == "__sync_lock_release" else 3, node)
            ptr = self.atomic_pointer(name, checked[0], node)
            t = ptr.type.target.unqualified()
            if name == "__sync_lock_release":
                order, value = self.access_order(name, None, args[0], _STORE_ORDERS, node), tast.Const(t, loc, 0)
            else:
                order = self.access_order(name, checked[2], args[2], _STORE_ORDERS, node)
                value = self.convert(checked[1], t) if name.endswith("_n") else self.object_through(checked[1], t, name)
            return tast.Builtin(ctype.VOID, loc, "atomic_store", [ptr, value, tast.Const(ctype.INT, loc, order)])
        raise self.error(f"builtin '{name}' is not supported", node)

    def atomic_pointer(self, name: str, ptr: tast.Expr, node) -> tast.Expr:
        family = "builtin" if name.startswith("__sync") else "operation"
        target = ptr.type.target if ptr.type.is_pointer else None
        if target is None or not (target.is_integer or target.is_pointer):
            raise self.error(f"address argument to atomic {family} must be a pointer to integer or pointer ('{ptr.type}' invalid)", node)
        if target.is_pointer:
            raise self.error(f"atomic operations on pointers are not supported by BPF ('{ptr.type}' invalid)", node,
                             "keep the address in a __u64")
        if target.const:
            raise self.error(f"address argument to atomic {family} cannot be const-qualified ('{ptr.type}' invalid)", node)
        if target.size not in (4, 8):
            raise self.error("unsupported atomic operation, please use 32/64 bit version", node,
                             "BPF's atomic instructions work on 32- and 64-bit integers only")
        return ptr

    def memory_order(self, order: tast.Expr, arg, valid: tuple[int, ...]) -> int | None:
        """The constant memory order `order` (None if only known at run time); an error if invalid here.

        clang only warns about an invalid order, then drops the whole operation: an error is kinder."""
        if not order.type.is_integer:
            raise self.error(f"memory order argument must be an integer ('{order.type}' invalid)", arg)
        if not isinstance(order, tast.Const):
            return None
        if order.value not in valid:
            raise self.error("memory order argument to atomic operation is invalid", arg,
                             f"here it must be one of {', '.join(_ORDER_NAMES[o] for o in valid)}")
        return order.value

    def access_order(self, name: str, order: tast.Expr | None, arg, valid: tuple[int, ...], node) -> int:
        """The memory order of an atomic load or store, if BPF has an instruction for it.

        A relaxed access is a plain load or store (lowered as volatile, so it is neither torn nor
        merged); acquire and release need the v4 instructions; BPF has nothing sequentially
        consistent (LLVM: "seq_cst atomic load/store is not supported")."""
        kind = "load" if "load" in name else "store"
        value = RELEASE if order is None else self.memory_order(order, arg, valid)
        if value is None:
            raise self.error(f"the memory order of '{name}' must be a constant on BPF", arg,
                             "BPF has a different instruction for each order: write the __ATOMIC_* constant")
        if value == SEQ_CST:
            raise self.error(f"sequentially consistent (seq_cst) atomic {kind} is not supported by BPF", arg,
                             "use __ATOMIC_ACQUIRE loads and __ATOMIC_RELEASE stores (-mcpu=v4), or __ATOMIC_RELAXED")
        if value != RELAXED and self.options.mcpu != "v4":
            what = "load-acquire" if kind == "load" else "store-release"
            raise self.error(f"atomic {what} needs -mcpu=v4", node if order is None else arg,
                             "compile with -mcpu=v4 (Linux 6.15 or later), or use __ATOMIC_RELAXED")
        return value

    def object_through(self, ptr: tast.Expr, t, name: str) -> tast.Expr:
        """`*ptr` for the generic __atomic_* builtins, which take their values by address."""
        ptr = self.convert(ptr, ctype.pointer(t), what=f" passing an argument of '{name}'")
        return tast.Deref(t, ptr.loc, ptr)

    def store_through(self, ptr: tast.Expr, value: tast.Expr, name: str) -> tast.Expr:
        """`(void)(*ptr = value)`: where the generic __atomic_* builtins return their result."""
        target = self.object_through(ptr, value.type, name)
        return tast.Cast(ctype.VOID, value.loc, tast.Assign(value.type, value.loc, target, value))

    def memory_builtin(self, kind: str, checked, args, node) -> tast.Expr:
        loc = self.loc(node)
        self.expect_args(f"__builtin_{kind}", args, 3, node)
        size = self.convert(checked[2], ctype.ULONG)
        if not isinstance(size, tast.Const):
            raise self.error(f"__builtin_{kind} needs a constant size on BPF", args[2],
                             f"BPF has no library to call: {kind} is expanded into loads and stores, which needs the size at compile time")
        if kind == "memcmp" and size.value // 8 + bin(size.value % 8).count("1") > _MEMCMP_MAX_LOADS:
            # LLVM would leave a call to a memcmp that no BPF object can link (clang-19 does).
            raise self.error(f"__builtin_memcmp of {size.value} bytes is too long to expand on BPF", args[2],
                             f"compare at most {_MEMCMP_MAX_LOADS * 8} bytes at once: split the comparison")
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
