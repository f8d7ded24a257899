"""The one place that knows BPF: helper calls, signed division per CPU version,
byte swaps and loop metadata, on top of llvmlite's IR builder."""
from __future__ import annotations

from llvmlite import ir
from llvmlite.ir import instructions

I1, I8, I32, I64 = ir.IntType(1), ir.IntType(8), ir.IntType(32), ir.IntType(64)
PTR = ir.PointerType()


class BpfBuilder(ir.IRBuilder):
    def __init__(self, block: ir.Block, mcpu: str) -> None:
        super().__init__(block)
        self.has_sdiv = mcpu == "v4"

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

    # long bpf_helper(...) — the BPF backend turns a call to a constant address into `call N`.
    def helper_call(self, helper_id: int, fnty: ir.FunctionType, args: list[ir.Value], name: str = "") -> ir.Value:
        callee = ir.Constant(I64, helper_id).inttoptr(PTR)
        callee.function_type = fnty
        return self.call(callee, args, name=name)

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

    def memory_intrinsic(self, kind: str, dst: ir.Value, src_or_byte: ir.Value, size: int, volatile: bool = False) -> None:
        if kind == "memset":
            fn = self.module.declare_intrinsic("llvm.memset", [PTR, I64])
        else:
            fn = self.module.declare_intrinsic(f"llvm.{kind}", [PTR, PTR, I64])
        self.call(fn, [dst, src_or_byte, ir.Constant(I64, size), ir.Constant(I1, int(volatile))])

    def compiler_barrier(self) -> None:
        """`asm volatile("" ::: "memory")`: nothing emitted, but memory is not cached across it."""
        self.asm(ir.FunctionType(ir.VoidType(), []), "", "~{memory}", [], True)

    @property
    def module(self) -> ir.Module:
        return self.function.module


class _VolatileLoad(instructions.LoadInstr):
    """llvmlite cannot spell `load volatile`; volatile accesses must survive optimisation."""

    def descr(self, buf):
        super().descr(buf)
        buf[-1] = buf[-1].replace("load ", "load volatile ", 1)


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
    elif unroll == "disable":
        props.append(module.add_metadata(["llvm.loop.unroll.disable"]))
    elif isinstance(unroll, int):
        props.append(module.add_metadata(["llvm.loop.unroll.count", I32(unroll)]))
    return module.add_metadata([f"{SELF_MARKER}{loop_index}"] + props)


SELF_MARKER = "bpfcc.loop.self."
