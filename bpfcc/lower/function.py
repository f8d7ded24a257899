"""One function body → LLVM IR.  Expressions and statements are lowered by the
mixins in `expressions` and `statements`; this class holds the per-function
state: the builder, local slots, jump targets and the debug scope."""
from __future__ import annotations

import contextlib

from llvmlite import ir

from .. import tast
from ..diagnostics import Location
from .bpf import BpfBuilder
from .expressions import ExpressionLowerer
from .statements import StatementLowerer
from .types import PTR, lltype


class FunctionLowerer(ExpressionLowerer, StatementLowerer):
    def __init__(self, module_lowerer, func: tast.Function, llfunc: ir.Function) -> None:
        self.ml = module_lowerer
        self.module = module_lowerer.module
        self.func = func
        self.llfunc = llfunc
        # Stack slots go in an entry block of their own (where SROA expects
        # them); it falls through to the body once the function is complete.
        self.entry = llfunc.append_basic_block("entry")
        self.alloca_builder = ir.IRBuilder(self.entry)
        self.builder = BpfBuilder(llfunc.append_basic_block("body"), module_lowerer.options.mcpu)
        self.slots: dict[tast.Variable, ir.Value] = {}
        self.labels: dict[str, ir.Block] = {}
        self.break_targets: list[ir.Block] = []
        self.continue_targets: list[ir.Block] = []
        self.case_blocks: dict[int, ir.Block] = {}
        self.scope = None

    def lower(self) -> None:
        self.scope = self.ml.debug.function(self.func, self.llfunc)
        with self.at(self.func.loc):
            for param, arg in zip(self.func.params, self.llfunc.args):
                slot = self.alloca(param.type, param.name)
                self.builder.store(arg, slot)
                self.slots[param] = slot
            self.statement(self.func.body)
        with self.at(self.func.end_loc or self.func.loc):
            for block in self.llfunc.blocks[1:]:
                if not block.is_terminated:
                    self.builder.position_at_end(block)
                    if self.func.type.ret.is_void:
                        self.builder.ret_void()
                    else:
                        # Falling off the end of a non-void function: C leaves the value undefined.
                        self.builder.unreachable()
        self.alloca_builder.branch(self.llfunc.blocks[1])

    # ---- helpers -------------------------------------------------------

    @contextlib.contextmanager
    def at(self, loc: Location):
        """Give the instructions built inside the source location `loc`; restores the previous one."""
        previous = self.builder.debug_metadata
        self.builder.debug_metadata = self.ml.debug.location(loc, self.scope)
        try:
            yield
        finally:
            self.builder.debug_metadata = previous

    def alloca(self, t, name: str, align: int | None = None) -> ir.Value:
        """A stack slot in the entry block, where SROA promotes it to registers."""
        slot = self.alloca_builder.alloca(lltype(t), name=name)
        slot.type = PTR  # llvmlite types it [N x i8]*; bpfcc works with opaque pointers
        slot.align = max(align or 1, t.align)
        return slot

    def new_block(self, name: str) -> ir.Block:
        return self.llfunc.append_basic_block(name)

    def branch_to(self, block: ir.Block) -> None:
        if not self.builder.block.is_terminated:
            self.builder.branch(block)

    def start(self, block: ir.Block) -> None:
        self.builder.position_at_end(block)

    def continue_after_jump(self) -> None:
        """Code after return/break/goto is unreachable but still lowered, into a fresh block."""
        self.start(self.new_block("dead"))
