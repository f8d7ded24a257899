"""The one place that knows BPF: helper calls, signed division per CPU version,
byte swaps, loop metadata and BPF inline assembly, on top of llvmlite's IR builder."""
from __future__ import annotations

import re
from dataclasses import dataclass

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

    def inline_asm(self, template: str, operands: list["AsmOperand"]) -> dict[int, ir.Value]:
        """BPF assembler text (`r1 = %0`, `%1 <<= 3`, `call 12`) as the IR it means: llvmlite's LLVM
        has no BPF assembler, so the instructions cannot stay inline asm.  Returns each register
        operand's final value by its slot; raises AsmError for an instruction outside the subset."""
        return _AsmTranslator(self, operands).run(template)

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


@dataclass(frozen=True)
class AsmOperand:
    """An inline asm operand as the template numbers it: a register (`slot`, shared by an output
    and the input tied to it, holding `value`: a ptr or an i64, None for an output only written)
    or an immediate (`value` an i64)."""

    slot: int
    value: ir.Value | None
    immediate: bool = False


class AsmError(Exception):
    """An instruction bpfcc cannot translate; the statement lowerer reports it at the asm statement."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


ASM_SUBSET = ("bpfcc translates BPF inline asm into IR itself (LLVM's BPF assembler is not available): "
              "register moves and immediates ('r1 = %[x]', 'r2 = %[map] ll'), ALU operations ('%[x] &= 0xff', "
              "'w1 += 1', 'r0 s>>= 2', 'r1 = -r1'), byte swaps ('r1 = be16 r1') and helper calls ('call 12')")

_REG = r"[rw]\d+|%\d+"
_SRC = rf"{_REG}|-?(?:0[xX][0-9a-fA-F]+|\d+)"
_ALU_OPS = {"+": "add", "-": "sub", "*": "mul", "&": "and_", "|": "or_", "^": "xor"}
_INSTRUCTIONS = [
    ("call", re.compile(r"call\s+(%\d+|\d+|0[xX][0-9a-fA-F]+)")),
    ("swap", re.compile(rf"({_REG})\s*=\s*(be|le|bswap)(16|32|64)\s+({_REG})")),
    ("neg", re.compile(rf"({_REG})\s*=\s*-\s*({_REG})")),
    ("mov", re.compile(rf"({_REG})\s*=\s*({_SRC})(\s+ll)?")),
    # GCC's templates spell a literal % as %%, so modulo is `%%=`.
    ("alu", re.compile(rf"({_REG})\s*(\+|-|\*|/|%%|&|\||\^|<<|>>|s>>)=\s*({_SRC})")),
]


def asm_instructions(template: str) -> list[str]:
    """The instructions of an asm template: `;` and newlines separate them, `//` and `#` start comments."""
    lines = (re.split(r"//|#", line, maxsplit=1)[0] for line in template.splitlines())
    return [insn.strip() for line in lines for insn in line.split(";") if insn.strip()]


class _AsmTranslator:
    """Registers r0-r9 and the operands' registers as IR values, instruction by instruction.  A
    register holds a ptr (a pointer moved whole, so helper calls get it as one) or an i64; `wN`
    is the low half of rN, and writing it zero-extends, as on BPF."""

    def __init__(self, builder: BpfBuilder, operands: list[AsmOperand]) -> None:
        self.b = builder
        self.operands = operands
        self.regs: dict[str, ir.Value] = {f"%{op.slot}": op.value for op in operands
                                          if not op.immediate and op.value is not None}

    def run(self, template: str) -> dict[int, ir.Value]:
        for insn in asm_instructions(template):
            for kind, pattern in _INSTRUCTIONS:
                if m := pattern.fullmatch(insn):
                    getattr(self, kind)(insn, *m.groups())
                    break
            else:
                raise AsmError(f"unsupported instruction '{insn}' in BPF inline asm", ASM_SUBSET)
        return {op.slot: self.regs.get(f"%{op.slot}", ir.Constant(I64, ir.Undefined)) for op in self.operands}

    # ---- operands

    def register(self, insn: str, name: str) -> tuple[str, int]:
        """`rN`, `wN` or an operand `%N` → (register key, width)."""
        if name.startswith("%"):
            op = self.operand(insn, name)
            if op.immediate:
                raise AsmError(f"operand {name} of '{insn}' is an immediate ('i'), not a register")
            return f"%{op.slot}", 64
        number = int(name[1:])
        if number > 9:
            raise AsmError(f"'{insn}' uses {name}: only r0-r9 can be translated into IR",
                           "r10, the frame pointer, has no IR equivalent")
        return f"r{number}", 32 if name[0] == "w" else 64

    def operand(self, insn: str, name: str) -> AsmOperand:
        index = int(name[1:])
        if index >= len(self.operands):
            raise AsmError(f"invalid operand number {name} in '{insn}'")
        return self.operands[index]

    def read(self, insn: str, key: str, width: int) -> ir.Value:
        if key not in self.regs:
            raise AsmError(f"'{insn}' reads {key.replace('%', 'operand %')} before the asm statement sets it",
                           "a helper call leaves r1-r5 undefined; r0 holds its result")
        value = self.regs[key]
        if value.type == PTR:
            value = self.b.ptrtoint(value, I64)
        return self.b.trunc(value, I32) if width == 32 else value

    def source(self, insn: str, text: str, width: int, wide: bool = False) -> ir.Value:
        """A register or an immediate (a 32-bit field sign-extended, or 64 bits with `ll`)."""
        if text.startswith("%") and self.operand(insn, text).immediate:
            value = self.operand(insn, text).value
        elif text[0] in "%rw":
            key, src_width = self.register(insn, text)
            if src_width != width:
                raise AsmError(f"'{insn}' mixes 32-bit and 64-bit registers")
            return self.read(insn, key, width)
        else:
            number = int(text, 0)
            if not wide and not -2**31 <= number < 2**32:
                raise AsmError(f"immediate {text} of '{insn}' does not fit in 32 bits", "write it as a 64-bit load: 'rN = imm ll'")
            value = ir.Constant(I64, number & (2**64 - 1))
        if wide:
            return value
        low = self.b.trunc(value, I32)
        return low if width == 32 else self.b.sext(low, I64)

    def write(self, key: str, width: int, value: ir.Value) -> None:
        self.regs[key] = self.b.zext(value, I64) if width == 32 else value

    # ---- instructions

    def mov(self, insn, dst, src, ll):
        key, width = self.register(insn, dst)
        if ll and width == 32:
            raise AsmError(f"'{insn}': a 64-bit immediate load needs an r register")
        if src[0] in "rw%" and not (src.startswith("%") and self.operand(insn, src).immediate):
            if ll:
                raise AsmError(f"'{insn}': 'll' loads an immediate, not a register")
            src_key, src_width = self.register(insn, src)
            if width == 64 and src_width == 64 and src_key in self.regs:
                self.regs[key] = self.regs[src_key]  # a pointer stays a pointer
                return
        self.write(key, width, self.source(insn, src, width, wide=bool(ll)))

    def alu(self, insn, dst, op, src):
        key, width = self.register(insn, dst)
        a, b = self.read(insn, key, width), self.source(insn, src, width)
        bld, zero = self.b, ir.Constant(a.type, 0)
        if op in _ALU_OPS:
            result = getattr(bld, _ALU_OPS[op])(a, b)
        elif op in ("/", "%%"):  # BPF: x / 0 = 0, x % 0 = x
            is_zero = bld.icmp_unsigned("==", b, zero)
            divisor = bld.select(is_zero, ir.Constant(a.type, 1), b)
            quotient = bld.udiv(a, divisor) if op == "/" else bld.urem(a, divisor)
            result = bld.select(is_zero, zero if op == "/" else a, quotient)
        else:  # BPF masks the shift count to the register's width
            count = bld.and_(b, ir.Constant(a.type, width - 1))
            result = {"<<": bld.shl, ">>": bld.lshr, "s>>": bld.ashr}[op](a, count)
        self.write(key, width, result)

    def neg(self, insn, dst, src):
        key, width = self.register(insn, dst)
        if self.register(insn, src) != (key, width):
            raise AsmError(f"'{insn}': negation works on one register ('r1 = -r1')")
        self.write(key, width, self.b.neg(self.read(insn, key, width)))

    def swap(self, insn, dst, order, bits, src):
        key, width = self.register(insn, dst)
        if self.register(insn, src) != (key, width) or width != 64:
            raise AsmError(f"'{insn}': a byte swap works on one r register ('r1 = be16 r1')")
        size = int(bits)
        value = self.b.trunc(self.read(insn, key, 64), ir.IntType(size)) if size < 64 else self.read(insn, key, 64)
        if order != "le":  # the target is little-endian: `le` only truncates
            value = self.b.bswap(value)
        self.write(key, 64, self.b.zext(value, I64) if size < 64 else value)

    def call(self, insn, number):
        if number.startswith("%"):
            helper = self.operand(insn, number)
            if not helper.immediate or not isinstance(helper.value, ir.Constant):
                raise AsmError(f"'{insn}' needs a constant helper number")
            helper_id = helper.value.constant
        else:
            helper_id = int(number, 0)
        args = [self.regs.get(f"r{i}", ir.Constant(I64, ir.Undefined)) for i in range(1, 6)]
        call = self.b.helper_call(helper_id, ir.FunctionType(I64, [a.type for a in args]), args)
        # Kept apart from other calls, as the asm was: bpf_tail_call_static wants its r2 and r3
        # set on one path, so that the verifier sees a constant slot.
        call.attributes = _CallSiteAttributes(["nomerge"])
        for i in range(1, 6):
            self.regs.pop(f"r{i}", None)
        self.regs["r0"] = call


class _CallSiteAttributes(instructions.CallInstrAttributes):
    _known = instructions.CallInstrAttributes._known | {"nomerge"}


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
