"""Lower: typed AST → LLVM IR (llvmlite.ir), with debug metadata for BTF.

`ModuleLowerer` handles what lives at file scope — globals with their constant
initialisers, function declarations, sections — and hands each function body
to a `FunctionLowerer`.  BPF-specific emission is behind `bpf.BpfBuilder`,
debug info behind `debuginfo.DebugInfo`.
"""
from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from llvmlite import ir

from .. import ctype, tast
from ..diagnostics import CompileError, Diagnostics, Location
from ..options import Options
from .debuginfo import DebugInfo, NullDebugInfo
from .function import FunctionLowerer
from .types import I8, I64, PTR, function_type, lltype, parameter_arguments, passed_as

TRIPLE = "bpfel"
DATA_LAYOUT = "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128"


@dataclass
class Lowered:
    """The IR module and what later stages need to point back at the source."""

    module: ir.Module
    function_locs: dict[str, Location] = field(default_factory=dict)
    loop_locs: dict[int, Location] = field(default_factory=dict)
    bounded_loops: set[int] = field(default_factory=set)  # loop indices the checker found bounded
    source_locs: dict[int, Location] = field(default_factory=dict)  # `!bpfcc.src` index → source
    struct_returns: set[str] = field(default_factory=set)  # functions returning a struct
    large_struct_params: dict[str, ctype.Type] = field(default_factory=dict)  # function → struct over 16 bytes

    def source_path(self, name: str) -> str:
        """LLVM names files by their debug-info basename; the path that was compiled."""
        for loc in list(self.function_locs.values()) + list(self.loop_locs.values()):
            if os.path.basename(loc.file) == name:
                return loc.file
        return name


class ModuleLowerer:
    def __init__(self, program: tast.Program, options: Options, diags: Diagnostics) -> None:
        self.program = program
        self.options = options
        self.diags = diags
        self.module = ir.Module(name=program.filename)
        self.module.triple = TRIPLE
        self.module.data_layout = DATA_LAYOUT
        from .. import __version__

        self.debug = DebugInfo(self.module, program.filename, f"bpfcc {__version__}") \
            if options.debug or self.needs_btf() else NullDebugInfo()
        self.lowered = Lowered(self.module)
        self.globals: dict[tast.Variable, ir.GlobalVariable] = {}
        self.functions = _Functions(self.declare)
        self.to_define: list[tast.Function] = []
        self.strings: dict[bytes, ir.GlobalVariable] = {}
        self.used: list[ir.GlobalValue] = []
        self.core_sequence = itertools.count()  # CO-RE type queries, numbered as clang does

    def needs_btf(self) -> bool:
        """Whether the object cannot load without BTF; under -g0 it then keeps its debug info anyway.

        libbpf reads `.maps` definitions and resolves `__ksym` kernel functions from BTF, and
        refuses the object without it ("BTF is required, but is missing or corrupted").  Global
        data needs no BTF, so -g0 still drops it where nothing else does.
        """
        needers = [(f"map '{v.name}'", v.loc) for v in self.program.globals if v.section == ".maps"]
        needers += [(f"kernel function '{f.name}'", f.loc) for f in self.program.functions if f.section == ".ksyms"]
        if needers and not self.options.debug:
            what, loc = needers[0]
            self.diags.warning(f"-g0 ignored: {what} needs BTF, which is made from debug info", loc,
                               "libbpf refuses an object with maps in '.maps' or __ksym externs but no BTF")
        return bool(needers)

    def lower(self) -> Lowered:
        for var in self.program.globals:
            self.declare_global(var)
        for func in self.program.functions:
            if func.body is not None and (not func.static or func.section or "used" in func.attributes):
                self.functions[func]  # declares it (_Functions); defined below
        for var in self.program.globals:
            self.define_global(var)
        while self.to_define:
            func = self.to_define.pop(0)
            FunctionLowerer(self, func, self.functions[func]).lower()
        if self.used:
            array = ir.ArrayType(PTR, len(self.used))
            used = ir.GlobalVariable(self.module, array, "llvm.compiler.used")
            used.linkage = "appending"
            used.section = "llvm.metadata"
            used.initializer = ir.Constant(array, self.used)
        self.debug.finish()
        return self.lowered

    # ---- globals -----------------------------------------------------------

    def declare_global(self, var: tast.Variable) -> None:
        gv = ir.GlobalVariable(self.module, lltype(var.type), var.symbol)
        gv.type = PTR  # opaque, like every pointer bpfcc builds
        gv.align = max(var.type.align, 1)
        self.globals[var] = gv

    def define_global(self, var: tast.Variable) -> None:
        gv = self.globals[var]
        if var.storage == "extern" and var.init is None:
            # libbpf resolves `__kconfig` and `__ksym` variables by their section and their BTF VAR
            # (linkage extern), which LLVM writes from a debug-info declaration, as clang's.
            gv.linkage = "extern_weak" if "weak" in var.attributes else "external"
            if var.section:
                gv.section = var.section
            self.debug.global_variable(var, gv)
            return
        if var.storage == "static":
            gv.linkage = "internal"
        if var.section:
            gv.section = var.section
        if var.readonly or (ctype.const_object(var.type) and var.init is None):
            gv.global_constant = True
        init = self.constant(var.type, var.init, var.loc) if var.init is not None else None
        if init is not None:
            gv.value_type = init.type  # initialisers are laid out byte-exactly as packed structs
        gv.initializer = init if init is not None else ir.Constant(gv.value_type, None)
        if var.section or "used" in var.attributes:
            self.used.append(gv)
        self.debug.global_variable(var, gv)

    def string(self, data: bytes, loc: Location) -> ir.GlobalVariable:
        """A private constant holding a string literal (what `.rodata.str1.1` is made of)."""
        if data not in self.strings:
            raw = bytearray(data + b"\0")
            t = ir.ArrayType(I8, len(raw))
            gv = ir.GlobalVariable(self.module, t, self.module.get_unique_name(".str"))
            gv.type = PTR
            gv.linkage = "private"
            gv.global_constant = True
            gv.unnamed_addr = True
            gv.align = 1
            gv.initializer = ir.Constant(t, raw)
            self.debug.string_literal(len(raw), loc, gv)
            self.strings[data] = gv
        return self.strings[data]

    # ---- constant initialisers -------------------------------------------

    def constant(self, t: ctype.Type, init: tast.Init, loc: Location) -> ir.Constant:
        """A constant laid out byte for byte: a packed struct of scalars and padding.

        A char array from a string literal stays an `[N x i8]` string, as clang emits it: a
        private unnamed_addr one is then a mergeable string, placed in `.rodata.str1.1`.
        """
        if isinstance(init, tast.StringLit) and t.is_array and t.elem.size == 1 and t.length is not None:
            return ir.Constant(ir.ArrayType(I8, t.length), bytearray(init.data[: t.length].ljust(t.length, b"\0")))
        pieces: dict[int, tuple[int, ir.Constant | int]] = {}  # offset → (size, constant or bit-packed int)
        self.place_constant(t, init, 0, pieces, loc)
        fields: list[ir.Constant] = []
        pos = 0
        for offset in sorted(pieces):
            size, value = pieces[offset]
            if offset > pos:
                fields.append(ir.Constant(ir.ArrayType(I8, offset - pos), None))
            if isinstance(value, int):
                value = ir.Constant(ir.IntType(size * 8), value & ((1 << (size * 8)) - 1))
            fields.append(value)
            pos = offset + size
        if pos < t.size:
            fields.append(ir.Constant(ir.ArrayType(I8, t.size - pos), None))
        if len(fields) == 1:
            # Not wrapped: GlobalOpt would split a one-field struct into `x.0`, which BTF names the
            # variable (clang's is `x`).
            return fields[0]
        return ir.Constant(ir.LiteralStructType([f.type for f in fields], packed=True), fields)

    def place_constant(self, t, init, offset: int, pieces: dict, loc: Location, bits=None) -> None:
        if isinstance(init, tast.InitList):
            if t.is_array:
                for index, item in init.items.items():
                    self.place_constant(t.elem, item, offset + index * t.elem.size, pieces, loc)
            else:
                for index, item in init.items.items():
                    m = t.defn.members[index]
                    self.place_constant(m.type, item, offset + m.offset, pieces, loc,
                                        (m.bit_offset, m.bit_width) if m.bit_width is not None else None)
            return
        if isinstance(init, tast.StringLit) and t.is_array:
            data = init.data[: t.length] if t.length is not None else init.data
            for i, b in enumerate(data):
                pieces[offset + i] = (1, b)
            return
        if t.is_struct:
            raise self.error("initializer element is not a compile-time constant", init.loc)
        value = self.scalar_constant(init)
        if bits is not None:
            bit_offset, width = bits
            old = pieces.get(offset, (t.size, 0))[1]
            mask = ((1 << width) - 1) << bit_offset
            pieces[offset] = (t.size, (old & ~mask) | ((value << bit_offset) & mask))
            return
        pieces[offset] = (t.size, value)

    def scalar_constant(self, expr: tast.Expr) -> ir.Constant | int:
        if isinstance(expr, tast.Const):
            return expr.value if not expr.type.is_pointer or expr.value == 0 else \
                ir.Constant(I64, expr.value).inttoptr(PTR)
        if isinstance(expr, tast.Cast) and (expr.type.is_pointer or expr.type.size == 8):
            inner = self.scalar_constant(expr.operand)
            if isinstance(inner, int):
                return inner if expr.type.is_integer else ir.Constant(I64, inner).inttoptr(PTR)
            return inner if expr.type.is_pointer else inner.ptrtoint(I64)
        if isinstance(expr, tast.AddrOf):
            return self.address_constant(expr.operand)
        if isinstance(expr, tast.PtrAdd):
            base = self.scalar_constant(expr.ptr)
            index = self.scalar_constant(expr.index)
            if not isinstance(index, int) or isinstance(base, int):
                raise self.error("initializer element is not a compile-time constant", expr.loc)
            step = expr.ptr.type.target.size if expr.ptr.type.target.complete else 1
            return _byte_offset(base, index * step)
        raise self.error("initializer element is not a compile-time constant", expr.loc)

    def address_constant(self, lvalue: tast.Expr) -> ir.Constant:
        if isinstance(lvalue, tast.Var) and lvalue.var in self.globals:
            return self.globals[lvalue.var]
        if isinstance(lvalue, tast.StringLit):
            return self.string(lvalue.data, lvalue.loc)
        if isinstance(lvalue, tast.FuncRef) and (lvalue.func.body is not None or lvalue.func.section == ".ksyms"):
            return self.functions[lvalue.func]
        if isinstance(lvalue, tast.Member):
            return _byte_offset(self.address_constant(lvalue.base), lvalue.offset)
        if isinstance(lvalue, tast.Deref):
            return self.scalar_constant(lvalue.ptr)
        if isinstance(lvalue, tast.CompoundLiteral) and lvalue.var in self.globals:
            return self.globals[lvalue.var]
        raise self.error("initializer element is not a compile-time constant", lvalue.loc)

    # ---- functions ---------------------------------------------------------

    def declare(self, func: tast.Function) -> ir.Function:
        if func.body is None:
            return self.declare_kfunc(func)
        self.to_define.append(func)
        return self.declare_function(func)

    def declare_function(self, func: tast.Function) -> ir.Function:
        llfunc = ir.Function(self.module, function_type(func.type), func.symbol)
        for arg, param in zip(parameter_arguments(func.type, llfunc.args), func.params):
            if arg is not None:
                arg.name = param.name
        if func.type.ret.is_struct:
            self.lowered.struct_returns.add(func.symbol)
        large = [p for p in func.type.params if p.is_struct and passed_as(p) is PTR]
        if large:
            self.lowered.large_struct_params[func.symbol] = large[0]
        if func.static:
            llfunc.linkage = "internal"
        if func.section:
            llfunc.section = func.section
        if func.inline == "always":
            llfunc.attributes.add("alwaysinline")
        elif func.inline == "never":
            llfunc.attributes.add("noinline")
        elif func.inline == "hint":
            llfunc.attributes.add("inlinehint")
        llfunc.attributes.add("nounwind")
        if self.options.opt_level == 0 and func.inline != "always":
            llfunc.attributes.add("noinline")
            llfunc.attributes.add("optnone")
        if func.section or "used" in func.attributes:
            self.used.append(llfunc)
        self.lowered.function_locs[func.symbol] = func.loc
        return llfunc

    def declare_kfunc(self, func: tast.Function) -> ir.Function:
        """A kernel function (`extern … __ksym`): the loader resolves it against the kernel's BTF.
        A function declared `asm("llvm.…")` is that LLVM intrinsic (the checker knows its type)."""
        llfunc = ir.Function(self.module, function_type(func.type), func.symbol)
        if func.is_intrinsic:
            return llfunc
        llfunc.section = ".ksyms"
        if "weak" in func.attributes:
            llfunc.linkage = "extern_weak"
        self.debug.declaration(func, llfunc)
        self.lowered.function_locs[func.symbol] = func.loc
        return llfunc

    def error(self, message: str, loc: Location) -> CompileError:
        return self.diags.fatal(message, loc)


class _Functions(dict):
    """tast.Function → ir.Function, declared on first reference.  A static function nothing
    refers to is not emitted, as with clang: a header's unused inline function may not even
    compile for BPF (x86 asm in <asm/swab.h>), and at -O0 nothing would remove it."""

    def __init__(self, declare) -> None:
        super().__init__()
        self.declare = declare

    def __missing__(self, func: tast.Function) -> ir.Function:
        self[func] = llfunc = self.declare(func)
        return llfunc


def _byte_offset(base: ir.Constant, offset: int) -> ir.Constant:
    if offset == 0:
        return base
    return ir.FormattedConstant(PTR, f"getelementptr inbounds (i8, ptr {base.get_reference()}, i64 {offset})")


def lower(program: tast.Program, options: Options, diags: Diagnostics) -> Lowered:
    return ModuleLowerer(program, options, diags).lower()


__all__ = ["lower", "Lowered", "TRIPLE", "DATA_LAYOUT", "I64"]
