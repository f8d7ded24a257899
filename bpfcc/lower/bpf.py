"""The one place that knows BPF: helper calls, signed division per CPU version,
byte swaps and loop metadata, on top of llvmlite's IR builder."""
from __future__ import annotations

from llvmlite import ir
from llvmlite.ir import instructions
from llvmlite.ir.values import ArgumentAttributes

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
PTR = ir.PointerType()


class BpfBuilder(ir.IRBuilder):
    def __init__(self, block: ir.Block, mcpu: str, source_locs: dict) -> None:
        super().__init__(block)
        self.has_sdiv = mcpu == "v4"
        self.source_locs = source_locs  # Lowered.source_locs
        self.loc = None  # the source location being lowered

    # -mcpu=v1 and v2 refuse some atomics, and only after optimisation is it known whether a
    # result is used (optimize.check_atomics): atomics carry their source.
    def atomic_rmw(self, op, ptr, val, ordering, name=""):
        return self.tag_source(super().atomic_rmw(op, ptr, val, ordering, name))

    def cmpxchg(self, ptr, cmp, val, ordering, failordering=None, name=""):
        return self.tag_source(super().cmpxchg(ptr, cmp, val, ordering, failordering, name))

    def tag_source(self, inst):
        """`!bpfcc.src` names the source of an instruction that a check after optimisation may
        report, even without debug info."""
        index = len(self.source_locs)
        self.source_locs[index] = self.loc
        inst.set_metadata("bpfcc.src", self.module.add_metadata([I32(index)]))
        return inst

    def load(self, ptr, name="", align=None, typ=None, volatile=False):
        if not volatile:
            return super().load(ptr, name, align, typ)
        inst = _VolatileLoad(self.block, ptr, name, typ=typ)
        inst.align = align
        self._insert(inst)
        return inst

    def store(self, value, ptr, align=None, volatile=False):
        if not volatile:
            return super().store(value, ptr, align)
        inst = _VolatileStore(self.block, value, ptr)
        inst.align = align
        self._insert(inst)
        return inst

    # C11 memory orders (__ATOMIC_RELAXED = 0 … __ATOMIC_SEQ_CST = 5) of the loads and stores BPF has.
    _ACCESS_ORDERS = {1: "acquire", 2: "acquire", 3: "release"}

    def atomic_load(self, ptr, typ, order: int, align: int) -> ir.Value:
        """A relaxed load is a plain one, kept whole and in place (volatile); acquire is
        -mcpu=v4's load-acquire instruction."""
        if order == 0:
            return self.load(ptr, typ=typ, align=align, volatile=True)
        return self.load_atomic(ptr, self._ACCESS_ORDERS[order], align, typ=typ)

    def atomic_store(self, value, ptr, order: int, align: int) -> None:
        """A relaxed store is a plain (volatile) one; release is -mcpu=v4's store-release."""
        if order == 0:
            self.store(value, ptr, align=align, volatile=True)
            return
        self._insert(instructions.StoreAtomicInstr(self.block, value, ptr, self._ACCESS_ORDERS[order], align))

    # long bpf_helper(...) — the BPF backend turns a call to a constant address into `call N`.
    def helper_call(self, helper_id: int, fnty: ir.FunctionType, args: list[ir.Value], name: str = "") -> ir.Value:
        callee = ir.Constant(I64, helper_id).inttoptr(PTR)
        callee.function_type = fnty
        return self.call(callee, args, name=name)

    def int_to_pointer(self, value: ir.Value) -> ir.Value:
        """`(void *)n`, with n's origin hidden from the IR optimisers.

        `(void *)(long)ctx->data` is inttoptr(zext i32): InstCombine would compare
        or offset the i32s, but the verifier rewrites the 32-bit context load into
        a 64-bit packet pointer, learns packet ranges only from 64-bit compares and
        refuses 32-bit pointer arithmetic.  The backend removes `llvm.bpf.passthrough`
        after the IR optimisations (BPFCheckAndAdjustIR), so it costs no instruction.
        """
        pointer = self.inttoptr(value, PTR)
        if isinstance(value, ir.Constant):
            return pointer
        fn = self.module.declare_intrinsic("llvm.bpf.passthrough", [PTR, PTR], ir.FunctionType(PTR, [I32, PTR]))
        return self.call(fn, [ir.Constant(I32, 0), pointer])

    def signed_divide(self, op: str, a: ir.Value, b: ir.Value) -> ir.Value:
        """`a / b` or `a % b` in C's truncating signed semantics.

        Only -mcpu=v4 has signed div/mod instructions (LLVM refuses signed
        division otherwise); older CPUs divide the magnitudes unsigned and fix
        the sign.  BPF defines x/0 = 0 and x%0 = x, which both paths keep.
        """
        if self.has_sdiv:
            return self.sdiv(a, b) if op == "/" else self.srem(a, b)
        zero = ir.Constant(a.type, 0)
        a_neg = self.icmp_signed("<", a, zero)
        b_neg = self.icmp_signed("<", b, zero)
        a_abs = self.select(a_neg, self.neg(a), a)
        b_abs = self.select(b_neg, self.neg(b), b)
        if op == "/":
            q = self.udiv(a_abs, b_abs)
            return self.select(self.xor(a_neg, b_neg), self.neg(q), q)
        r = self.urem(a_abs, b_abs)
        return self.select(a_neg, self.neg(r), r)

    def bswap(self, value: ir.Value) -> ir.Value:
        fn = self.module.declare_intrinsic("llvm.bswap", [value.type])
        return self.call(fn, [value])

    def memory_intrinsic(self, kind: str, dst: ir.Value, src_or_byte: ir.Value, size: int, volatile: bool = False,
                         align: int = 1, src_align: int | None = None) -> None:
        """llvm.memcpy/memmove/memset; `align` (and `src_align`, if it differs) is what the pointers
        are known to be aligned to, as clang gives it: a struct copy's type alignment, a builtin's
        pointee alignment.  LLVM expands the copy in units that size, not byte by byte."""
        if kind == "memset":
            fn = self.module.declare_intrinsic("llvm.memset", [PTR, I64])
            aligns = (align,)
        else:
            fn = self.module.declare_intrinsic(f"llvm.{kind}", [PTR, PTR, I64])
            aligns = (align, align if src_align is None else src_align)
        call = self.call(fn, [dst, src_or_byte, ir.Constant(I64, size), ir.Constant(I1, int(volatile))])
        for pointer, known in enumerate(aligns):
            if known > 1:
                call.arg_attributes[pointer] = ArgumentAttributes()
                call.arg_attributes[pointer].align = known

    def memcmp(self, a: ir.Value, b: ir.Value, size: int) -> ir.Value:
        """A call to `int memcmp(a, b, size)` that the code generator expands (ExpandMemCmp, up
        to 128 loads of 8, 4, 2 or 1 bytes): no call to it reaches the object."""
        fn = self.module.globals.get("memcmp")
        if fn is None:
            fn = ir.Function(self.module, ir.FunctionType(I32, [PTR, PTR, I64]), "memcmp")
        return self.call(fn, [a, b, ir.Constant(I64, size)])

    def compiler_barrier(self) -> None:
        """`asm volatile("" ::: "memory")`: nothing emitted, but memory is not cached across it."""
        self.asm(ir.FunctionType(ir.VoidType(), []), "", "~{memory}", [], True)

    # ---- CO-RE: LLVM's BPF backend (BPFAbstractMemberAccess) turns these intrinsics, and the debug
    # type each carries in `!llvm.preserve.access.index`, into `.BTF.ext` relocations for libbpf.

    def struct_access(self, base: ir.Value, element_type: ir.Type, gep_index: int, di_index: int, di_type) -> ir.Value:
        """The address of member `di_index` (its place in the debug type) of the struct at `base`;
        `element_type` gives the struct's alignment and a field `gep_index` at the member's offset."""
        return self._typed_access("struct", base, element_type, gep_index, di_index, di_type)

    def array_access(self, base: ir.Value, element_type: ir.Type, dimension: int, index: int, di_type) -> ir.Value:
        """Element `index` of the array (dimension 1) or of the pointed-to records (dimension 0) at `base`."""
        return self._typed_access("array", base, element_type, dimension, index, di_type)

    def _typed_access(self, kind: str, base: ir.Value, element_type: ir.Type, first: int, second: int,
                      di_type) -> ir.Value:
        """`llvm.preserve.<kind>.access.index(elementtype(element_type) base, first, second)`."""
        fn = self.module.declare_intrinsic(f"llvm.preserve.{kind}.access.index", [PTR, PTR],
                                           ir.FunctionType(PTR, [PTR, I32, I32]))
        call = _ElementTypeCall(self.block, fn, [base, I32(first), I32(second)], element_type)
        self._insert(call)
        call.set_metadata("llvm.preserve.access.index", di_type)
        return call

    def union_access(self, base: ir.Value, di_index: int, di_type) -> ir.Value:
        fn = self.module.declare_intrinsic("llvm.preserve.union.access.index", [PTR, PTR],
                                           ir.FunctionType(PTR, [PTR, I32]))
        call = self.call(fn, [base, I32(di_index)])
        call.set_metadata("llvm.preserve.access.index", di_type)
        return call

    def field_info(self, address: ir.Value, kind: int) -> ir.Value:
        """`__builtin_preserve_field_info`: `address` is the last of a chain of member accesses."""
        fn = self.module.declare_intrinsic("llvm.bpf.preserve.field.info", [PTR], ir.FunctionType(I32, [PTR, I64]))
        return self.call(fn, [address, I64(kind)])

    def type_info(self, sequence: int, kind: int, di_type) -> ir.Value:
        """`__builtin_preserve_type_info`; `sequence` keeps two queries from being merged."""
        fn = self.module.declare_intrinsic("llvm.bpf.preserve.type.info", [], ir.FunctionType(I32, [I32, I64]))
        call = self.call(fn, [I32(sequence), I64(kind)])
        call.set_metadata("llvm.preserve.access.index", di_type)
        return call

    def enum_value(self, sequence: int, enumerator: str, value: int, kind: int, di_type) -> ir.Value:
        """`__builtin_preserve_enum_value`: the backend reads the enumerator as "NAME:VALUE"."""
        text = bytearray(f"{enumerator}:{value}\0".encode())
        spelled = ir.GlobalVariable(self.module, ir.ArrayType(I8, len(text)), self.module.get_unique_name("core.enum"))
        spelled.linkage, spelled.unnamed_addr, spelled.global_constant = "private", True, True
        spelled.initializer = ir.Constant(spelled.value_type, text)
        fn = self.module.declare_intrinsic("llvm.bpf.preserve.enum.value", [], ir.FunctionType(I64, [I32, PTR, I64]))
        call = self.call(fn, [I32(sequence), spelled, I64(kind)])
        call.set_metadata("llvm.preserve.access.index", di_type)
        return call

    def btf_type_id(self, sequence: int, kind: int, di_type) -> ir.Value:
        fn = self.module.declare_intrinsic("llvm.bpf.btf.type.id", [], ir.FunctionType(I64, [I32, I64]))
        call = self.call(fn, [I32(sequence), I64(kind)])
        call.set_metadata("llvm.preserve.access.index", di_type)
        return call

    @property
    def module(self) -> ir.Module:
        return self.function.module


class _VolatileLoad(instructions.LoadInstr):
    """llvmlite cannot spell `load volatile`; volatile accesses must survive optimisation."""

    def descr(self, buf):
        super().descr(buf)
        buf[-1] = buf[-1].replace("load ", "load volatile ", 1)


class _ElementTypeCall(instructions.CallInstr):
    """llvmlite spells `elementtype` with the argument's own type (`ptr`); the intrinsic needs the
    pointee's."""

    def __init__(self, parent, fn, args, element_type: ir.Type):
        super().__init__(parent, fn, args)
        self.element_type = element_type

    def descr(self, buf):
        super().descr(buf)
        callee = self.callee.get_reference()
        buf[-1] = buf[-1].replace(f"{callee}(ptr ", f"{callee}(ptr elementtype({self.element_type}) ", 1)


class _VolatileStore(instructions.StoreInstr):
    def descr(self, buf):
        super().descr(buf)
        buf[-1] = buf[-1].replace("store ", "store volatile ", 1)


def loop_metadata(module: ir.Module, loop_index: int, unroll) -> ir.MDValue:
    """Loop properties for the latch branch.

    The first operand is a marker string that `emit`'s IR fix-up turns into the
    self-reference LLVM requires of a loop ID (llvmlite cannot spell one).
    `bpfcc.loop` carries the loop's index so that a loop surviving
    optimisation can be reported at its source line.
    """
    props = [module.add_metadata(["bpfcc.loop", I32(loop_index)])]
    if unroll == "full":
        props.append(module.add_metadata(["llvm.loop.unroll.full"]))
    elif unroll == "enable":  # `#pragma unroll`, as clang spells it: fully if the trip count allows
        props.append(module.add_metadata(["llvm.loop.unroll.enable"]))
    elif unroll == "disable":
        props.append(module.add_metadata(["llvm.loop.unroll.disable"]))
    elif isinstance(unroll, int):
        props.append(module.add_metadata(["llvm.loop.unroll.count", I32(unroll)]))
    return module.add_metadata([f"{SELF_MARKER}{loop_index}"] + props)


SELF_MARKER = "bpfcc.loop.self."
