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
from .types import I8, PTR, REGISTER_PAIR, lltype, parameter_arguments


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
        self.builder = BpfBuilder(llfunc.append_basic_block("body"), module_lowerer.options.mcpu,
                                  module_lowerer.lowered.source_locs)
        self.core_region = False  # inside __builtin_preserve_access_index: every member access is CO-RE
        self.slots: dict[tast.Variable, ir.Value] = {}
        self.labels: dict[str, ir.Block] = {}
        self.break_targets: list[ir.Block] = []
        self.continue_targets: list[ir.Block] = []
        self.case_blocks: dict[int, ir.Block] = {}
        # The `cleanup` calls of the scopes open here, outermost first, and how many of those
        # scopes enclose each break or continue target.
        self.cleanups: list[list[tast.Call]] = []
        self.cleanup_depth: dict[ir.Block, int] = {}
        self.scope = None
        # A returned struct goes to the caller's storage, passed first (types.function_type).
        self.struct_result = llfunc.args[0] if func.type.ret.is_struct else None

    def lower(self) -> None:
        self.scope = self.ml.debug.function(self.func, self.llfunc)
        with self.at(self.func.loc):
            for param, arg in zip(self.func.params, parameter_arguments(self.func.type, self.llfunc.args)):
                self.slots[param] = self.parameter_slot(param, arg)
            self.statement(self.func.body)
        with self.at(self.func.end_loc or self.func.loc):
            for block in self.llfunc.blocks[1:]:
                if not block.is_terminated:
                    self.builder.position_at_end(block)
                    if self.func.type.ret.is_void or self.func.type.ret.is_struct:
                        self.builder.ret_void()
                    else:
                        # Falling off the end of a non-void function: C leaves the value undefined,
                        # and only a caller that uses it has undefined behaviour (as clang emits it).
                        self.builder.ret(ir.Constant(lltype(self.func.type.ret), ir.Undefined))
        self.alloca_builder.branch(self.llfunc.blocks[1])

    # ---- helpers -------------------------------------------------------

    @contextlib.contextmanager
    def at(self, loc: Location):
        """Give the instructions built inside the source location `loc`; restores the previous one."""
        previous = self.builder.debug_metadata, self.builder.loc
        self.builder.debug_metadata = self.ml.debug.location(loc, self.scope)
        self.builder.loc = loc
        try:
            yield
        finally:
            self.builder.debug_metadata, self.builder.loc = previous

    def parameter_slot(self, param: tast.Variable, arg: ir.Argument | None) -> ir.Value:
        """Where a parameter lives: a stack slot holding its value; a large struct stays in the
        copy its caller made (clang's BPF convention, types.passed_as)."""
        if arg is not None and param.type.is_struct and arg.type == PTR:
            return arg
        # A register pair is stored whole: its slot has 16 bytes even for a 12-byte struct.
        pair = arg is not None and arg.type == REGISTER_PAIR
        slot = self.alloca(param.type, param.name, size=16 if pair else None)
        if arg is not None:
            self.builder.store(arg, slot, align=param.type.align)
        return slot

    def alloca(self, t, name: str, align: int | None = None, size: int | None = None) -> ir.Value:
        """A stack slot in the entry block, where SROA promotes it to registers.  `size` makes it
        larger than `t`, to take a whole register pair."""
        slot = self.alloca_builder.alloca(ir.ArrayType(I8, max(size, t.size)) if size else lltype(t), name=name)
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
