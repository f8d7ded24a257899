"""Statements → basic blocks; local initialisers → stores."""
from __future__ import annotations

import contextlib
import re

from llvmlite import ir

from .. import tast
from .bpf import ASM_SUBSET, AsmError, AsmOperand, asm_instructions, loop_metadata
from .expressions import aligned_at
from .types import I8, I64, PTR, lltype

_MAX_EXPANDED_CASE_RANGE = 256


class StatementLowerer:
    def statement(self, s: tast.Stmt) -> None:
        with self.at(s.loc):
            getattr(self, f"s_{type(s).__name__}")(s)

    def s_Block(self, s: tast.Block) -> None:
        with self.cleanup_scope():
            for item in s.items:
                self.statement(item)

    @contextlib.contextmanager
    def cleanup_scope(self):
        """A scope whose `__attribute__((cleanup(f)))` variables get `f(&var)` where it ends,
        the last declared first; break, continue and return run those of the scopes they leave."""
        self.cleanups.append([])
        try:
            yield
            self.run_cleanups(len(self.cleanups) - 1)
        finally:
            self.cleanups.pop()

    def run_cleanups(self, depth: int) -> None:
        """The cleanup calls of the scopes inside the `depth` outermost ones, innermost first."""
        if self.builder.block.is_terminated:
            return
        for scope in reversed(self.cleanups[depth:]):
            for call in reversed(scope):
                self.effect(call)

    def s_Empty(self, s) -> None:
        pass

    def s_ExprStmt(self, s: tast.ExprStmt) -> None:
        self.effect(s.expr)

    def s_LocalDecl(self, s: tast.LocalDecl) -> None:
        var = s.var
        slot = self.slots.get(var)
        if slot is None:
            slot = self.alloca(var.type, var.name, var.attributes.get("align"))
            self.slots[var] = slot
        if var.init is not None:
            self.initialize(slot, var.type, var.init)
        if "cleanup" in var.attributes:
            self.cleanups[-1].append(var.attributes["cleanup"])

    def initialize(self, addr: ir.Value, t, init: tast.Init) -> None:
        if isinstance(init, tast.InitList) or (isinstance(init, tast.StringLit) and t.is_array):
            # Zero first so padding and unnamed members are defined; LLVM drops
            # the stores this makes redundant.
            self.builder.memory_intrinsic("memset", addr, ir.Constant(I8, 0), t.size, align=t.align)
            self.fill(addr, t, init, t.align)
            return
        value = self.value(init)
        self.store(value, addr, t, min(t.align, self.known_align(init)))

    def fill(self, addr: ir.Value, t, init: tast.Init, align: int) -> None:
        """Store an initialiser at `addr`, which is `align`-aligned (less than `t`'s in a packed struct)."""
        if isinstance(init, tast.StringLit):
            data = init.data[: t.length] if t.length is not None else init.data
            for i, byte in enumerate(data):
                if byte:
                    self.builder.store(ir.Constant(I8, byte), self.offset(addr, i), align=1)
            return
        if not isinstance(init, tast.InitList):
            self.store(self.value(init), addr, t, min(align, self.known_align(init)))
            return
        if t.is_array:
            for index, item in init.items.items():
                offset = index * t.elem.size
                self.fill(self.offset(addr, offset), t.elem, item, aligned_at(align, offset, t.elem))
            return
        for index, item in init.items.items():
            member = t.defn.members[index]
            target = self.offset(addr, member.offset)
            if member.bit_width is not None:
                self.store_bitfield_at(target, member.type, member.bit_offset, member.bit_width, self.value(item))
            else:
                self.fill(target, member.type, item, aligned_at(min(align, t.align), member.offset, member.type))

    def s_If(self, s: tast.If) -> None:
        cond = self.truth(s.cond)
        then_block = self.new_block("if.then")
        end = self.new_block("if.end")
        else_block = self.new_block("if.else") if s.other is not None else end
        self.builder.cbranch(cond, then_block, else_block)
        self.start(then_block)
        self.statement(s.then)
        self.branch_to(end)
        if s.other is not None:
            self.start(else_block)
            self.statement(s.other)
            self.branch_to(end)
        self.start(end)

    def s_Loop(self, s: tast.Loop) -> None:
        with self.cleanup_scope():  # a for loop's declarations live until the loop ends
            self.loop(s)

    def loop(self, s: tast.Loop) -> None:
        for init in s.init.items if isinstance(s.init, tast.Block) else [s.init] if s.init else []:
            self.statement(init)  # declarations in the loop's scope, not a block's of their own
        cond_block = self.new_block(f"{s.kind}.cond")
        body_block = self.new_block(f"{s.kind}.body")
        step_block = self.new_block(f"{s.kind}.inc") if s.step is not None else cond_block
        end = self.new_block(f"{s.kind}.end")
        self.cleanup_depth[step_block] = self.cleanup_depth[end] = len(self.cleanups)
        self.branch_to(body_block if s.kind == "do" else cond_block)
        self.start(cond_block)
        # `do { … } while (0)` never repeats: no back edge, even at -O0 (as clang emits it).
        never_repeats = isinstance(s.cond, tast.Const) and s.cond.value == 0
        if never_repeats:
            cond_branch = self.builder.branch(end)
        elif s.cond is not None:
            cond_branch = self.builder.cbranch(self.truth(s.cond), body_block, end)
        else:
            cond_branch = self.builder.branch(body_block)
        self.start(body_block)
        self.break_targets.append(end)
        self.continue_targets.append(step_block)
        try:
            self.statement(s.body)
        finally:
            self.break_targets.pop()
            self.continue_targets.pop()
        if s.step is not None:
            self.branch_to(step_block)
            self.start(step_block)
            with self.at(s.step.loc):
                self.effect(s.step)
        # The latch is the branch back to the loop's first block: for a
        # do-while that is the condition's branch to the body.
        latch = cond_branch if s.kind == "do" and not never_repeats else None
        if not self.builder.block.is_terminated:
            jump = self.builder.branch(cond_block)
            if s.kind != "do":
                latch = jump
        if latch is not None:
            index = len(self.ml.lowered.loop_locs)
            self.ml.lowered.loop_locs[index] = s.loc
            if s.bounded:
                self.ml.lowered.bounded_loops.add(index)
            latch.set_metadata("llvm.loop", loop_metadata(self.module, index, s.unroll))
        self.start(end)

    def s_Return(self, s: tast.Return) -> None:
        if self.struct_result is not None:
            if s.value is not None:
                self.store(self.value(s.value), self.struct_result, s.value.type)
            self.run_cleanups(0)
            self.builder.ret_void()
        elif s.value is None or s.value.type.is_void:
            if s.value is not None:
                self.value(s.value)
            self.run_cleanups(0)
            if self.func.type.ret.is_void:
                self.builder.ret_void()
            else:
                self.builder.ret(ir.Constant(lltype(self.func.type.ret), ir.Undefined))
        else:
            value = self.value(s.value)
            self.run_cleanups(0)
            self.builder.ret(value)
        self.continue_after_jump()

    def s_Break(self, s) -> None:
        self.run_cleanups(self.cleanup_depth[self.break_targets[-1]])
        self.builder.branch(self.break_targets[-1])
        self.continue_after_jump()

    def s_Continue(self, s) -> None:
        self.run_cleanups(self.cleanup_depth[self.continue_targets[-1]])
        self.builder.branch(self.continue_targets[-1])
        self.continue_after_jump()

    def label_block(self, name: str) -> ir.Block:
        if name not in self.labels:
            self.labels[name] = self.new_block(f"label.{name}")
        return self.labels[name]

    def s_Goto(self, s: tast.Goto) -> None:
        if any(self.cleanups):
            raise self.ml.diags.fatal("'goto' in the scope of a variable with __attribute__((cleanup)) is not supported", s.loc,
                                      "leave the scope with break or return, which run the cleanup")
        self.builder.branch(self.label_block(s.label))
        self.continue_after_jump()

    def s_Label(self, s: tast.Label) -> None:
        block = self.label_block(s.name)
        self.branch_to(block)
        self.start(block)
        self.statement(s.stmt)

    def s_Switch(self, s: tast.Switch) -> None:
        value = self.value(s.expr)
        width = value.type.width
        end = self.new_block("sw.end")
        blocks = {id(case): self.new_block("sw.bb") for case in s.cases}
        default_block = self.new_block("sw.default") if s.default is not None else end
        if s.default is not None:
            blocks[id(s.default)] = default_block
        wide = [c for c in s.cases if c.high - c.low >= _MAX_EXPANDED_CASE_RANGE]
        # Wide GNU case ranges become range compares in front of the default.
        dispatch = self.new_block("sw.ranges") if wide else default_block
        switch = self.builder.switch(value, dispatch)
        for case in s.cases:
            if case not in wide:
                for v in range(case.low, case.high + 1):
                    switch.add_case(ir.Constant(value.type, v & ((1 << width) - 1)), blocks[id(case)])
        if wide:
            self.start(dispatch)
            for case in wide:
                lo = ir.Constant(value.type, case.low & ((1 << width) - 1))
                span = ir.Constant(value.type, (case.high - case.low) & ((1 << width) - 1))
                inside = self.builder.icmp_unsigned("<=", self.builder.sub(value, lo), span)
                following = self.new_block("sw.range.next")
                self.builder.cbranch(inside, blocks[id(case)], following)
                self.start(following)
            self.builder.branch(default_block)
        self.start(self.new_block("sw.unreachable"))
        self.cleanup_depth[end] = len(self.cleanups)
        self.break_targets.append(end)
        self.case_blocks.update(blocks)
        try:
            self.statement(s.body)
        finally:
            self.break_targets.pop()
        self.branch_to(end)
        self.start(end)

    def s_Case(self, s: tast.Case) -> None:
        block = self.case_blocks[id(s)]
        self.branch_to(block)  # fall-through from the previous case
        self.start(block)
        self.statement(s.stmt)

    def s_AsmStmt(self, s: tast.AsmStmt) -> None:
        if not s.template.strip() and not s.outputs and not s.inputs:
            if "memory" in s.clobbers:
                self.builder.compiler_barrier()
            return
        if asm_instructions(s.template):
            self.translated_asm(s)
            return
        # No instructions (`barrier_var`): LLVM's inline asm, opaque to the optimiser, emits nothing.
        # GCC spells operands %0 and %[name]; LLVM spells them $0.
        template = re.sub(r"%(%|\d+)", lambda m: "%" if m.group(1) == "%" else "$" + m.group(1), s.template)
        constraints = ["=" + c.lstrip("=+&") for c, _ in s.outputs]
        inputs = []
        for i, (c, target) in enumerate(s.outputs):
            if "+" in c:  # read-write: the old value comes in tied to the output
                inputs.append(self.read_lvalue(target))
        tied = [str(i) for i, (c, _) in enumerate(s.outputs) if "+" in c]
        inputs += [self.value(e) for _, e in s.inputs]
        constraints += tied + [c for c, _ in s.inputs]
        constraints += [f"~{{{c}}}" for c in s.clobbers if c == "memory"]
        out_types = [lltype(e.type) for _, e in s.outputs]
        ret = out_types[0] if len(out_types) == 1 else (ir.LiteralStructType(out_types) if out_types else ir.VoidType())
        fnty = ir.FunctionType(ret, [v.type for v in inputs])
        result = self.builder.asm(fnty, template, ",".join(constraints), inputs, s.volatile)
        for i, (_, target) in enumerate(s.outputs):
            value = result if len(out_types) == 1 else self.builder.extract_value(result, i)
            self.write_lvalue(target, value)

    def translated_asm(self, s: tast.AsmStmt) -> None:
        """Inline asm with instructions, as the IR they mean (BpfBuilder.inline_asm)."""
        operands = []
        for index, (constraint, target) in enumerate(s.outputs):
            if constraint.lstrip("=+&") != "r":
                raise self.unsupported_constraint(constraint, s)
            value = self.asm_register_value(target.type, self.read_lvalue(target)) if "+" in constraint else None
            operands.append(AsmOperand(index, value))
        for constraint, e in s.inputs:
            letters = constraint.lstrip("=+&")
            if letters.isdigit() and int(letters) < len(s.outputs):  # tied to an output: its register
                operands.append(AsmOperand(int(letters), self.asm_register_value(e.type, self.value(e))))
            elif letters in ("i", "n"):
                operands.append(AsmOperand(len(operands), self.asm_immediate(e), immediate=True))
            elif letters == "r":
                operands.append(AsmOperand(len(operands), self.asm_register_value(e.type, self.value(e))))
            else:
                raise self.unsupported_constraint(constraint, s)
        if "memory" in s.clobbers:
            self.builder.compiler_barrier()
        try:
            registers = self.builder.inline_asm(s.template, operands)
        except AsmError as exc:
            raise self.ml.diags.fatal(str(exc), s.loc, exc.hint or ASM_SUBSET) from None
        for index, (_, target) in enumerate(s.outputs):
            self.write_lvalue(target, self.from_asm_register(target.type, registers[index]))

    def unsupported_constraint(self, constraint: str, s: tast.AsmStmt):
        return self.ml.diags.fatal(f"asm operand constraint '{constraint}' is not supported", s.loc,
                                   "translated asm takes registers ('r', '=r', '+r', a matching '0') and immediates ('i')")

    def asm_register_value(self, t, value: ir.Value) -> ir.Value:
        """A C value in a 64-bit register: a pointer as it is, an integer zero-extended (as clang does)."""
        if t.is_pointer or value.type == I64:
            return value
        return self.builder.zext(value, I64)

    def asm_immediate(self, e: tast.Expr) -> ir.Value:
        """An "i" operand as an i64; a constant stays one (`call %[id]` needs the number)."""
        value = self.value(e)
        if e.type.is_pointer:
            return self.builder.ptrtoint(value, I64)
        if value.type == I64:
            return value
        if isinstance(value, ir.Constant) and isinstance(value.constant, int):
            bits = value.type.width
            number = value.constant & ((1 << bits) - 1)
            if e.type.signed and number >> (bits - 1):
                number -= 1 << bits
            return ir.Constant(I64, number & (2**64 - 1))
        return self.builder.sext(value, I64) if e.type.signed else self.builder.zext(value, I64)

    def from_asm_register(self, t, value: ir.Value) -> ir.Value:
        if t.is_pointer:
            return value if value.type == PTR else self.builder.inttoptr(value, PTR)
        if value.type == PTR:
            value = self.builder.ptrtoint(value, I64)
        wanted = lltype(t)
        return self.builder.trunc(value, wanted) if wanted != I64 else value
